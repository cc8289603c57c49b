"""Separate workers on PostgreSQL: the transaction that raises an event sends NOTIFY,
delivered on commit only, and a worker LISTENing dispatches it at once; its job reaches the
worker through huey's PostgreSQL queue, which waits on a LISTEN of its own. Neither waits for
the worker's poll (here a minute away). A dropped LISTEN connection is made again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import select, text

from studyhall.events import service as events
from studyhall.events.models import OutboxEvent
from studyhall.jobs import queue, wakeup
from studyhall.jobs.models import Job
from studyhall.jobs.registry import Runtime
from studyhall.jobs.worker import Worker
from studyhall.kit.context import Context
from tests.jobs.conftest import enqueue, in_unit
from tests.jobs.tasks import effects

POLL_SECONDS = 60.0  # far longer than any wait below: only a notification starts the job


async def until(check: Callable[[], bool], what: str, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def listening(runtime: Runtime) -> AsyncIterator[Worker]:
    if runtime.db.dialect != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    worker = Worker(runtime, concurrency=2, poll_seconds=POLL_SECONDS, run_schedules=False)
    running = asyncio.create_task(worker.run())
    await until(lambda: worker.listener is not None and worker.listener.listening, "LISTEN")
    # As a separate `studyhall worker` process: no wake-up from commits in this process.
    wakeup.unregister(worker._wake)
    yield worker
    await worker.stop(grace=0)
    await running


async def state(runtime: Runtime, job_id: int) -> str:
    found = await in_unit(runtime, lambda ctx: ctx.session.get(Job, job_id), write=False)
    return str(found.state)


async def wait_done(runtime: Runtime, job_id: int) -> None:
    for _ in range(1000):
        if await state(runtime, job_id) == "done":
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"job {job_id} did not run before the poll interval")


async def dispatched(runtime: Runtime) -> list[str]:
    async def look(ctx: Context) -> list[str]:
        rows = await ctx.session.scalars(
            select(OutboxEvent.type).where(OutboxEvent.dispatched_at.is_not(None))
        )
        return list(rows)

    return await in_unit(runtime, look, write=False)  # type: ignore[no-any-return]


async def test_a_listening_worker_takes_committed_work_before_its_poll_and_ignores_rollbacks(
    runtime: Runtime, listening: Worker
) -> None:
    listener = listening.listener
    assert listener is not None

    async def enqueue_then_fail(ctx: Context) -> None:
        queue.enqueue(ctx, "test.record", {"key": "rolled-back"})
        events.emit(ctx, "test.rolled-back", aggregate=("thing", "x"), org_id=None)
        await ctx.session.flush()
        raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        await in_unit(runtime, enqueue_then_fail)

    async def emit(ctx: Context) -> None:
        events.emit(ctx, "test.notified", aggregate=("thing", "x"), org_id=None)

    await in_unit(runtime, emit)
    for _ in range(500):
        if await dispatched(runtime):
            break
        await asyncio.sleep(0.02)
    assert await dispatched(runtime) == ["test.notified"]
    assert listener.notifications == 1  # the commit's; the rollback sent none
    job_id = await enqueue(runtime, "test.record", {"key": "notified"})
    await wait_done(runtime, job_id)
    assert await in_unit(runtime, lambda ctx: effects(ctx, "notified"), write=False) == 1
    assert await in_unit(runtime, lambda ctx: effects(ctx, "rolled-back"), write=False) == 0


async def test_a_dropped_listen_connection_is_made_again(
    runtime: Runtime, listening: Worker
) -> None:
    listener = listening.listener
    assert listener is not None
    assert listener.connects == 1

    async def terminate_listener(ctx: Context) -> int:
        killed = await ctx.session.scalars(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        )
        return len(killed.all())

    assert await in_unit(runtime, terminate_listener) == 1
    await until(lambda: listener.connects == 2 and listener.listening, "LISTEN again")
    job_id = await enqueue(runtime, "test.record", {"key": "after-reconnect"})
    await wait_done(runtime, job_id)
