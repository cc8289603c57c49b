"""Site administrators see the queue and put dead jobs back, through the API and the CLI."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import httpx
from click.testing import CliRunner
from sqlalchemy import select, update

from studyhall.accounts.models import User
from studyhall.audit.models import AuditEvent
from studyhall.cli import main
from studyhall.jobs import queue, wakeup
from studyhall.jobs.registry import Runtime
from studyhall.jobs.worker import Worker
from studyhall.kit.clock import FrozenClock, SystemClock
from studyhall.kit.context import Context
from studyhall.kit.db import Database
from studyhall.ops import migrations
from tests.factories import Person, sign_up
from tests.jobs.conftest import enqueue, in_unit
from tests.jobs.tasks import RAN, effects

ADMIN = "/api/v1/admin/jobs"


async def make_admin(client: httpx.AsyncClient, runtime: Runtime) -> Person:
    person = await sign_up(client, "siteadmin")

    async def promote(ctx: Context) -> None:
        await ctx.session.execute(
            update(User).where(User.email == person.email).values(is_superuser=True)
        )

    await in_unit(runtime, promote)
    return person


async def run_to_death(worker: Worker, clock: FrozenClock) -> None:
    for _ in range(3):
        await worker.run_until_idle()
        clock.advance(timedelta(minutes=5))


async def test_dead_letters_are_listed_and_requeued_by_site_admins(
    client: httpx.AsyncClient, runtime: Runtime, worker: Worker, clock: FrozenClock
) -> None:
    admin = await make_admin(client, runtime)
    someone = await sign_up(client, "someone")
    job_id = await enqueue(runtime, "test.fail", {"key": "api"})
    await run_to_death(worker, clock)

    assert (await client.get(f"{ADMIN}/dead-letters", headers=someone.auth)).status_code == 403
    listed = await client.get(f"{ADMIN}/dead-letters", headers=admin.auth)
    assert listed.status_code == 200, listed.text
    (letter,) = listed.json()["items"]
    assert (letter["job_id"], letter["kind"], letter["attempts"]) == (job_id, "test.fail", 3)
    assert letter["error"] == "ValueError: boom on run 3"
    assert "Traceback" in letter["traceback"]

    requeued = await client.post(f"{ADMIN}/dead-letters/{letter['id']}/requeue", headers=admin.auth)
    assert requeued.status_code == 200, requeued.text
    assert requeued.json()["state"] == "queued"
    again = await client.post(f"{ADMIN}/dead-letters/{letter['id']}/requeue", headers=admin.auth)
    assert again.status_code == 409
    assert again.json()["type"] == "urn:studyhall:problem:already-requeued"
    assert (await client.get(f"{ADMIN}/dead-letters", headers=admin.auth)).json()["items"] == []

    await run_to_death(worker, clock)  # it runs again: three more runs, dead again
    assert await in_unit(runtime, lambda c: effects(c, "api", RAN), write=False) == 6
    everything = await client.get(
        f"{ADMIN}/dead-letters", params={"include_requeued": "true"}, headers=admin.auth
    )
    assert len(everything.json()["items"]) == 2

    async def audited(ctx: Context) -> list[str]:
        rows = await ctx.session.scalars(
            select(AuditEvent.target_id).where(AuditEvent.action == "job.requeued")
        )
        return list(rows)

    assert await in_unit(runtime, audited, write=False) == [str(job_id)]


async def test_stats_count_states_durations_failures_and_depth(
    client: httpx.AsyncClient, runtime: Runtime, worker: Worker, clock: FrozenClock
) -> None:
    admin = await make_admin(client, runtime)
    for n in range(4):
        await enqueue(runtime, "test.record", {"key": f"s{n}"})
    await worker.run_until_idle()
    await enqueue(runtime, "test.fail", {"key": "f"})
    await worker.run_until_idle()  # one failed run, retry waiting
    await enqueue(runtime, "test.record", {"key": "waiting"})  # runnable, not run
    # Committed jobs reach huey from a task that runs after the commit: wait for it, or huey
    # may not hold them yet when the statistics ask.
    await wakeup.handed_over()
    answer = await client.get(f"{ADMIN}/stats", headers=admin.auth)
    assert answer.status_code == 200, answer.text
    stats = answer.json()
    assert (stats["queued"], stats["scheduled"], stats["running"], stats["dead"]) == (1, 1, 0, 0)
    assert stats["oldest_queued_seconds"] == 0
    kinds = {k["kind"]: k for k in stats["kinds"]}
    assert kinds["test.record"]["states"] == {"done": 4, "queued": 1}
    assert kinds["test.record"]["p50_ms"] is not None
    assert kinds["test.record"]["p95_ms"] >= kinds["test.record"]["p50_ms"]
    assert kinds["test.fail"]["states"] == {"queued": 1}
    assert kinds["test.fail"]["failed_runs"] == 1
    # huey holds the runnable job in its queue and the retry on its schedule.
    huey = {"storage": runtime.db.dialect, "queued": 1, "scheduled": 1, "error": None}
    assert stats["carrier"] == huey


def test_the_cli_lists_requeues_and_counts(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    migrations.upgrade(url)

    async def bury_one() -> None:
        db = Database(url)
        async with db.unit_of_work() as session:
            ctx = Context(session=session, clock=SystemClock(), request_id="test")
            job = queue.enqueue(ctx, "test.fail", {"key": "cli"})
            await session.flush()
        (claimed,) = await queue.claim(db, SystemClock(), "w", limit=1, lease_grace=1)
        await queue.bury(db, SystemClock(), claimed.id, "w", error="ValueError: cli boom",
                         traceback="Traceback (most recent call last):\n  ...", ms=3.0)  # fmt: skip
        assert job.id == claimed.id
        await db.dispose()

    asyncio.run(bury_one())
    runner = CliRunner()
    env = {"STUDYHALL_DATABASE_URL": url}
    listed = runner.invoke(main, ["jobs", "dead-letters", "--traceback"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "#1 job 1 test.fail after 1 tries" in listed.output
    assert "ValueError: cli boom" in listed.output
    assert "Traceback" in listed.output
    stats = runner.invoke(main, ["jobs", "stats", "--json"], env=env)
    assert json.loads(stats.output)["dead"] == 1
    table = runner.invoke(main, ["jobs", "stats"], env=env)
    assert "test.fail" in table.output
    assert "dead letters 1" in table.output
    assert "huey (sqlite): 0 queued, 0 on its schedule" in table.output
    requeued = runner.invoke(main, ["jobs", "requeue", "1"], env=env)
    assert requeued.exit_code == 0, requeued.output
    assert "job 1 (test.fail) is queued again" in requeued.output
    twice = runner.invoke(main, ["jobs", "requeue", "1"], env=env)
    assert twice.exit_code == 1
    assert "re-queued" in twice.output
    assert (
        runner.invoke(main, ["jobs", "dead-letters"], env=env).output.strip() == "no dead letters"
    )
