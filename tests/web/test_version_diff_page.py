"""The versions page compares two versions side by side in an author's words."""

from __future__ import annotations

import re

import httpx

from tests.factories import leaf_topics
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form


async def test_the_diff_names_what_an_author_wrote_side_by_side(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    topic = str(leaf_topics(school.track)[0]["id"])
    fields = {"type": "matching", "topic_id": topic, "stem": "Match the sounds.",
              "explanation": "Animals.", "pairs": "cat => meow\ndog => woof\n=> moo"}  # fmt: skip
    made = await post_form(client, f"/o/school/tracks/{school.track['id']}/questions/new", fields)
    url = made.headers["location"].split("?")[0]
    revision = re.search(r'name="revision" value="(\d+)"', (await client.get(f"{url}/edit")).text)
    assert revision
    edited = {**fields, "stem": "Match the animal sounds.", "pairs": "cat => meow\nfox => woof",
              "revision": revision.group(1)}  # fmt: skip
    assert (await post_form(client, f"{url}/edit", edited)).status_code == 303
    page = (await client.get(f"{url}/versions")).text
    assert "body.premises" not in page
    assert "body." not in page
    assert "+++" not in page
    assert "---" not in page
    assert "Matching premise 2" in page
    assert re.search(r"<del>dog</del>", page)
    assert re.search(r"<ins>fox</ins>", page)
    assert "Question text" in page
    assert re.search(r"<ins>animal </ins>", page)  # the changed word, inline
    assert '<th scope="col">Version 1</th>' in page
    assert '<th scope="col">Version 2</th>' in page
