"""The Redis broker (scale-out) as operators rely on it, with a real redis-server: a job is
handed to Redis only when its transaction commits and runs once; a job committed but never
handed over (a crash between the two) is swept up; retries wait in Redis until due; the
dead-letter round trip works; ordered jobs follow each other. The jobs table stays the
truth, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhall.jobs import broker, queue, service, wakeup
from studyhall.jobs.broker import Broker
from studyhall.jobs.models import DeadLetter, Job
from studyhall.jobs.registry import Runtime
from studyhall.jobs.worker import Worker
from studyhall.kit.clock import FrozenClock
from studyhall.kit.context import Context
from studyhall.kit.db import Database
from tests.jobs.conftest import enqueue, in_unit, redis_overrides
from tests.jobs.tasks import EFFECT, RAN, effects


@pytest.fixture
def settings_overrides(redis_url: str) -> dict[str, object]:
    return redis_overrides(redis_url)


class Abort(Exception):
    pass


async def job(runtime: Runtime, job_id: int) -> Job:
    found = await in_unit(runtime, lambda ctx: ctx.session.get(Job, job_id), write=False)
    assert found is not None
    return found  # type: ignore[no-any-return]


async def count(runtime: Runtime, key: str, action: str = EFFECT) -> int:
    return int(await in_unit(runtime, lambda ctx: effects(ctx, key, action), write=False))


async def in_redis(broker: Broker) -> tuple[list[str], list[str]]:
    """What the broker holds: (ready members, delayed members)."""
    await wakeup.handed_over()
    ready = await broker.redis.zrange(broker.ready_key, 0, -1)
    delayed = await broker.redis.zrange(broker.delayed_key, 0, -1)
    return list(ready), [m.split(":")[0] for m in delayed]


async def test_a_job_reaches_redis_on_commit_runs_once_and_never_after_a_rollback(
    runtime: Runtime, worker: Worker
) -> None:
    async with worker.connected():
        broker = worker.broker
        assert broker is not None

        async def enqueue_then_fail(ctx: Context) -> None:
            queue.enqueue(ctx, "test.record", {"key": "rolled-back"})
            await ctx.session.flush()
            raise Abort

        with pytest.raises(Abort):
            await in_unit(runtime, enqueue_then_fail)
        assert await in_redis(broker) == ([], [])

        async def enqueue_and_look(ctx: Context) -> tuple[int, tuple[list[str], list[str]]]:
            made = queue.enqueue(ctx, "test.record", {"key": "committed"})
            await ctx.session.flush()
            return made.id, await in_redis(broker)  # not before the commit

        job_id, before_commit = await in_unit(runtime, enqueue_and_look)
        assert before_commit == ([], [])
        assert await in_redis(broker) == ([str(job_id)], [])

        await worker.run_until_idle()
        done = await job(runtime, job_id)
        assert (done.state, done.attempts) == ("done", 1)
        assert await count(runtime, "committed") == 1
        assert await count(runtime, "rolled-back") == 0
        assert await in_redis(broker) == ([], [])

        # Handing the same job over again (a sweep racing a commit) runs nothing twice.
        await broker.hand_over([wakeup.Ready(job_id, 0, done.run_at, True)])
        await worker.run_until_idle()
        assert (await job(runtime, job_id)).attempts == 1
        assert await count(runtime, "committed") == 1


@asynccontextmanager
async def another_process(runtime: Runtime) -> AsyncIterator[Runtime]:
    """The same database through an engine of its own, as another process would have."""
    db = Database(runtime.db.url)
    try:
        yield dataclasses.replace(runtime, db=db)
    finally:
        await db.dispose()


async def test_a_job_committed_but_never_handed_over_is_swept_up(
    runtime: Runtime, worker: Worker
) -> None:
    # Committed by a process that died before its hand-over (it had no broker attached).
    async with another_process(runtime) as crashed:
        job_id = await enqueue(crashed, "test.record", {"key": "orphan"})
    async with worker.connected():
        broker = worker.broker
        assert broker is not None
        assert await in_redis(broker) == ([], [])

        # Another worker swept a moment ago: nobody looks at the table, so nothing runs.
        assert await broker.sweep_due(60)
        await worker.run_until_idle()
        assert (await job(runtime, job_id)).state == "queued"

        await broker.redis.delete(broker.sweep_key)  # the sweep interval has passed
        await worker.run_until_idle()
        done = await job(runtime, job_id)
        assert (done.state, done.attempts) == ("done", 1)
        assert await count(runtime, "orphan") == 1


async def test_a_failing_job_waits_in_redis_for_its_retries_then_round_trips_the_dead_letters(
    runtime: Runtime, worker: Worker, clock: FrozenClock
) -> None:
    async with worker.connected():
        broker = worker.broker
        assert broker is not None
        await broker.sweep_due(3600)  # no sweeps: retries must come through the delayed set
        job_id = await enqueue(runtime, "test.fail", {"key": "doomed"})
        for attempt in (1, 2):
            await worker.run_until_idle()
            waiting = await job(runtime, job_id)
            assert (waiting.state, waiting.attempts) == ("queued", attempt)
            assert await in_redis(broker) == ([], [str(job_id)])
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
        assert await in_redis(broker) == ([str(job_id)], [])
        await worker.run_until_idle()
        assert await count(runtime, "doomed", RAN) == 4  # it ran again
        assert (await job(runtime, job_id)).attempts == 1


async def test_ordered_jobs_are_handed_over_one_after_the_other(
    runtime: Runtime, worker: Worker, clock: FrozenClock
) -> None:
    async with worker.connected():
        broker = worker.broker
        assert broker is not None
        await broker.sweep_due(3600)  # no sweeps: the finished job hands over the next
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
        clock.advance(timedelta(seconds=1))
        assert await in_redis(broker) == ([], [])


async def test_with_redis_away_requests_still_commit_and_the_sweep_catches_up(
    runtime: Runtime, worker: Worker
) -> None:
    away = runtime.settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    async with another_process(runtime) as server, broker.attach(server.db, away) as unreachable:
        assert unreachable is not None
        job_id = await enqueue(server, "test.record", {"key": "while-away"})
        await wakeup.handed_over()  # the hand-over failed (logged), the commit stood
    assert (await job(runtime, job_id)).state == "queued"

    async with worker.connected():  # Redis is back
        await worker.run_until_idle()
    assert (await job(runtime, job_id)).state == "done"
    assert await count(runtime, "while-away") == 1
