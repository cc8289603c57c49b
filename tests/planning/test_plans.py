"""Making, following and re-making a plan through the API, on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from studyhall.events.models import OutboxEvent
from studyhall.kit.clock import FrozenClock
from tests.acme import ORG
from tests.factories import Person, read_audit_log
from tests.planning.conftest import BASE, QUESTIONS_PER_TOPIC, WEEK, add_goal, set_week

TODAY = date(2026, 11, 23)  # the test clock: Monday 09:00 UTC, 06:00 in Sao Paulo


async def events_of(app: FastAPI, kind: str) -> list[dict[str, Any]]:
    async with app.state.db.unit_of_work(write=False) as session:
        rows = (await session.scalars(select(OutboxEvent).where(OutboxEvent.type == kind))).all()
        return [dict(r.data) for r in rows]


async def make_plan(
    client: httpx.AsyncClient, who: Person, track_id: str, **week: object
) -> dict[str, Any]:
    await set_week(client, who, **week)
    await add_goal(client, who, track_id)
    made = await client.post(f"{BASE}/generate", headers=who.auth)
    assert made.status_code == 200, made.text
    return dict(made.json())


async def test_a_plan_fits_the_learners_week_and_is_audited_with_its_event(
    app: FastAPI,
    client: httpx.AsyncClient,
    owner: Person,
    learner: Person,
    stocked_track: dict[str, Any],
) -> None:
    plan = await make_plan(client, learner, stocked_track["id"], days_off=["2026-11-25"])
    blocks = plan["blocks"]
    assert blocks
    assert plan["revision"] == 1
    by_day: dict[str, int] = {}
    for block in blocks:
        day = date.fromisoformat(block["day"])
        assert TODAY <= day < date(2027, 1, 15)
        assert day != date(2026, 11, 25)  # the day off
        assert WEEK[day.weekday()] > 0  # nothing on Sundays, which have no time
        by_day[block["day"]] = by_day.get(block["day"], 0) + block["minutes"]
        # 19:00 in Sao Paulo is 22:00 UTC, plus the block's place in the evening.
        evening = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=22)
        starts = datetime.fromisoformat(block["starts_at"])
        assert evening <= starts < evening + timedelta(minutes=WEEK[day.weekday()])
    for day, minutes in by_day.items():
        assert minutes <= WEEK[date.fromisoformat(day).weekday()], day
    kinds = {b["kind"] for b in blocks}
    assert {"study", "practice"} <= kinds
    generated = await events_of(app, "plan.generated")
    assert [e["plan_id"] for e in generated] == [plan["id"]]
    actions = [e["action"] for e in await read_audit_log(client, ORG, owner.auth)]
    assert "plan.generated" in actions


async def test_without_a_week_or_a_goal_there_is_no_plan_and_a_clear_answer(
    client: httpx.AsyncClient, learner: Person, stocked_track: dict[str, Any]
) -> None:
    no_week = await client.post(f"{BASE}/generate", headers=learner.auth)
    assert no_week.status_code == 409
    assert no_week.json()["type"].endswith("study-profile-missing")
    await set_week(client, learner)
    no_goal = await client.post(f"{BASE}/generate", headers=learner.auth)
    assert no_goal.status_code == 409
    assert no_goal.json()["type"].endswith("no-active-goals")
    none_yet = await client.get(BASE, headers=learner.auth)
    assert none_yet.status_code == 404


async def test_a_goal_that_does_not_fit_is_explained_in_numbers(
    client: httpx.AsyncClient, learner: Person, stocked_track: dict[str, Any]
) -> None:
    await set_week(client, learner, minutes_by_weekday=[10, 10, 10, 10, 10, 10, 10])
    await add_goal(client, learner, stocked_track["id"], exam_date="2026-11-27")
    made = await client.post(f"{BASE}/generate", headers=learner.auth)
    assert made.status_code == 200, made.text
    plan = made.json()
    assert plan["final_stretch"] is True
    [short] = plan["shortfalls"]
    assert short["needed_minutes"] > short["available_minutes"]
    assert short["suggestions"]


async def test_marking_blocks_and_a_replan_keep_what_is_done_and_miss_what_was_not(
    app: FastAPI,
    client: httpx.AsyncClient,
    clock: FrozenClock,
    learner: Person,
    stocked_track: dict[str, Any],
) -> None:
    plan = await make_plan(client, learner, stocked_track["id"])
    first_day = [b for b in plan["blocks"] if b["day"] == plan["blocks"][0]["day"]]
    done = first_day[0]
    marked = await client.patch(
        f"{BASE}/blocks/{done['id']}",
        json={"status": "done", "questions_solved": 12, "notes": "read chapter 1"},
        headers=learner.auth,
    )
    assert marked.status_code == 200, marked.text
    assert marked.json()["done_minutes"] == done["minutes"]  # all of it, unless told
    clock.advance(timedelta(days=3))
    seen = await client.get(BASE, params={"start": first_day[0]["day"]}, headers=learner.auth)
    assert seen.status_code == 200, seen.text
    again = seen.json()
    assert again["revision"] == 2
    assert "not done" in again["reason"]
    statuses = {b["id"]: b["status"] for b in again["blocks"]}
    assert statuses[done["id"]] == "done"
    for block in first_day[1:]:
        assert statuses[block["id"]] == "missed"
    later = [b for b in again["blocks"] if b["status"] == "planned"]
    assert later
    assert min(b["day"] for b in later) >= (TODAY + timedelta(days=3)).isoformat()
    replanned = await events_of(app, "plan.replanned")
    assert [e["reason"] for e in replanned] == [again["reason"]]


async def test_a_replan_preview_changes_nothing_and_apply_does(
    app: FastAPI, client: httpx.AsyncClient, learner: Person, stocked_track: dict[str, Any]
) -> None:
    plan = await make_plan(client, learner, stocked_track["id"])
    skipped = next(b for b in plan["blocks"] if b["kind"] == "study")
    marked = await client.patch(
        f"{BASE}/blocks/{skipped['id']}", json={"status": "skipped"}, headers=learner.auth
    )
    assert marked.status_code == 200
    preview = await client.post(
        f"{BASE}/replan", params={"preview": "true"}, json={"reason": "Trying"},
        headers=learner.auth,
    )  # fmt: skip
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["added"] + shown["removed"] + shown["moved"] == len(shown["changes"]) > 0
    assert shown["reason"] == "Trying"
    assert await events_of(app, "plan.replanned") == []
    applied = await client.post(
        f"{BASE}/replan", json={"reason": "I skipped a chapter"}, headers=learner.auth
    )
    assert applied.status_code == 200, applied.text
    assert (applied.json()["revision"], applied.json()["reason"]) == (2, "I skipped a chapter")
    kept = {b["id"]: b["status"] for b in applied.json()["blocks"]}
    assert kept[skipped["id"]] == "skipped"
    assert [e["reason"] for e in await events_of(app, "plan.replanned")] == ["I skipped a chapter"]


async def test_a_partly_done_block_needs_its_minutes(
    client: httpx.AsyncClient, learner: Person, stocked_track: dict[str, Any]
) -> None:
    plan = await make_plan(client, learner, stocked_track["id"])
    block = plan["blocks"][0]
    refused = await client.patch(
        f"{BASE}/blocks/{block['id']}", json={"status": "partial"}, headers=learner.auth
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.done_minutes"
    too_long = await client.patch(
        f"{BASE}/blocks/{block['id']}",
        json={"status": "partial", "done_minutes": 5000},
        headers=learner.auth,
    )
    assert too_long.status_code == 422
    ok = await client.patch(
        f"{BASE}/blocks/{block['id']}",
        json={"status": "partial", "done_minutes": 20},
        headers=learner.auth,
    )
    assert ok.status_code == 200
    assert (ok.json()["status"], ok.json()["done_minutes"]) == ("partial", 20)


async def test_starting_a_practice_block_starts_a_drill_of_its_topic(
    client: httpx.AsyncClient, learner: Person, stocked_track: dict[str, Any]
) -> None:
    plan = await make_plan(client, learner, stocked_track["id"])
    practice = next(b for b in plan["blocks"] if b["kind"] == "practice")
    started = await client.post(f"{BASE}/blocks/{practice['id']}/start", headers=learner.auth)
    assert started.status_code == 200, started.text
    attempt_id = started.json()["attempt_id"]
    assert started.json()["block"]["attempt_id"] == attempt_id
    attempt = (
        await client.get(f"/api/v1/orgs/{ORG}/attempts/{attempt_id}", headers=learner.auth)
    ).json()
    assert attempt["mode"] == "drill"
    assert {q["topic_id"] for q in attempt["questions"]} == {practice["topic_id"]}
    assert len(attempt["questions"]) == min(practice["questions"] or 10, QUESTIONS_PER_TOPIC)
    again = await client.post(f"{BASE}/blocks/{practice['id']}/start", headers=learner.auth)
    assert again.json()["attempt_id"] == attempt_id  # the open drill resumes


async def test_a_block_of_another_learner_is_not_found(
    client: httpx.AsyncClient, owner: Person, learner: Person, stocked_track: dict[str, Any]
) -> None:
    plan = await make_plan(client, learner, stocked_track["id"])
    block = plan["blocks"][0]["id"]
    for method, path in (
        ("PATCH", f"{BASE}/blocks/{block}"),
        ("POST", f"{BASE}/blocks/{block}/start"),
    ):
        response = await client.request(
            method, path, json={"notes": "x"} if method == "PATCH" else None, headers=owner.auth
        )
        assert response.status_code == 404, response.text
