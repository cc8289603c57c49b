"""Progress against the plan, the nightly re-plan of plans that fell behind, and what
instructors see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from studyhall.jobs import queue
from studyhall.jobs.registry import Runtime
from studyhall.jobs.worker import Worker
from studyhall.kit.clock import FrozenClock
from studyhall.kit.context import Context
from studyhall.planning import tasks
from studyhall.planning.progress import TopicOutlook, projected_score
from tests.acme import ORG
from tests.factories import Person, add_member, sign_up
from tests.planning.test_plans import events_of, make_plan

PROGRESS = f"/api/v1/orgs/{ORG}/plan/progress"


async def enqueue(runtime: Runtime, kind: str) -> None:
    async with runtime.db.unit_of_work() as session:
        queue.enqueue(Context(session=session, clock=runtime.clock, request_id="test"), kind, {})


def _evening_over(day: str) -> datetime:
    """23:59 in Sao Paulo (UTC-3) on `day`: every block of that day has passed."""
    return datetime.fromisoformat(f"{day}T23:59:00-03:00").astimezone(UTC)


async def test_progress_counts_planned_minutes_passed_against_minutes_done(
    client: httpx.AsyncClient, clock: FrozenClock, learner: Person, stocked_track: dict[str, Any]
) -> None:
    fresh = (await client.get(PROGRESS, headers=learner.auth)).json()
    assert fresh["status"] == "no_plan"
    plan = await make_plan(client, learner, stocked_track["id"])
    day = plan["blocks"][0]["day"]
    today = [b for b in plan["blocks"] if b["day"] == day]
    planned = sum(b["minutes"] for b in today)
    before = (await client.get(PROGRESS, headers=learner.auth)).json()
    assert (before["status"], before["behind_minutes"]) == ("on_track", 0)
    assert before["today_goal"]["minutes_planned"] == planned
    assert before["today_goal"]["questions_goal"] == 20
    await client.patch(
        f"/api/v1/orgs/{ORG}/plan/blocks/{today[0]['id']}",
        json={"status": "partial", "done_minutes": 10, "questions_solved": 7},
        headers=learner.auth,
    )
    clock.set(_evening_over(day))
    after = (await client.get(PROGRESS, headers=learner.auth)).json()
    assert after["planned_minutes_to_date"] == planned
    assert after["done_minutes_to_date"] == 10
    assert after["behind_minutes"] == planned - 10
    assert after["status"] == "behind"
    hours, minutes = divmod(planned - 10, 60)
    assert after["summary"].startswith(f"Behind by {hours} h" if hours else f"Behind by {minutes}")
    assert after["today_goal"]["questions_solved"] == 7
    assert 0 <= after["reality"]["coverage_by_exam"] <= 100


def test_the_projected_score_weighs_accuracy_and_falls_back_for_unpractised_topics() -> None:
    assert projected_score([]) is None
    measured = [TopicOutlook(0.75, 0.8, True), TopicOutlook(0.25, 0.4, False)]
    assert projected_score(measured) == 70.0
    studied_or_not = [TopicOutlook(0.5, None, True), TopicOutlook(0.5, None, False)]
    assert projected_score(studied_or_not) == 42.5  # 0.6 studied, 0.25 guessed


async def test_the_nightly_job_replans_a_plan_that_fell_behind_and_says_why(
    app: FastAPI,
    client: httpx.AsyncClient,
    clock: FrozenClock,
    learner: Person,
    stocked_track: dict[str, Any],
) -> None:
    plan = await make_plan(client, learner, stocked_track["id"])
    runtime: Runtime = app.state.job_runtime
    worker = Worker(runtime, concurrency=2, run_schedules=False)
    try:
        await enqueue(runtime, tasks.REPLAN_BEHIND)
        await worker.run_until_idle()
        assert await events_of(app, "plan.replanned") == []  # on track: left alone
        clock.set(_evening_over(plan["blocks"][0]["day"]) + timedelta(days=1))
        await enqueue(runtime, tasks.REPLAN_BEHIND)
        await worker.run_until_idle()
        await enqueue(runtime, tasks.REPLAN_BEHIND)  # the same night again: nothing more
        await worker.run_until_idle()
    finally:
        await worker.stop(grace=0)
    [replanned] = await events_of(app, "plan.replanned")
    assert replanned["reason"].startswith("You fell behind by ")
    assert "nightly" in replanned["reason"]
    shown = (await client.get(f"/api/v1/orgs/{ORG}/plan", headers=learner.auth)).json()
    assert shown["reason"] == replanned["reason"]
    assert shown["revision"] == 2


async def test_instructors_see_each_learners_adherence_and_learners_do_not(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    owner: Person,
    learner: Person,
    stocked_track: dict[str, Any],
) -> None:
    instructor = await sign_up(client, "instructor")
    await add_member(client, ORG, owner, instructor, "instructor")
    plan = await make_plan(client, learner, stocked_track["id"])
    url = f"/api/v1/orgs/{ORG}/plan/adherence"
    assert (await client.get(url, headers=learner.auth)).status_code == 403
    [row] = (await client.get(url, headers=instructor.auth)).json()
    assert (row["user_id"], row["status"], row["display_name"]) == (
        learner.id,
        "on_track",
        "Learner",
    )
    clock.set(_evening_over(plan["blocks"][0]["day"]))
    [row] = (await client.get(url, headers=instructor.auth)).json()
    assert row["status"] == "behind"
    assert row["summary"].startswith("Behind by")
    clock.advance(timedelta(days=8))
    [row] = (await client.get(url, headers=instructor.auth)).json()
    assert row["status"] == "inactive"
    assert row["summary"] == "Inactive since 2026-11-23"
