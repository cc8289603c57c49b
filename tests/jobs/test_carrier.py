"""huey carries the jobs, as operators rely on it, on each storage: huey's SQLite file beside
an SQLite database, huey's tables in PostgreSQL, and a real redis-server. A job is handed to
huey only when its transaction commits and runs once; a job committed but never handed over
(a crash between the two) is swept up; retries wait on huey's schedule until due; the
dead-letter round trip works; ordered jobs follow each other; a message not signed with the
installation's key is dropped, never run. The jobs table stays the record throughout."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from huey import Huey  # type: ignore[import-untyped]
from huey.serializer import SignedSerializer  # type: ignore[import-untyped]
from sqlalchemy import select

from studyhall.jobs import carrier, queue, service, wakeup
from studyhall.jobs.carrier import Carrier
from studyhall.jobs.models import DeadLetter, Job
from studyhall.jobs.registry import Runtime
from studyhall.jobs.worker import Worker
from studyhall.kit.clock import FrozenClock
from studyhall.kit.context import Context
from studyhall.kit.db import Database
from tests.jobs.conftest import enqueue, in_unit, redis_overrides
from tests.jobs.tasks import EFFECT, RAN, effects

SWEEP_SECONDS = 5.0
# A secret key the operator replaced and still lists (STUDYHALL_PREVIOUS_SECRET_KEYS).
FORMER_KEY = "the-secret-key-this-installation-had-until-yesterday"


@pytest.fixture(params=["database", "redis"])
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, object]:
    """huey on the database's engine (SQLite file or PostgreSQL tables), or on Redis."""
    found: dict[str, object] = {
        "job_sweep_seconds": SWEEP_SECONDS,
        "previous_secret_keys": [FORMER_KEY],
    }
    if request.param == "redis":
        found |= redis_overrides(request.getfixturevalue("redis_url"))
    return found


class Abort(Exception):
    pass


async def job(runtime: Runtime, job_id: int) -> Job:
    found = await in_unit(runtime, lambda ctx: ctx.session.get(Job, job_id), write=False)
    assert found is not None
    return found  # type: ignore[no-any-return]


async def count(runtime: Runtime, key: str, action: str = EFFECT) -> int:
    return int(await in_unit(runtime, lambda ctx: effects(ctx, key, action), write=False))


async def in_huey(found: Carrier) -> tuple[list[int], list[int]]:
    """The job ids huey holds: (queued, on the schedule)."""
    await wakeup.handed_over()

    def look() -> tuple[list[int], list[int]]:
        queued = [t.args[0] for t in found.huey.pending()]
        return sorted(queued), sorted(t.args[0] for t in found.huey.scheduled())

    return await asyncio.to_thread(look)


def no_sweeps(worker: Worker) -> None:
    """As if a sweep had just run: only huey hands jobs to the worker."""
    worker._next_sweep = float("inf")


async def test_a_job_reaches_huey_on_commit_runs_once_and_never_after_a_rollback(
    runtime: Runtime, worker: Worker
) -> None:
    async with worker.connected():
        found = worker.carrier
        assert found is not None
        no_sweeps(worker)

        async def enqueue_then_fail(ctx: Context) -> None:
            queue.enqueue(ctx, "test.record", {"key": "rolled-back"})
            await ctx.session.flush()
            raise Abort

        with pytest.raises(Abort):
            await in_unit(runtime, enqueue_then_fail)
        assert await in_huey(found) == ([], [])

        async def enqueue_and_look(ctx: Context) -> tuple[int, tuple[list[int], list[int]]]:
            made = queue.enqueue(ctx, "test.record", {"key": "committed"})
            await ctx.session.flush()
            return made.id, await in_huey(found)  # not before the commit

        job_id, before_commit = await in_unit(runtime, enqueue_and_look)
        assert before_commit == ([], [])
        assert await in_huey(found) == ([job_id], [])

        await worker.run_until_idle()
        done = await job(runtime, job_id)
        assert (done.state, done.attempts) == ("done", 1)
        assert await count(runtime, "committed") == 1
        assert await count(runtime, "rolled-back") == 0
        assert await in_huey(found) == ([], [])

        # Handing the same job over again (a sweep racing a commit) runs nothing twice.
        await found.hand_over_async([wakeup.Ready(job_id, 0, done.run_at, True)])
        await worker.run_until_idle()
        assert (await job(runtime, job_id)).attempts == 1
        assert await count(runtime, "committed") == 1


async def test_huey_gives_the_highest_priority_first(runtime: Runtime, worker: Worker) -> None:
    async with worker.connected():
        found = worker.carrier
        assert found is not None
        low = await enqueue(runtime, "test.record", {"key": "low"}, priority=-5)
        high = await enqueue(runtime, "test.record", {"key": "high"}, priority=5)
        middle = await enqueue(runtime, "test.record", {"key": "middle"})
        await wakeup.handed_over()
        taken = await asyncio.to_thread(found.take, 3, runtime.clock.now())
        assert taken == [high, middle, low]


@asynccontextmanager
async def another_process(runtime: Runtime) -> AsyncIterator[Runtime]:
    """The same database through an engine of its own, as another process would have."""
    db = Database(runtime.db.url)
    try:
        yield dataclasses.replace(runtime, db=db)
    finally:
        await db.dispose()


async def test_a_job_committed_but_never_handed_over_is_swept_up(
    runtime: Runtime, worker: Worker, clock: FrozenClock
) -> None:
    # Committed by a process that died before its hand-over (it had no carrier attached).
    async with another_process(runtime) as crashed:
        job_id = await enqueue(crashed, "test.record", {"key": "orphan"})
    async with worker.connected():
        found = worker.carrier
        assert found is not None
        assert await in_huey(found) == ([], [])

        # Queued a moment ago: it may still be on its way to huey, so the sweep leaves it.
        await worker.run_until_idle()
        assert (await job(runtime, job_id)).state == "queued"

        clock.advance(timedelta(seconds=SWEEP_SECONDS + 1))
        worker._next_sweep = 0  # the sweep interval has passed
        await worker.run_until_idle()
        done = await job(runtime, job_id)
        assert (done.state, done.attempts) == ("done", 1)
        assert await count(runtime, "orphan") == 1


async def test_a_lost_job_is_found_while_hueys_queue_never_drains(
    runtime: Runtime, worker: Worker, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with another_process(runtime) as crashed:  # died between commit and hand-over
        orphan = await enqueue(crashed, "test.record", {"key": "orphan"})
    async with worker.connected():
        found = worker.carrier
        assert found is not None
        busy = await enqueue(runtime, "test.record", {"key": "busy"})  # huey's queue never empty
        await wakeup.handed_over()
        clock.advance(timedelta(seconds=SWEEP_SECONDS + 1))

        async def sweep() -> int:
            return await found.sweep(runtime.db, clock.now(), stale_seconds=SWEEP_SECONDS)

        # A worker's first sweep reads what huey holds: the orphan goes over, the rest not again.
        assert await sweep() == 1
        assert await in_huey(found) == (sorted([orphan, busy]), [])
        assert await sweep() == 0

        # A hand-over of this process fails (huey's storage away a moment): the next sweep
        # looks, although huey's queue is still not empty.
        failed = await enqueue_without_hand_over(runtime, monkeypatch, found, "failed")
        clock.advance(timedelta(seconds=SWEEP_SECONDS + 1))
        assert await sweep() == 1
        assert failed in (await in_huey(found))[0]

        # Lost without anyone here noticing: found once RECONCILE_SECONDS have passed.
        async with another_process(runtime) as crashed:
            unnoticed = await enqueue(crashed, "test.record", {"key": "unnoticed"})
        clock.advance(timedelta(seconds=SWEEP_SECONDS + 1))
        assert await sweep() == 0
        later = time.monotonic() + carrier.RECONCILE_SECONDS + 1
        monkeypatch.setattr(carrier.time, "monotonic", lambda: later)
        assert await sweep() == 1
        assert unnoticed in (await in_huey(found))[0]

        # Each runs once, however many times it was handed over.
        await worker.run_until_idle()
        for key in ("orphan", "busy", "failed", "unnoticed"):
            assert await count(runtime, key) == 1


async def enqueue_without_hand_over(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, found: Carrier, key: str
) -> int:
    def away(*_: object, **__: object) -> None:
        raise ConnectionError("huey's storage is away")

    with monkeypatch.context() as patch:
        patch.setattr(found.huey, "enqueue", away)
        job_id = await enqueue(runtime, "test.record", {"key": key})
        await wakeup.handed_over()  # the hand-over after commit fails, and is logged
    assert job_id not in (await in_huey(found))[0]
    return job_id


async def test_a_job_whose_worker_died_is_handed_over_once_its_lease_runs_out(
    runtime: Runtime, worker: Worker, clock: FrozenClock
) -> None:
    async with worker.connected():
        found = worker.carrier
        assert found is not None
        no_sweeps(worker)
        job_id = await enqueue(runtime, "test.record", {"key": "lost"})
        await wakeup.handed_over()
        # A worker took the task and claimed the row, then died: huey no longer has it.
        taken = await asyncio.to_thread(found.take, 1, clock.now())
        assert taken == [job_id]
        await queue.claim(runtime.db, clock, "dead", limit=1, lease_grace=1, ids=taken)

        worker._next_sweep = 0
        await worker.run_until_idle()  # the lease still holds: nothing runs
        assert (await job(runtime, job_id)).locked_by == "dead"

        clock.advance(timedelta(seconds=60))  # past the kind's timeout and the grace
        worker._next_sweep = 0
        await worker.run_until_idle()
        done = await job(runtime, job_id)
        assert (done.state, done.attempts) == ("done", 2)
        assert await count(runtime, "lost") == 1


async def test_a_failing_job_waits_on_hueys_schedule_then_round_trips_the_dead_letters(
    runtime: Runtime, worker: Worker, clock: FrozenClock
) -> None:
    async with worker.connected():
        found = worker.carrier
        assert found is not None
        no_sweeps(worker)  # retries must come through huey's schedule
        job_id = await enqueue(runtime, "test.fail", {"key": "doomed"})
        for attempt in (1, 2):
            await worker.run_until_idle()
            waiting = await job(runtime, job_id)
            assert (waiting.state, waiting.attempts) == ("queued", attempt)
            assert await in_huey(found) == ([], [job_id])
            await worker.run_until_idle()  # not yet due: nothing runs
            assert await count(runtime, "doomed", RAN) == attempt
            clock.set(waiting.run_at)
        await worker.run_until_idle()
        assert (await job(runtime, job_id)).state == "dead"
        assert await count(runtime, "doomed", RAN) == 3

        async def requeue(ctx: Context) -> None:
            letter = await ctx.session.scalar(select(DeadLetter))
            assert letter is not None
            await service.requeue(ctx, letter.id, by=None)

        await in_unit(runtime, requeue)
        assert await in_huey(found) == ([job_id], [])
        await worker.run_until_idle()
        assert await count(runtime, "doomed", RAN) == 4  # it ran again
        assert (await job(runtime, job_id)).attempts == 1


async def test_ordered_jobs_are_handed_over_one_after_the_other(
    runtime: Runtime, worker: Worker
) -> None:
    async with worker.connected():
        found = worker.carrier
        assert found is not None
        no_sweeps(worker)  # the finished job hands over the next
        ids = [
            await enqueue(runtime, "test.record", {"key": f"ordered-{n}"}, ordering_key="k")
            for n in range(3)
        ]
        await worker.run_until_idle()
        for job_id in ids:
            assert (await job(runtime, job_id)).state == "done"

        async def order(ctx: Context) -> list[int]:
            rows = await ctx.session.scalars(
                select(Job.id).where(Job.ordering_key == "k").order_by(Job.finished_at, Job.id)
            )
            return list(rows)

        assert await in_unit(runtime, order, write=False) == ids
        assert await in_huey(found) == ([], [])


async def test_a_message_not_signed_with_the_installations_key_is_dropped_never_run(
    runtime: Runtime, worker: Worker
) -> None:
    async with worker.connected():
        found = worker.carrier
        assert found is not None
        no_sweeps(worker)
        job_id = await enqueue(runtime, "test.record", {"key": "forged"})
        await worker.run_until_idle()
        # Someone who can write to the queue but does not know the secret key.
        forger = signing_with(found, "not-the-key")
        forged = forger.task(name=carrier.TASK_NAME)(lambda job_id: None)
        await asyncio.to_thread(forger.enqueue, forged.s(job_id))
        await asyncio.to_thread(found.huey.storage.enqueue, b"not a message at all", 0)
        assert await asyncio.to_thread(found.take, 10, runtime.clock.now()) == []
        assert await count(runtime, "forged") == 1
        await asyncio.to_thread(forger.storage.close)


async def test_a_message_signed_before_the_secret_key_was_replaced_still_runs(
    runtime: Runtime, worker: Worker
) -> None:
    async with worker.connected():
        found = worker.carrier
        assert found is not None
        no_sweeps(worker)
        job_id = await enqueue(runtime, "test.record", {"key": "queued-before"})
        await worker.run_until_idle()
        await reset_to_queued(runtime, job_id)
        # Queued by a server still running with the former key, taken by one with the new.
        message = found.huey._registry.create_message(found.task.s(job_id))
        signed = SignedSerializer(secret=FORMER_KEY, salt="studyhall-jobs").serialize(message)
        await asyncio.to_thread(found.huey.storage.enqueue, signed, 0)
        assert await asyncio.to_thread(found.take, 10, runtime.clock.now()) == [job_id]


def signing_with(found: Carrier, secret_key: str) -> Huey:
    """Another writer to the same huey queue, signing with `secret_key`."""
    return Huey(
        found.huey.name,
        storage_class=type(found.huey.storage),
        serializer=SignedSerializer(secret=secret_key, salt="studyhall-jobs"),
        **found.huey.storage_kwargs,
    )


async def reset_to_queued(runtime: Runtime, job_id: int) -> None:
    async def work(ctx: Context) -> None:
        found = await ctx.session.get(Job, job_id)
        assert found is not None
        found.state = "queued"

    await in_unit(runtime, work)


async def test_with_redis_away_requests_still_commit_and_the_sweep_catches_up(
    runtime: Runtime, worker: Worker, clock: FrozenClock
) -> None:
    if not runtime.settings.redis_url:
        pytest.skip("Redis's own failure")
    away = runtime.settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    async with another_process(runtime) as server, carrier.attach(server.db, away):
        job_id = await enqueue(server, "test.record", {"key": "while-away"})
        await wakeup.handed_over()  # the hand-over failed (logged), the commit stood
    assert (await job(runtime, job_id)).state == "queued"

    async with worker.connected():  # Redis is back
        clock.advance(timedelta(seconds=SWEEP_SECONDS + 1))
        await worker.run_until_idle()
    assert (await job(runtime, job_id)).state == "done"
    assert await count(runtime, "while-away") == 1
