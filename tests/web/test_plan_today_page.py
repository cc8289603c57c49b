"""Today, the week and re-planning through plain HTTP: a learner with a goal sees what to do
now, marks a block done (or is told what is wrong with what they wrote), starts a practice
block's drill, pages through the calendar and previews a re-plan before applying it."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from studyhall.kit.clock import FrozenClock
from tests.factories import make_org, sign_up
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form, token_of
from tests.web.test_plan_settings_page import settings_form

BLOCK = re.compile(
    r'<article class="card plan-block kind-(\w+)( is-next)?" id="block-([0-9a-f-]+)"'
)


async def _with_a_plan(client: httpx.AsyncClient, school: School, **changes: str) -> str:
    """The learner signs in and sets a goal; returns Today's page."""
    await browser_sign_in(client, school.learner.email)
    saved = await post_form(
        client, f"/o/school/plan/goals/{school.track['id']}", settings_form(school, **changes)
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/o/school/plan?saved=goal"
    today = await client.get(saved.headers["location"])
    assert today.status_code == 200
    return today.text


def _blocks(page: str) -> list[tuple[str, bool, str]]:
    """(kind, is it the block to do now, id) of each block on the page, in order."""
    return [(kind, bool(now), block) for kind, now, block in BLOCK.findall(page)]


async def test_today_shows_the_next_block_progress_and_the_reality_check(
    client: httpx.AsyncClient, school: School
) -> None:
    page = await _with_a_plan(client, school)
    assert "Your goal is saved and your plan is ready." in page
    assert "Monday 23 November" in page  # the clock's today, in São Paulo
    blocks = _blocks(page)
    assert blocks
    assert blocks[0][1], "the first block is the one to do now"
    assert sum(1 for _, now, _ in blocks if now) == 1
    assert re.search(r'id="plan-status">(On track|Behind by [^<]+)<', page)
    assert "Reality check" in page
    assert re.search(r'<div class="stat">\d+%</div><div class="muted">of the syllabus', page)
    assert "studied today" in page
    assert "questions this week" in page
    assert 'id="plan-reason">Plan of Monday 23 November: Made for your goal' in page
    dashboard = await client.get("/o/school")
    assert "Today's plan" in dashboard.text
    assert re.search(r"\d+ blocks? left today", dashboard.text)


async def test_marking_a_block_done_keeps_what_was_done(
    client: httpx.AsyncClient, school: School
) -> None:
    page = await _with_a_plan(client, school)
    _, _, first = _blocks(page)[0]
    marked = await post_form(
        client, f"/o/school/plan/blocks/{first}",
        {"status": "done", "done_minutes": "38", "questions_solved": "7", "notes": "Joins, again"},
        page="/o/school/plan",
    )  # fmt: skip
    assert marked.status_code == 303, marked.text
    assert marked.headers["location"] == f"/o/school/plan?saved=block#block-{first}"
    after = (await client.get("/o/school/plan")).text
    assert "Done: 38 min, 7 questions solved." in after
    assert "Joins, again" in after
    assert "38 min / " in after  # today's minutes count it
    assert not [b for b in _blocks(after) if b[2] == first and b[1]], "no longer the next one"


async def test_a_wrong_record_is_named_beside_its_field_and_saves_nothing(
    client: httpx.AsyncClient, school: School
) -> None:
    page = await _with_a_plan(client, school)
    _, _, first = _blocks(page)[0]
    wrong = await post_form(
        client, f"/o/school/plan/blocks/{first}",
        {"status": "partial", "done_minutes": "-3", "questions_solved": "x", "notes": ""},
        page="/o/school/plan",
    )  # fmt: skip
    assert wrong.status_code == 422
    assert f'id="{first}-done_minutes-error">Use 0 or more.<' in wrong.text
    assert f'id="{first}-questions_solved-error">Write a whole number, such as 10.<' in wrong.text
    assert 'value="-3"' in wrong.text  # as typed, to correct
    assert '<details class="mark" open>' in wrong.text
    assert "Partly done" in (await client.get("/o/school/plan")).text  # the form, not a record
    assert "Partly done: " not in (await client.get("/o/school/plan")).text


async def test_a_practice_block_starts_its_drill_in_the_exam_screen(
    client: httpx.AsyncClient, school: School, clock: FrozenClock
) -> None:
    # Blocks are done day after day until the plan offers a practice block.
    await _with_a_plan(client, school)
    for _ in range(21):  # a practice block turns up within three weeks
        page = (await client.get("/o/school/plan")).text
        practice = [b for b in _blocks(page) if b[0] == "practice"]
        if practice:
            break
        for _, _, block in _blocks(page):
            done = await post_form(
                client, f"/o/school/plan/blocks/{block}", {"status": "done"}, page="/o/school/plan"
            )
            assert done.status_code == 303
        clock.advance(timedelta(days=1))
    assert practice, "no practice block in three weeks of plan"
    block = practice[0][2]
    assert "Start the drill" in page
    started = await post_form(
        client, f"/o/school/plan/blocks/{block}/start", {}, page="/o/school/plan"
    )
    assert started.status_code == 303, started.text
    exam = started.headers["location"]
    assert re.fullmatch(r"/o/school/attempts/[0-9a-f-]+", exam)
    screen = await client.get(exam)
    assert screen.status_code == 200
    assert 'class="question card"' in screen.text
    again = await post_form(
        client, f"/o/school/plan/blocks/{block}/start", {}, page="/o/school/plan"
    )
    assert again.headers["location"] == exam  # the running drill resumes, no second one


async def test_the_week_pages_through_seven_days(client: httpx.AsyncClient, school: School) -> None:
    await _with_a_plan(client, school, days_off="2026-11-26")
    week = await client.get("/o/school/plan/week")
    assert week.status_code == 200
    assert week.text.count('class="card day') == 7
    assert "Week of 23 Nov to 29 Nov 2026" in week.text
    assert re.search(r'id="day-2026-11-23">Mon 23 Nov <span class="badge">today', week.text)
    thursday = week.text.split('id="day-2026-11-26"')[1].split("</li>\n  <li")[0]
    assert "Day off" in thursday
    assert "kind-" not in thursday  # nothing planned on a day off
    assert 'href="/o/school/plan/week?start=2026-11-30" rel="next"' in week.text
    later = await client.get("/o/school/plan/week?start=2026-12-02")  # any day: its Monday
    assert "Week of 30 Nov to 6 Dec 2026" in later.text
    bad = await client.get("/o/school/plan/week?start=someday")
    assert bad.status_code == 422  # named, not a 500


async def test_a_replan_is_previewed_then_applied(
    client: httpx.AsyncClient, school: School
) -> None:
    await _with_a_plan(client, school)
    preview = await client.get("/o/school/plan/replan")
    assert preview.status_code == 200
    assert "Re-plan from today" in preview.text
    assert re.search(r'<div class="stat">\d+</div><div class="muted">added', preview.text)
    assert 'action="/o/school/plan/replan"' in preview.text
    assert 'href="/o/school/plan">Cancel<' in preview.text
    applied = await post_form(client, "/o/school/plan/replan", {}, page="/o/school/plan/replan")
    assert applied.status_code == 303
    today = await client.get(applied.headers["location"])
    assert "Your plan was made again from today." in today.text
    assert 'id="plan-reason">Plan of Monday 23 November: You re-planned.' in today.text


async def test_another_learners_blocks_are_not_found(
    client: httpx.AsyncClient, school: School
) -> None:
    page = await _with_a_plan(client, school)
    _, _, block = _blocks(page)[0]
    outsider = await sign_up(client)
    await make_org(client, outsider, slug="elsewhere")
    client.cookies.clear()
    await browser_sign_in(client, outsider.email)
    token = await token_of(client, "/o/elsewhere/plan/goals")
    for path in (f"/o/elsewhere/plan/blocks/{block}", f"/o/elsewhere/plan/blocks/{block}/start"):
        refused = await client.post(path, data={"status": "done", "csrf_token": token})
        assert refused.status_code == 404, path
    # A member of the school who is not the block's learner finds nothing either.
    client.cookies.clear()
    await browser_sign_in(client, school.author.email)
    token = await token_of(client, "/o/school/plan/goals")
    other = await client.post(
        f"/o/school/plan/blocks/{block}", data={"status": "skipped", "csrf_token": token}
    )
    assert other.status_code == 404
