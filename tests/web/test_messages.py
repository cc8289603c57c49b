"""Every message a person sees on the author and admin forms is written for a person: no
validator text ("List should have at least 1 item after validation, not 0", "Input should be
a valid UUID"), and error pages that keep the signed-in header and show no Markdown."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.factories import leaf_topics
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form

VALIDATOR_TEXT = re.compile(
    r"Input should|List should|String should|Field required|Value error|valid UUID|"
    r"after validation|give exactly one topic|unable to parse|Dictionary should"
)


def _messages(page: str) -> list[str]:
    """The text of every message beside a field or on top of the form."""
    found = re.findall(r'class="(?:field-error|alert)"[^>]*>(.*?)</p>', page, re.S)
    return [re.sub(r"<[^>]+>", "", m).strip() for m in found]


def _for_a_person(page: str) -> list[str]:
    messages = _messages(page)
    assert messages, page[-2500:]
    for message in messages:
        assert not VALIDATOR_TEXT.search(message), message
        assert "`" not in message, message
        assert message[0].isupper(), message
    return messages


async def test_the_question_editor_speaks_to_a_person(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    new = f"/o/school/tracks/{school.track['id']}/questions/new"
    page = await post_form(client, new, {
        "type": "single_choice", "topic_id": "", "stem": "Which?", "explanation": "So.",
        "options": ""})  # fmt: skip
    assert page.status_code == 422
    messages = _for_a_person(page.text)
    assert any("topic" in m.lower() for m in messages), messages
    assert any("at least 2" in m for m in messages), messages
    topic = str(leaf_topics(school.track)[0]["id"])
    ordering = await post_form(client, new, {
        "type": "ordering", "topic_id": topic, "stem": "Order", "explanation": "So.",
        "items": "only one"})  # fmt: skip
    assert ordering.status_code == 422
    _for_a_person(ordering.text)


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/o/school/admin/api-keys", {"name": "ci"}),  # no scope chosen
        ("/o/school/admin/api-keys", {"name": "", "scopes": "questions:read"}),
        ("/o/school/admin/invitations", {"email": "not-an-address", "role": "learner"}),
        ("/o/school/admin/settings", {"name": ""}),
    ],
)
async def test_admin_forms_speak_to_a_person(
    client: httpx.AsyncClient, school: School, path: str, fields: dict[str, str]
) -> None:
    await browser_sign_in(client, school.owner.email)
    page = await post_form(client, path, fields)
    assert page.status_code == 422
    _for_a_person(page.text)


async def test_a_drill_without_a_topic_says_which_field(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    start = f"/o/school/tracks/{school.track['id']}/start"
    page = await post_form(client, start, {"mode": "drill"})
    assert page.status_code == 422
    assert any("topic" in m.lower() for m in _for_a_person(page.text))


@pytest.mark.parametrize(
    "path", ["/o/school/review", "/o/no-such-org/questions", "/no/such/page", "/o/school/x"]
)
async def test_error_pages_keep_the_signed_in_header_and_show_no_markdown(
    client: httpx.AsyncClient, school: School, path: str
) -> None:
    await browser_sign_in(client, school.learner.email)
    page = await client.get(path, headers={"accept": "text/html"})
    assert page.status_code in (403, 404)
    assert "Sign out" in page.text
    assert 'href="/sign-in"' not in page.text
    main = page.text.split('<main id="main"', 1)[1]
    assert "`" not in main
