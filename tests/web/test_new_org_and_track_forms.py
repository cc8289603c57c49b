"""New organisation and new track forms: the short name comes from the name when left empty,
and the syllabus starts empty with its example as a placeholder."""

from __future__ import annotations

import re

import httpx
from hypothesis import given
from hypothesis import strategies as st

from studyhall.web.public import slug_from
from tests.factories import PASSWORD
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


async def test_an_empty_short_name_is_made_from_the_name(client: httpx.AsyncClient) -> None:
    made = await post_form(
        client,
        "/sign-up",
        {"email": "eve@example.com", "password": PASSWORD, "display_name": "Eve"},
    )
    assert made.status_code == 303
    await browser_sign_in(client, "eve@example.com")
    created = await post_form(
        client, "/orgs/new", {"name": "Élan Vital School", "slug": ""}, page="/dashboard"
    )
    assert created.status_code == 303, created.text[-2000:]
    assert created.headers["location"] == "/o/elan-vital-school"


@given(st.text(max_size=120))
def test_a_made_short_name_is_always_a_valid_one_or_empty(name: str) -> None:
    slug = slug_from(name)
    assert slug == "" or SLUG.match(slug)
    assert slug_from(slug) == slug  # a short name stays as it is


async def test_the_new_track_form_shows_the_sample_syllabus_as_a_placeholder(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.owner.email)
    page = (await client.get("/o/school/tracks/new")).text
    textarea = re.search(r'<textarea id="topics"([^>]*)>([^<]*)</textarea>', page)
    assert textarea
    assert textarea.group(2).strip() == ""  # nothing to delete before writing one's own
    assert "placeholder=" in textarea.group(1)
    assert "| 60" in textarea.group(1)
