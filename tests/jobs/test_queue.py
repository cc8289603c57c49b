"""The job queue as domain code and operators rely on it: enqueued with the transaction, run
after commit by priority, retried with backoff, buried with a traceback, reclaimed when a
worker vanishes, ordered by key, and given back on shutdown."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from studyhall.audit.models import AuditEvent
from studyhall.jobs import queue, registry
from studyhall.jobs.models import DeadLetter, Job
from studyhall.jobs.registry import Runtime, Task
from studyhall.jobs.worker import Worker
from studyhall.kit.clock import FrozenClock
from studyhall.kit.context import Context
from tests.jobs.conftest import enqueue, in_unit
from tests.jobs.tasks import EFFECT, RAN, effects


async def job(runtime: Runtime, job_id: int) -> Job:
    async def work(ctx: Context) -> Job | None:
        return await ctx.session.get(Job, job_id)

    found = await in_unit(runtime, work, write=False)
    assert found is not None
    return found


async def count(runtime: Runtime, key: str, action: str = EFFECT) -> int:
    return int(await in_unit(runtime, lambda ctx: effects(ctx, key, action), write=False))


async def test_a_rolled_back_transaction_enqueues_nothing(runtime: Runtime, worker: Worker) -> None:
    class Abort(Exception):
        pass

    async def enqueue_then_fail(ctx: Context) -> None:
        queue.enqueue(ctx, "test.record", {"key": "rolled-back"})
        await ctx.session.flush()
        raise Abort

    with pytest.raises(Abort):
        await in_unit(runtime, enqueue_then_fail)
    await worker.run_until_idle()
    assert await count(runtime, "rolled-back") == 0
    assert await in_unit(runtime, lambda c: c.session.scalar(select(Job.id)), write=False) is None


async def test_a_committed_job_runs_once_after_commit(runtime: Runtime, worker: Worker) -> None:
    job_id = await enqueue(runtime, "test.record", {"key": "committed"})
    assert (await job(runtime, job_id)).state == "queued"
    await worker.run_until_idle()
    done = await job(runtime, job_id)
    assert (done.state, done.attempts) == ("done", 1)
    assert done.duration_ms is not None
    assert done.duration_ms >= 0
    assert await count(runtime, "committed") == 1


async def test_higher_priority_runs_first(runtime: Runtime) -> None:
    one_at_a_time = Worker(runtime, concurrency=1, run_schedules=False)
    for key, priority in [("low", 0), ("high", 9), ("middle", 5)]:
        await enqueue(runtime, "test.record", {"key": key}, priority=priority)
    await one_at_a_time.run_until_idle()

    async def order(ctx: Context) -> list[str | None]:
        rows = await ctx.session.scalars(
            select(AuditEvent.target_id).where(AuditEvent.action == EFFECT).order_by(AuditEvent.id)
        )
        return list(rows)

    assert await in_unit(runtime, order, write=False) == ["high", "middle", "low"]


async def test_a_job_that_always_fails_is_retried_with_backoff_then_dead_lettered(
    runtime: Runtime, worker: Worker, clock: FrozenClock
) -> None:
    job_id = await enqueue(runtime, "test.fail", {"key": "doomed"})
    spec = registry.get("test.fail")
    for attempt in (1, 2):
        await worker.run_until_idle()
        waiting = await job(runtime, job_id)
        assert (waiting.state, waiting.attempts) == ("queued", attempt)
        assert waiting.last_error == f"ValueError: boom on run {attempt}"
        delay = (waiting.run_at - clock.now()).total_seconds()
        ceiling = spec.backoff_base * 2 ** (attempt - 1)
        assert ceiling / 2 <= delay <= ceiling  # exponential, with jitter
        await worker.run_until_idle()  # not yet due: nothing runs
        assert await count(runtime, "doomed", RAN) == attempt
        clock.advance(timedelta(seconds=delay))
    await worker.run_until_idle()
    dead = await job(runtime, job_id)
    assert (dead.state, dead.attempts) == ("dead", 3)
    letters = await in_unit(runtime, lambda c: c.session.scalars(select(DeadLetter)), write=False)
    (letter,) = letters.all()
    assert letter.job_id == job_id
    assert letter.attempts == 3
    assert letter.error == "ValueError: boom on run 3"
    assert "Traceback (most recent call last)" in letter.traceback
    assert 'raise ValueError(f"boom on run {run.attempt}")' in letter.traceback


async def test_a_job_past_its_timeout_fails(runtime: Runtime, worker: Worker) -> None:
    job_id = await enqueue(runtime, "test.slow", {})
    await asyncio.wait_for(worker.run_until_idle(), timeout=10)
    dead = await job(runtime, job_id)
    assert dead.state == "dead"
    assert dead.last_error == "TimeoutError: the job ran longer than its 0.2 s timeout"


async def test_a_vanished_workers_job_is_claimed_again_after_its_lease(
    runtime: Runtime, clock: FrozenClock
) -> None:
    job_id = await enqueue(runtime, "test.record", {"key": "leased"})
    db = runtime.db
    (first,) = await queue.claim(db, clock, "gone", limit=5, lease_grace=1)
    assert first.id == job_id
    assert await queue.claim(db, clock, "other", limit=5, lease_grace=1) == []
    clock.advance(timedelta(seconds=first.timeout + 2))  # the lease runs out
    (again,) = await queue.claim(db, clock, "other", limit=5, lease_grace=1)
    assert (again.id, again.attempt) == (job_id, 2)
    # The lost worker comes back and reports: too late, the job is the other worker's now.
    await queue.complete(db, clock, job_id, "gone", 1.0)
    assert (await job(runtime, job_id)).state == "running"
    await queue.complete(db, clock, job_id, "other", 1.0)
    assert (await job(runtime, job_id)).state == "done"


async def test_a_job_whose_last_attempt_lost_its_worker_is_dead_lettered(
    runtime: Runtime, clock: FrozenClock
) -> None:
    job_id = await enqueue(runtime, "test.slow", {})  # one attempt only
    await queue.claim(runtime.db, clock, "gone", limit=1, lease_grace=0)
    clock.advance(timedelta(seconds=5))
    assert await queue.claim(runtime.db, clock, "other", limit=1, lease_grace=0) == []
    assert (await job(runtime, job_id)).state == "dead"


async def test_jobs_with_one_ordering_key_run_one_at_a_time_in_order(
    runtime: Runtime, clock: FrozenClock
) -> None:
    first = await enqueue(runtime, "test.record", {"key": "a"}, ordering_key="k")
    second = await enqueue(runtime, "test.record", {"key": "b"}, ordering_key="k", priority=9)
    other = await enqueue(runtime, "test.record", {"key": "c"}, ordering_key="other")
    claimed = await queue.claim(runtime.db, clock, "w", limit=10, lease_grace=1)
    assert {c.id for c in claimed} == {first, other}  # `second` waits for `first`
    await queue.complete(runtime.db, clock, other, "w", 1)
    await queue.retry(runtime.db, clock, first, "w", delay=60, error="later", ms=1)
    assert await queue.claim(runtime.db, clock, "w", limit=10, lease_grace=1) == []
    clock.advance(timedelta(seconds=61))
    assert [c.id for c in await queue.claim(runtime.db, clock, "w", limit=10, lease_grace=1)] == [
        first
    ]
    await queue.complete(runtime.db, clock, first, "w", 1)
    assert [c.id for c in await queue.claim(runtime.db, clock, "w", limit=10, lease_grace=1)] == [
        second
    ]


async def test_concurrent_claims_take_disjoint_jobs(runtime: Runtime, clock: FrozenClock) -> None:
    ids = {await enqueue(runtime, "test.record", {"key": f"j{n}"}) for n in range(12)}
    batches = await asyncio.gather(
        *(queue.claim(runtime.db, clock, f"w{n}", limit=4, lease_grace=1) for n in range(4))
    )
    taken = [c.id for batch in batches for c in batch]
    assert len(taken) == len(set(taken)) == 12
    assert set(taken) == ids


async def test_stopping_gives_an_unfinished_job_back_to_the_queue(
    runtime: Runtime, tmp_path: Path
) -> None:
    job_id = await enqueue(
        runtime, "test.block", {"key": "blocked", "wait_for": str(tmp_path / "never")}
    )
    worker = Worker(runtime, concurrency=2, run_schedules=False)
    assert await worker.tick() == 1
    await asyncio.sleep(0.1)
    assert list(worker.running_job_ids) == [job_id]
    await worker.stop(grace=0.2)
    back = await job(runtime, job_id)
    assert (back.state, back.attempts, back.locked_by) == ("queued", 0, None)
    assert await count(runtime, "blocked") == 0


async def test_stopping_lets_a_job_that_finishes_within_the_grace_finish(
    runtime: Runtime, tmp_path: Path
) -> None:
    release = tmp_path / "release"
    job_id = await enqueue(runtime, "test.block", {"key": "finishes", "wait_for": str(release)})
    worker = Worker(runtime, concurrency=2, run_schedules=False)
    await worker.tick()
    await asyncio.sleep(0.05)
    stopping = asyncio.create_task(worker.stop(grace=30))  # returns as soon as the job ends
    await asyncio.sleep(0.1)
    release.touch()
    await stopping
    assert (await job(runtime, job_id)).state == "done"
    assert await count(runtime, "finishes") == 1


@given(
    attempt=st.integers(min_value=1, max_value=200),
    base=st.floats(min_value=0.01, max_value=100),
    cap=st.floats(min_value=1, max_value=86_400),
    seed=st.integers(),
)
def test_backoff_grows_exponentially_within_jitter_and_cap(
    attempt: int, base: float, cap: float, seed: int
) -> None:
    spec = Task("k", handler=lambda run: asyncio.sleep(0), backoff_base=base, backoff_cap=cap)
    delay = registry.backoff(spec, attempt, random.Random(seed))
    ceiling = min(cap, base * 2.0 ** min(attempt - 1, 62))
    assert ceiling / 2 <= delay <= ceiling
