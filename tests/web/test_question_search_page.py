"""The question list's facets and pages as a person reads them: status in words, difficulty
in its own order, and a way back to the page before."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from tests.factories import choice_question, leaf_topics
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in

QUESTION_LINK = re.compile(r'<a href="/o/school/questions/([0-9a-f-]{36})">')


def _facet(page: str, name: str) -> list[tuple[str, str]]:
    """(value, label) of each checkbox of a facet, in the order shown."""
    found = re.findall(
        rf'name="{name}" value="([^"]+)"[^>]*>\s*([^<]*?)\s*<span class="muted">', page
    )
    return [(value, html.unescape(label)) for value, label in found]


async def test_status_is_in_words_and_difficulty_in_its_own_order(
    client: httpx.AsyncClient, school: School
) -> None:
    topic = str(leaf_topics(school.track)[0]["id"])
    new = f"/api/v1/orgs/school/tracks/{school.track['id']}/questions"
    for n, difficulty in enumerate([5, 5, 1]):
        draft = {**choice_question(topic, f"Draft {n}?"), "difficulty": difficulty}
        made = await client.post(new, json=draft, headers=school.author.auth)
        assert made.status_code == 201, made.text
    client.cookies.clear()
    await browser_sign_in(client, school.reviewer.email)
    page = (await client.get("/o/school/questions")).text
    assert dict(_facet(page, "status")) == {"published": "Published", "draft": "Draft"}
    # Most questions have difficulty 3, then 5, then 1: shown 1, 3, 5 all the same.
    assert [value for value, _ in _facet(page, "difficulty")] == ["1", "3", "5"]
    assert "in_review" not in page


async def test_pages_can_be_walked_back(
    client: httpx.AsyncClient, school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("studyhall.web.author.PAGE_SIZE", 2)
    await browser_sign_in(client, school.reviewer.email)
    first = (await client.get("/o/school/questions")).text
    assert "Previous page" not in first
    pages = [QUESTION_LINK.findall(first)]
    page = first
    for _ in range(2):
        found = re.search(r'<a class="button" href="([^"]+)"[^>]*>Next page</a>', page)
        assert found
        page = (await client.get(html.unescape(found.group(1)))).text
        pages.append(QUESTION_LINK.findall(page))
    assert len({i for p in pages for i in p}) == 6  # three different pages of two
    for expected in (pages[1], pages[0]):
        back = re.search(r'<a class="button" href="([^"]+)"[^>]*>Previous page</a>', page)
        assert back, page[-3000:]
        page = (await client.get(html.unescape(back.group(1)))).text
        assert QUESTION_LINK.findall(page) == expected
    assert "Previous page" not in page
