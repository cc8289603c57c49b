"""Small things a learner reads: modes by their names in the attempt lists, and an empty
mistakes page that says its one thing once."""

from __future__ import annotations

import re

import httpx

from tests.web.conftest import School
from tests.web.helpers import browser_sign_in
from tests.web.learner_steps import start_attempt


async def test_attempt_lists_name_the_modes(client: httpx.AsyncClient, school: School) -> None:
    await browser_sign_in(client, school.learner.email)
    await start_attempt(client, school, mode="practice", count="2")
    await start_attempt(client, school, mode="simulation")
    for path in ("/o/school/attempts", "/o/school"):
        modes = re.findall(r'data-label="Mode">([^<]*)<', (await client.get(path)).text)
        assert sorted(modes) == ["Practice", "Simulation"], path


async def test_an_empty_mistakes_page_says_so_once(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    page = (await client.get("/o/school/mistakes")).text
    main = page.split('<main id="main"')[1]
    assert main.count('class="card"') == 1
    assert "Nothing to retry yet" in main
    assert "No mistakes to show" not in main


async def test_the_exam_screen_names_its_mode(client: httpx.AsyncClient, school: School) -> None:
    await browser_sign_in(client, school.learner.email)
    screen = (await client.get(await start_attempt(client, school, mode="simulation"))).text
    heading = re.search(r"<h1>(.*?)</h1>", screen, re.S)
    assert heading, screen[:2000]
    assert "· Simulation" in heading.group(1)
