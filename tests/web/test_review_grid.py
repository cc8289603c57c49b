"""The review opens with a grid of every question, coloured right / wrong / unanswered and
marked when flagged, each a link to its question; every question says the time spent on it."""

from __future__ import annotations

import re

import httpx

from tests.web.conftest import School
from tests.web.helpers import browser_sign_in
from tests.web.learner_steps import answer, start_attempt, submit


async def test_the_review_grid_jumps_to_each_question_with_its_outcome_and_time(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    exam_url = await start_attempt(client, school, mode="simulation")
    await answer(
        client,
        exam_url,
        {1: "wrong", 2: "right"},
        flagged=frozenset({3}),
        seconds={1: 80, 2: 7, 3: 3725},
    )
    await submit(client, exam_url)

    page = (await client.get(f"{exam_url}/review")).text
    grid = re.search(
        r'<nav class="review-grid[^"]*" aria-label="Questions">(.*?)</nav>', page, re.S
    )
    assert grid, page
    cells = re.findall(r'<a href="#r(\d)" class="([^"]+)"[^>]*>', grid.group(1))
    assert [(n, set(c.split())) for n, c in cells] == [
        ("1", {"cell", "wrong"}),
        ("2", {"cell", "right"}),
        ("3", {"cell", "unanswered", "flagged"}),
        ("4", {"cell", "unanswered"}),
    ]
    assert 'aria-label="Question 3: unanswered, flagged, 1 h 2 min"' in grid.group(1)
    for n in "1234":
        assert f'id="r{n}"' in page  # every link has its target
    times = re.findall(r'time-spent">([^<]+)<', page)
    assert times == ["Time: 1 min 20 s", "Time: 7 s", "Time: 1 h 2 min", "Time: 0 s"]

    # Filtered to the wrong ones, the grid still shows all; the others lead to the full review.
    wrong = (await client.get(f"{exam_url}/review?only=wrong")).text
    assert '<a href="#r1" class="cell wrong"' in wrong
    assert '<a href="?#r2" class="cell right"' in wrong
