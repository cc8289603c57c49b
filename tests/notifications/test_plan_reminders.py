"""The feed and the reminder emails over a real stored plan: its blocks as events at the
right UTC time on both sides of a DST change, with stable UIDs and working links; today's
agenda and the behind warning at the learner's hour, each with a link that opens.

The scheduler is another part's work (planning/scheduler.py); here a stand-in honouring its
contract returns a known plan from the real request, and the real planning service stores it
(local day + the profile's start time in its zone -> UTC), so what is tested is this part."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from studyhall.jobs.registry import Runtime
from studyhall.jobs.worker import Worker
from studyhall.kit.clock import FrozenClock
from studyhall.kit.context import Context
from studyhall.notifications import reminders
from studyhall.planning import service as planning_service
from studyhall.planning.scheduler import Block, BlockKind, Plan, PlanRequest
from tests.factories import Person, add_member, sign_up
from tests.notifications.helpers import feed_token, press, run_jobs, school
from tests.notifications.smtp import Mailbox

BASE = "/api/v1/orgs/acme/plan"
# Lisbon's summer time starts on Sunday 28 March 2027: 09:00 there is 09:00 UTC on the 27th
# and 08:00 UTC on the 29th.
START = datetime(2027, 3, 25, 12, 0, tzinfo=UTC)
SATURDAY, MONDAY, TUESDAY = date(2027, 3, 27), date(2027, 3, 29), date(2027, 3, 30)


def stand_in_scheduler(request: PlanRequest) -> Plan:
    goal = request.goals[0]
    first, second = goal.topics[0], goal.topics[1]
    return Plan(
        blocks=(
            Block(SATURDAY, 0, 50, BlockKind.STUDY, goal.id, first.id),
            Block(MONDAY, 0, 30, BlockKind.PRACTICE, goal.id, second.id, questions=10),
            Block(MONDAY, 30, 20, BlockKind.REVIEW, None, None),
            Block(TUESDAY, 0, 90, BlockKind.SIMULATION, goal.id, None),
        ),
        final_stretch=False,
    )


@pytest.fixture
def settings_overrides(mailbox: Mailbox) -> dict[str, object]:
    return {**mailbox.settings(), "public_url": "http://testserver"}


@pytest.fixture
def spring(clock: FrozenClock) -> FrozenClock:
    """The clock at START, before anyone signs in (sessions would expire on a jump)."""
    clock.set(START)
    return clock


@pytest.fixture
async def planned(
    spring: FrozenClock,
    client: httpx.AsyncClient,
    owner: Person,
    track: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> Person:
    """A learner of acme in Lisbon, studying from 09:00, with the stand-in's plan stored."""
    monkeypatch.setattr(planning_service, "build_plan", stand_in_scheduler)
    learner, _ = await make_plan(client, owner, track)
    return learner


async def make_plan(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any]
) -> tuple[Person, dict[str, Any]]:
    """A learner in Lisbon studying from 09:00 with a goal on the track, and their plan."""
    learner = await sign_up(client, "planner")
    await add_member(client, "acme", owner, learner, "learner")
    week = {"time_zone": "Europe/Lisbon", "minutes_by_weekday": [120] * 7, "days_off": [],
            "day_start": "09:00", "session_minutes": 50, "daily_questions": 20}  # fmt: skip
    assert (await client.put(f"{BASE}/profile", json=week, headers=learner.auth)).is_success
    goal = {"track_id": track["id"], "exam_date": "2027-04-20", "target_score": 70}
    made = await client.post(f"{BASE}/goals", json=goal, headers=learner.auth)
    assert made.status_code == 201, made.text
    plan = await client.post(f"{BASE}/generate", headers=learner.auth)
    assert plan.status_code == 200, plan.text
    return learner, dict(plan.json())


async def test_a_plan_from_the_real_scheduler_is_one_event_per_block(
    spring: FrozenClock, client: httpx.AsyncClient, owner: Person, track: dict[str, Any]
) -> None:
    learner, plan = await make_plan(client, owner, track)
    assert plan["blocks"], "the scheduler planned nothing to check"
    token = await feed_token(client, learner, "acme")
    events = list((await _feed(client, token)).walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == [f"block-{b['id']}@studyhall" for b in plan["blocks"]]
    for event, block in zip(events, plan["blocks"], strict=True):
        assert "DTSTAMP" in event
        assert event.decoded("DTSTART").astimezone(UTC) == datetime.fromisoformat(
            block["starts_at"]
        ).astimezone(UTC)
        assert event.decoded("DURATION") == timedelta(minutes=block["minutes"])


async def _feed(client: httpx.AsyncClient, token: str) -> Calendar:
    client.cookies.clear()
    response = await client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200, response.text
    assert "private" in response.headers["cache-control"]
    return Calendar.from_ical(response.content)


async def test_the_feed_lists_each_block_at_its_local_time_across_dst(
    client: httpx.AsyncClient, planned: Person
) -> None:
    token = await feed_token(client, planned, "acme")
    events = list((await _feed(client, token)).walk("VEVENT"))
    assert len(events) == 4
    for event in events:
        for required in ("UID", "DTSTAMP", "DTSTART"):
            assert required in event
    starts = [e.decoded("DTSTART").astimezone(UTC) for e in events]
    assert starts == [
        datetime(2027, 3, 27, 9, 0, tzinfo=UTC),  # before summer time: 09:00 = 09:00 UTC
        datetime(2027, 3, 29, 8, 0, tzinfo=UTC),  # after: 09:00 = 08:00 UTC
        datetime(2027, 3, 29, 8, 30, tzinfo=UTC),
        datetime(2027, 3, 30, 8, 0, tzinfo=UTC),
    ]
    assert all(str(e["DTSTART"].params.get("TZID")) == "Europe/Lisbon" for e in events)
    summaries = [str(e["SUMMARY"]) for e in events]
    assert summaries[0].startswith("Study: ")
    assert summaries[1].startswith("Practice: ")
    assert summaries[1].endswith("(10 questions)")
    assert summaries[2] == "Reviews due"
    assert summaries[3].startswith("Full simulation: ")
    assert [e.decoded("DURATION") for e in events] == [
        timedelta(minutes=m) for m in (50, 30, 20, 90)
    ]
    # UIDs name the blocks, so they stay the same from one fetch to the next.
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == 4
    again = [str(e["UID"]) for e in (await _feed(client, token)).walk("VEVENT")]
    assert again == uids
    # Each event's link opens for the learner.
    for event in events:
        opened = await client.get(str(event["URL"]), headers=planned.auth)
        assert opened.status_code == 200, opened.text


async def test_another_orgs_learner_feed_holds_none_of_this_plan(
    client: httpx.AsyncClient, planned: Person
) -> None:
    mine = await _feed(client, await feed_token(client, planned, "acme"))
    my_uids = {str(e["UID"]) for e in mine.walk("VEVENT")}
    away = await school(client, "globex", "Globex")
    theirs = await _feed(client, await feed_token(client, away.learner, "globex"))
    assert list(theirs.walk("VEVENT")) == []
    assert not my_uids & {str(e["UID"]) for e in theirs.walk("VEVENT")}


async def _due_pass(app: Any) -> int:
    async with app.state.db.unit_of_work() as session:
        ctx = Context(session=session, clock=app.state.clock, request_id="test")
        count: int = await reminders.enqueue_due(ctx, app.state.settings)
        return count


async def test_agenda_and_behind_warning_arrive_at_the_chosen_hour_with_working_links(
    app: Any,
    client: httpx.AsyncClient,
    planned: Person,
    clock: FrozenClock,
    mailbox: Mailbox,
) -> None:
    form = {"daily_agenda": "on", "behind_warning": "on", "agenda_hour": "8"}
    await press(client, planned, "/o/acme/reminders", {**form, "time_zone": "Europe/Lisbon"})
    clock.set(datetime(2027, 3, 29, 7, 5, tzinfo=UTC))  # Monday 08:05 in Lisbon
    assert await _due_pass(app) == 2
    runtime: Runtime = app.state.job_runtime
    await run_jobs(Worker(runtime, run_schedules=False), clock)
    by_subject = {m["Subject"]: m for m in mailbox.messages}
    assert set(by_subject) == {
        "Today's study plan: 2 blocks, 50 min",
        # Saturday's 50 minutes passed undone.
        "You are 50 min behind your study plan",
    }
    for message in mailbox.messages:
        assert message["To"] == planned.email
    agenda = by_subject["Today's study plan: 2 blocks, 50 min"]
    text = agenda.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "09:00  Practice: " in text
    assert "09:30  Reviews due" in text
    links = re.findall(r"http://testserver\S+", text)
    assert links
    for link in links:
        opened = await client.get(link, headers=planned.auth)
        assert opened.status_code == 200, (link, opened.text)
    # Running the pass again within the hour sends nothing more.
    clock.set(datetime(2027, 3, 29, 7, 50, tzinfo=UTC))
    assert await _due_pass(app) == 0


async def test_an_agenda_enqueued_before_opting_out_is_not_sent(
    app: Any,
    client: httpx.AsyncClient,
    planned: Person,
    clock: FrozenClock,
    mailbox: Mailbox,
) -> None:
    form = {"daily_agenda": "on", "agenda_hour": "8", "time_zone": "Europe/Lisbon"}
    await press(client, planned, "/o/acme/reminders", form)
    clock.set(datetime(2027, 3, 29, 7, 5, tzinfo=UTC))
    assert await _due_pass(app) == 1
    await press(client, planned, "/o/acme/reminders", {**form, "daily_agenda": ""})
    runtime: Runtime = app.state.job_runtime
    await run_jobs(Worker(runtime, run_schedules=False), clock)
    assert mailbox.messages == []


async def test_on_track_there_is_no_behind_warning(
    app: Any, client: httpx.AsyncClient, planned: Person, clock: FrozenClock, mailbox: Mailbox
) -> None:
    form = {"daily_agenda": "on", "behind_warning": "on", "agenda_hour": "7"}
    await press(client, planned, "/o/acme/reminders", {**form, "time_zone": "Europe/Lisbon"})
    clock.set(datetime(2027, 3, 27, 7, 5, tzinfo=UTC))  # Saturday 07:05, nothing due yet
    assert await _due_pass(app) == 2
    runtime: Runtime = app.state.job_runtime
    await run_jobs(Worker(runtime, run_schedules=False), clock)
    assert [m["Subject"] for m in mailbox.messages] == ["Today's study plan: 1 block, 50 min"]
