"""The header lights up the section a page belongs to, on every page: one table of routes
(web/nav.py) names each page's section, instead of guessing from its address."""

from __future__ import annotations

import re

import httpx

from studyhall.web.access import PageRoute
from studyhall.web.nav import section_of
from tests.test_tenancy import ROUTES
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in
from tests.web.learner_steps import start_attempt, submit


def _lit(page: str) -> list[str]:
    links = re.search(r'<ul class="links">(.*?)</ul>', page, re.S)
    assert links, page
    return re.findall(r'aria-current="page">([^<]+)</a>', links.group(1))


async def test_every_page_lights_up_its_own_section(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.owner.email)  # the owner sees every section
    track = school.track["id"]
    exam_url = await start_attempt(client, school, mode="simulation")
    await submit(client, exam_url)
    expected = {
        "/o/school": "Dashboard",
        f"/o/school/tracks/{track}/start": "Dashboard",  # starting an attempt, not editing
        "/o/school/attempts": "History",
        f"{exam_url}/result": "History",
        f"{exam_url}/review": "History",
        "/o/school/mistakes": "Mistakes",
        "/o/school/plan/goals": "Plan",
        f"/o/school/plan/goals/{track}": "Plan",
        "/o/school/questions": "Questions",
        f"/o/school/tracks/{track}/questions/new": "Questions",  # writing a question
        "/o/school/media": "Questions",
        "/o/school/review": "Review",
        "/o/school/tracks": "Tracks",
        f"/o/school/tracks/{track}/import": "Tracks",
        "/o/school/admin/members": "Admin",
        "/o/school/admin/webhooks": "Admin",
    }
    for path, section in expected.items():
        page = await client.get(path)
        assert page.status_code == 200, path
        assert _lit(page.text) == [section], path


def test_the_table_names_a_section_for_every_organisation_page() -> None:
    pages = [r.path for r in ROUTES if isinstance(r, PageRoute) and "GET" in r.methods]
    assert len(pages) > 20
    unnamed = [p for p in pages if p.startswith("/o/{org}") and section_of(p) is None]
    assert not unnamed
