"""The job table's life cycle: enqueue (inside the caller's transaction), claim with a lease,
and finish: done, retry later, dead (with a dead letter), or released back to the queue.

Workers learn of jobs from huey (carrier.py), which carries their ids; this table is the
record. Claiming is one short write: on PostgreSQL `FOR UPDATE SKIP LOCKED`, so a job taken
twice is claimed once; on SQLite the single writer already serialises it. A claim holds a
lease (the job's timeout plus a grace); a worker that dies lets the lease run out, the sweep
hands the job to huey again and the next worker claims it, so nothing waits for a process
that is gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from studyhall.jobs import registry, wakeup
from studyhall.jobs.models import DeadLetter, Job
from studyhall.kit.clock import Clock
from studyhall.kit.context import Context
from studyhall.kit.db import Database

OPEN_STATES = ("queued", "running")


def enqueue(
    ctx: Context,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    priority: int | None = None,
    delay: float = 0.0,
    ordering_key: str | None = None,
    dedupe_key: str | None = None,
) -> Job:
    """Add a job to the caller's transaction: it runs after commit, never after a rollback.

    Jobs with the same `ordering_key` run one at a time in the order enqueued. A `dedupe_key`
    already used gives no second job (check with `find_by_dedupe_key` first where it matters).
    """
    spec = registry.get(kind)
    now = ctx.now()
    job = Job(
        kind=kind,
        payload=payload or {},
        priority=spec.priority if priority is None else priority,
        state="queued",
        attempts=0,
        max_attempts=spec.max_attempts,
        timeout_seconds=spec.timeout,
        ordering_key=ordering_key,
        dedupe_key=dedupe_key,
        run_at=now + timedelta(seconds=delay),
        created_at=now,
    )
    ctx.session.add(job)
    wakeup.job_ready(ctx.session, job, now=now)
    return job


async def find_by_dedupe_key(ctx: Context, dedupe_key: str) -> Job | None:
    found: Job | None = await ctx.session.scalar(select(Job).where(Job.dedupe_key == dedupe_key))
    return found


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    timeout: float


def _runnable_query(now: Any) -> Any:
    earlier = aliased(Job)
    blocked = exists().where(
        earlier.ordering_key == Job.ordering_key,
        earlier.id < Job.id,
        earlier.state.in_(OPEN_STATES),
    )
    runnable = or_(
        and_(Job.state == "queued", Job.run_at <= now),
        and_(Job.state == "running", Job.lease_until < now),  # its worker is gone
    )
    return select(Job).where(runnable, or_(Job.ordering_key.is_(None), ~blocked))


async def handover_candidates(
    db: Database, now: datetime, *, limit: int, stale_seconds: float, include_queued: bool
) -> list[wakeup.Ready]:
    """What the sweep hands to huey again: jobs whose worker's lease ran out, and with
    `include_queued` jobs runnable since more than `stale_seconds` (see Carrier.sweep)."""
    stale = now - timedelta(seconds=stale_seconds)
    lapsed = and_(Job.state == "running", Job.lease_until < now)
    forgotten = and_(Job.state == "queued", Job.run_at <= stale)
    query = (
        _runnable_query(now)
        .where(or_(lapsed, forgotten) if include_queued else lapsed)
        .with_only_columns(Job.id, Job.priority, Job.run_at)
        .order_by(Job.priority.desc(), Job.run_at, Job.id)
        .limit(limit)
    )
    async with db.unit_of_work(write=False) as session:
        rows = (await session.execute(query)).all()
    return [wakeup.Ready(i, p, r, True) for i, p, r in rows]


async def queued_among(
    db: Database, ids: Sequence[int], now: datetime, *, due: bool | None
) -> list[wakeup.Ready]:
    """Of jobs a worker took, those still queued, to hand to huey again: with `due=False`
    only those queued for later (taken early because two machines' clocks disagree); with
    `due=None` all (taken by a worker that stopped before claiming them)."""
    query = select(Job.id, Job.priority, Job.run_at).where(Job.id.in_(ids), Job.state == "queued")
    if due is False:
        query = query.where(Job.run_at > now)
    async with db.unit_of_work(write=False, quick=True) as session:
        rows = (await session.execute(query)).all()
    return [wakeup.Ready(i, p, r, r <= now) for i, p, r in rows]


async def claim(
    db: Database,
    clock: Clock,
    worker: str,
    *,
    limit: int,
    lease_grace: float,
    ids: Sequence[int] | None = None,
) -> list[Claimed]:
    """Take up to `limit` runnable jobs, highest priority first, for `worker`; with `ids`
    (taken from huey) only those of them that are still runnable."""
    if limit <= 0:
        return []
    async with db.unit_of_work() as session:
        now = clock.now()
        query = _runnable_query(now).order_by(Job.priority.desc(), Job.run_at, Job.id).limit(limit)
        if ids is not None:
            query = query.where(Job.id.in_(ids))
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Job)
        claimed = []
        for job in (await session.scalars(query)).all():
            if job.state == "running" and job.attempts >= job.max_attempts:
                _bury(session, job, now, "the worker running the last attempt was lost", "")
                await _ready_successor(session, job, now)
                continue
            job.state = "running"
            job.attempts += 1
            job.started_at = now
            job.locked_by = worker
            job.lease_until = now + timedelta(seconds=job.timeout_seconds + lease_grace)
            claimed.append(
                Claimed(
                    job.id,
                    job.kind,
                    dict(job.payload),
                    job.attempts,
                    job.max_attempts,
                    job.timeout_seconds,
                )
            )
        return claimed


async def _held(session: Any, job_id: int, worker: str) -> Job | None:
    """The job if `worker` still holds it (its lease may have passed to another worker)."""
    job: Job | None = await session.get(Job, job_id, with_for_update=True)
    if job is None or job.state != "running" or job.locked_by != worker:
        return None
    return job


async def complete(db: Database, clock: Clock, job_id: int, worker: str, ms: float) -> None:
    async with db.unit_of_work() as session:
        await complete_within(session, clock.now(), job_id, worker, ms)


async def complete_within(
    session: AsyncSession, now: datetime, job_id: int, worker: str, ms: float
) -> None:
    job = await _held(session, job_id, worker)
    if job is not None:
        _finish(job, "done", now, ms)
        await _ready_successor(session, job, now)


async def retry(
    db: Database,
    clock: Clock,
    job_id: int,
    worker: str,
    *,
    delay: float,
    error: str,
    ms: float,
    counts: bool = True,
) -> None:
    """Back to the queue after `delay` seconds. `counts=False` (a handler's RetryLater) does
    not spend one of the job's attempts."""
    async with db.unit_of_work() as session:
        job = await _held(session, job_id, worker)
        if job is None:
            return
        now = clock.now()
        _finish(job, "queued", now, ms)
        job.run_at = now + timedelta(seconds=delay)
        job.last_error = error[:2000]
        if not counts:
            job.max_attempts += 1
        wakeup.job_ready(session, job, now=now)


async def bury(
    db: Database,
    clock: Clock,
    job_id: int,
    worker: str,
    *,
    error: str,
    traceback: str,
    ms: float,
) -> None:
    """Retries spent: the job is dead and a dead letter keeps the error and traceback."""
    async with db.unit_of_work() as session:
        job = await _held(session, job_id, worker)
        if job is not None:
            now = clock.now()
            _finish(job, "dead", now, ms)
            _bury(session, job, now, error, traceback)
            await _ready_successor(session, job, now)


async def release(db: Database, clock: Clock, job_id: int, worker: str) -> None:
    """Give a job back untouched (the worker is shutting down): it runs again, and the
    interrupted run does not count against its attempts."""
    async with db.unit_of_work() as session:
        job = await _held(session, job_id, worker)
        if job is not None:
            job.state = "queued"
            job.attempts -= 1
            job.lease_until = None
            job.locked_by = None
            wakeup.job_ready(session, job, now=clock.now())


async def _ready_successor(session: AsyncSession, job: Job, now: datetime) -> None:
    """A finished job with an ordering key unblocks the next one of that key: hand it to huey
    again (it was taken while blocked, and claimed nothing then)."""
    if job.ordering_key is None or not wakeup.reaches_workers(session):
        return
    query = (
        select(Job)
        .where(Job.ordering_key == job.ordering_key, Job.id > job.id, Job.state.in_(OPEN_STATES))
        .order_by(Job.id)
        .limit(1)
    )
    successor: Job | None = await session.scalar(query)
    if successor is not None and successor.state == "queued":
        wakeup.job_ready(session, successor, now=now)


def _finish(job: Job, state: str, now: datetime, ms: float) -> None:
    job.state = state
    job.lease_until = None
    job.locked_by = None
    job.finished_at = now
    job.duration_ms = ms


def _bury(session: Any, job: Job, now: datetime, error: str, traceback: str) -> None:
    job.state = "dead"
    job.lease_until = None
    job.locked_by = None
    job.last_error = error[:2000]
    job.finished_at = job.finished_at or now
    session.add(
        DeadLetter(
            job_id=job.id,
            kind=job.kind,
            payload=job.payload,
            attempts=job.attempts,
            error=error[:2000],
            traceback=traceback[-20000:],
            failed_at=now,
        )
    )
