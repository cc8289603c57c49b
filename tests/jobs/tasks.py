"""Job kinds for the tests (loaded by the worker through STUDYHALL_JOB_MODULES in the crash
test). Their effect is an audit record keyed by the payload's `key`, written at most once:
the idempotent shape every real handler has."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from studyhall.audit import service as audit
from studyhall.audit.models import AuditEvent
from studyhall.jobs.registry import JobRun, task
from studyhall.kit.context import Context

EFFECT = "test.effect"
RAN = "test.ran"


async def effects(ctx: Context, key: str, action: str = EFFECT) -> int:
    query = select(func.count()).where(AuditEvent.action == action, AuditEvent.target_id == key)
    return int(await ctx.session.scalar(query) or 0)


async def _apply_once(run: JobRun, key: str) -> None:
    async with run.unit() as ctx:
        if not await effects(ctx, key):
            audit.record(ctx, EFFECT, target_type="test", target_id=key)


async def _wait_for(path: Path) -> None:
    # A file, not an asyncio.Event: the test that lets it go may be another process.
    while not path.exists():  # noqa: ASYNC110, ASYNC240
        await asyncio.sleep(0.05)


@task("test.record", timeout=3)
async def record(run: JobRun) -> None:
    """Apply the effect once; with `started`/`wait_for` paths, say so and then block."""
    if started := run.payload.get("started"):
        Path(started).touch()  # noqa: ASYNC240 (a test marker)
    await _apply_once(run, run.payload["key"])
    if wait_for := run.payload.get("wait_for"):
        await _wait_for(Path(wait_for))


@task("test.hold", timeout=10)
async def hold(run: JobRun) -> None:
    """test.record with a longer timeout, for a job the crash test kills its worker in: the
    kill must come before the worker's own timeout ends the job, and a loaded machine can take
    seconds to get there. (Its lease, and so the wait for another worker, is that much longer.)"""
    await record(run)


@task("test.fail", max_attempts=3, backoff_base=10, backoff_cap=100)
async def always_fail(run: JobRun) -> None:
    async with run.unit() as ctx:
        audit.record(ctx, RAN, target_type="test", target_id=run.payload["key"])
    raise ValueError(f"boom on run {run.attempt}")


@task("test.slow", timeout=0.2, max_attempts=1)
async def slow(run: JobRun) -> None:
    await asyncio.sleep(30)


@task("test.block", timeout=30)
async def block(run: JobRun) -> None:
    """Runs until the test lets it go (a file) or cancels it (shutdown)."""
    await _wait_for(Path(run.payload["wait_for"]))
    await _apply_once(run, run.payload["key"])
