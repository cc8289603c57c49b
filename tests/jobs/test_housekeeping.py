"""Housekeeping on schedules: each tick enqueued once, attempts settled at their deadline,
expired rows pruned, the SQLite database backed up keeping the newest N."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from studyhall.accounts.models import AuthSession, LoginFailure
from studyhall.exams.models import Attempt
from studyhall.jobs import housekeeping, schedules
from studyhall.jobs.models import Job
from studyhall.jobs.registry import Runtime
from studyhall.jobs.worker import Worker
from studyhall.kit.clock import FrozenClock
from studyhall.kit.context import Context
from studyhall.orgs.models import Invitation
from tests.exams.test_attempts import build_exam
from tests.factories import make_org, sign_up
from tests.jobs.conftest import enqueue, in_unit


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, object]:
    return {"data_dir": tmp_path, "backup_keep": 2}


async def rows(runtime: Runtime, model: type) -> int:
    async def work(ctx: Context) -> int:
        return int(await ctx.session.scalar(select(func.count()).select_from(model)) or 0)

    return int(await in_unit(runtime, work, write=False))


async def test_each_tick_of_a_schedule_is_enqueued_once(
    runtime: Runtime, clock: FrozenClock
) -> None:
    configured = schedules.configured({"prune": "*/10 * * * *", "backup": "off"})
    assert "backup" not in {s.name for s in configured}

    async def tick(ctx: Context) -> int:
        return await schedules.run_due(ctx, configured)

    assert await in_unit(runtime, tick) == 0  # first sight: the schedules get their times
    clock.set(clock.now().replace(minute=10, second=1))
    assert await in_unit(runtime, tick) == 2  # prune (every 10 min) and settle (every minute)
    assert await in_unit(runtime, tick) == 0  # a second worker at the same moment: nothing
    kinds = await in_unit(
        runtime, lambda c: c.session.scalars(select(Job.kind).order_by(Job.kind)), write=False
    )
    assert list(kinds) == ["housekeeping.prune", "housekeeping.settle_attempts"]


def test_schedules_refuse_bad_cron_and_unknown_names() -> None:
    with pytest.raises(ValueError, match="not a five-field cron"):
        schedules.configured({"prune": "every hour"})
    with pytest.raises(ValueError, match="unknown schedules: nightly"):
        schedules.configured({"nightly": "0 3 * * *"})


@given(
    minute=st.integers(0, 59),
    hour=st.integers(0, 23),
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1)),
)
def test_the_next_tick_is_after_now_and_on_the_schedule(
    minute: int, hour: int, start: datetime
) -> None:
    moment = start.replace(tzinfo=UTC)
    after = schedules.next_after(f"{minute} {hour} * * *", moment)
    assert moment < after <= moment + timedelta(days=1)
    assert (after.hour, after.minute, after.second) == (hour, minute, 0)


async def test_expired_attempts_are_settled_at_their_deadline(
    client: httpx.AsyncClient, runtime: Runtime, worker: Worker, clock: FrozenClock
) -> None:
    exam = await build_exam(client, per_topic=4)
    started = await client.post(exam.url(), json={"mode": "simulation"}, headers=exam.learner.auth)
    assert started.status_code == 201, started.text
    clock.advance(timedelta(minutes=31))  # the track's limit is 30 minutes
    await enqueue(runtime, "housekeeping.settle_attempts", {})
    await worker.run_until_idle()

    async def attempt(ctx: Context) -> Attempt | None:
        return await ctx.session.get(Attempt, UUID(started.json()["id"]))

    settled = await in_unit(runtime, attempt, write=False)
    assert settled.status == "submitted"
    assert settled.submitted_at == settled.deadline_at


@pytest.mark.parametrize("batch", [1, housekeeping.PRUNE_BATCH])
async def test_prune_removes_only_what_expired(
    client: httpx.AsyncClient,
    runtime: Runtime,
    worker: Worker,
    clock: FrozenClock,
    batch: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With batches of one row, every kind of row takes several transactions to prune.
    monkeypatch.setattr(housekeeping, "PRUNE_BATCH", batch)
    owner = await sign_up(client, "owner")
    await make_org(client, owner, slug="acme")
    for email in ("late@example.com", "accepted-later@example.com"):
        invited = await client.post(
            "/api/v1/orgs/acme/invitations",
            json={"email": email, "role": "learner"},
            headers=owner.auth,
        )
        assert invited.status_code == 201
    marks = await rows(runtime, LoginFailure)  # sign-ups are counted for their throttle too
    await client.post("/api/v1/auth/login", json={"email": owner.email, "password": "wrong-1234"})
    assert (await rows(runtime, LoginFailure), await rows(runtime, Invitation)) == (marks + 1, 2)
    clock.advance(timedelta(days=8))  # invitations (7 days) and the login window are over
    fresh = await sign_up(client, "fresh")  # signed in now: stays
    recent = await rows(runtime, LoginFailure) - marks - 1  # fresh's sign-up, in its window
    await enqueue(runtime, "housekeeping.prune", {})
    await worker.run_until_idle()
    assert await rows(runtime, LoginFailure) == recent
    assert await rows(runtime, Invitation) == 0
    assert await rows(runtime, AuthSession) == 2  # the owner's 14-day session and fresh's
    clock.advance(timedelta(days=7, minutes=1))
    await enqueue(runtime, "housekeeping.prune", {})
    await worker.run_until_idle()
    assert await rows(runtime, AuthSession) == 1  # the owner's expired
    assert (await client.get("/api/v1/me", headers=fresh.auth)).status_code == 200
    # Finished jobs older than the retention (7 days) went too, except the last one.
    assert await rows(runtime, Job) == 1


async def test_the_nightly_backup_keeps_the_newest_copies(
    client: httpx.AsyncClient, runtime: Runtime, worker: Worker, clock: FrozenClock, tmp_path: Path
) -> None:
    await sign_up(client, "kept")
    for _ in range(3):
        await enqueue(runtime, "housekeeping.backup", {})
        await worker.run_until_idle()
        clock.advance(timedelta(days=1))
    made = sorted((tmp_path / "backups").glob("*.db")) if runtime.settings.is_sqlite else []
    if not runtime.settings.is_sqlite:  # PostgreSQL is backed up with its own tools
        assert not (tmp_path / "backups").exists()
        return
    assert [p.name for p in made] == [
        "studyhall-20261124T090000000000Z.db",
        "studyhall-20261125T090000000000Z.db",
    ]
    with sqlite3.connect(made[-1]) as copy:
        (email,) = copy.execute("SELECT email FROM users").fetchone()
        assert email == "kept@example.com"
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_statistics_are_refreshed(runtime: Runtime, worker: Worker) -> None:
    job_id = await enqueue(runtime, "housekeeping.analyze", {})
    await worker.run_until_idle()
    done = await in_unit(runtime, lambda c: c.session.get(Job, job_id), write=False)
    assert done.state == "done"
