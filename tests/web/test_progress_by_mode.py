"""Progress keeps simulations apart from practice and custom sets (a 3-question custom set
left unanswered is not the "latest score 0 %"), dates the score chart's axis, and states the
pass mark in one unit everywhere: percent, with the scale's own figure on a scaled track."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from studyhall.kit.clock import FrozenClock
from tests.factories import choice_question, leaf_topics, make_track, publish_question
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in
from tests.web.learner_steps import answer, start_attempt, submit


async def test_a_custom_set_does_not_become_the_latest_score(
    client: httpx.AsyncClient, school: School, clock: FrozenClock
) -> None:
    await browser_sign_in(client, school.learner.email)
    simulation = await start_attempt(client, school, mode="simulation")
    await answer(client, simulation, dict.fromkeys(range(1, 5), "right"))
    await submit(client, simulation)
    clock.advance(timedelta(days=2))
    custom = await start_attempt(client, school, mode="custom", count="3")
    await submit(client, custom)  # nothing answered

    progress = await client.get(
        f"/api/v1/me/progress?track={school.track['id']}", headers=school.learner.auth
    )
    body = progress.json()
    assert [(a["mode"], a["percent"]) for a in body["simulations"]] == [("simulation", 100.0)]
    assert body["practice"] == {"sets": 1, "answered": 0, "right_percent": None}
    assert len(body["attempts"]) == 2  # every submitted attempt, each with its mode

    page = (await client.get("/o/school")).text
    latest = re.search(r'<div class="stat">([^<]+)</div><div class="muted">Latest simulation', page)
    assert latest, page
    assert latest.group(1) == "100%"
    assert "1 practice or custom set" in page
    assert page.count('class="dot"') == 1  # the chart shows simulations only
    assert re.search(r'<text class="x-label"[^>]*>23 Nov</text>', page)  # its date


async def test_the_pass_mark_reads_the_same_on_every_page(
    client: httpx.AsyncClient, school: School
) -> None:
    scaled = await make_track(
        client, "school", school.owner, slug="sql", name="SQL", exam_length=3,
        passing_score=700, scoring={"kind": "scaled", "min": 100, "max": 1000},
    )  # fmt: skip
    for topic in leaf_topics(scaled):
        await publish_question(
            client, "school", str(scaled["id"]), school.author, school.reviewer,
            choice_question(str(topic["id"]), "Question 1a?", correct="a"),
        )  # fmt: skip
    client.cookies.clear()
    await browser_sign_in(client, school.learner.email)
    started = await client.get(f"/o/school/tracks/{scaled['id']}/start")
    assert started.status_code == 200
    exam_url = await start_attempt(
        client, School(school.owner, school.author, school.reviewer, school.learner, scaled),
        mode="simulation",
    )  # fmt: skip
    await submit(client, exam_url)

    mark = "pass mark 67% (700 on the 100\u20131000 scale)"
    dashboard = (await client.get(f"/o/school?track={scaled['id']}")).text
    assert dashboard.count(mark) >= 2  # the track's card and its progress
    assert "pass 67%" in dashboard  # the chart's line, in the chart's unit
    result = (await client.get(f"{exam_url}/result")).text
    assert mark in result
    assert "pass mark 700" not in result
    percent = (await client.get("/o/school")).text  # the percent track: no scale to add
    assert "pass mark 70%" in percent
