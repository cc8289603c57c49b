from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI

from studyhall.jobs import queue
from studyhall.jobs.registry import Runtime
from studyhall.jobs.worker import Worker
from studyhall.kit.context import Context
from tests.jobs import tasks  # noqa: F401 (registers the test job kinds)


@pytest.fixture
def runtime(app: FastAPI) -> Runtime:
    found: Runtime = app.state.job_runtime
    return found


@pytest.fixture
async def worker(runtime: Runtime) -> AsyncIterator[Worker]:
    made = Worker(runtime, concurrency=4, run_schedules=False)
    yield made
    await made.stop(grace=0)


Work = Callable[[Context], Awaitable[Any]]


async def in_unit(runtime: Runtime, work: Work, *, write: bool = True) -> Any:
    async with runtime.db.unit_of_work(write=write) as session:
        return await work(Context(session=session, clock=runtime.clock, request_id="test"))


async def enqueue(runtime: Runtime, kind: str, payload: dict[str, Any], **options: Any) -> int:
    async def work(ctx: Context) -> int:
        job = queue.enqueue(ctx, kind, payload, **options)
        await ctx.session.flush()
        return job.id

    result: int = await in_unit(runtime, work)
    return result


def redis_overrides(redis_url: str) -> dict[str, object]:
    """Settings for the Redis broker, with keys no other test uses."""
    return {"redis_url": redis_url, "redis_prefix": f"test_{uuid.uuid4().hex[:12]}"}
