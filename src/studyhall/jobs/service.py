"""Reading and steering the queue (service): statistics, dead letters, re-queueing.
Instance-wide, for site administrators and the command line. Never commits."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from sqlalchemy import func, select

from studyhall.audit import service as audit
from studyhall.jobs import carrier as job_carrier
from studyhall.jobs import registry, wakeup
from studyhall.jobs.models import DeadLetter, Job
from studyhall.kit.context import Context
from studyhall.kit.errors import Conflict, NotFound

DURATION_SAMPLE = 20_000  # the newest finished runs per kind that percentiles are taken over


class AlreadyRequeued(Conflict):
    slug = "already-requeued"
    title = "This dead letter was re-queued already"


@dataclass(frozen=True)
class KindStats:
    kind: str
    states: dict[str, int]
    failed_runs: int  # jobs finished or retried in the window that raised at least once
    p50_ms: float | None
    p95_ms: float | None


@dataclass(frozen=True)
class CarrierStats:
    storage: str  # where huey keeps its queue: sqlite, postgresql or redis
    queued: int | None  # tasks in huey's queue; None when it cannot be reached
    scheduled: int | None  # tasks on huey's schedule (retries, delays)
    error: str | None = None  # why it cannot be reached


@dataclass(frozen=True)
class Stats:
    window_hours: int
    queued: int  # runnable now (queue depth)
    scheduled: int  # queued for later (retries, delays)
    running: int
    dead: int  # dead letters not re-queued
    oldest_queued_seconds: float | None
    kinds: list[KindStats]
    carrier: CarrierStats | None  # None where no carrier is attached


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (p50 of [1, 2, 3, 4] is 2)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


async def stats(ctx: Context, *, window: timedelta = timedelta(hours=24)) -> Stats:
    now = ctx.now()
    since = now - window
    counts: dict[str, dict[str, int]] = {}
    rows = await ctx.session.execute(
        select(Job.kind, Job.state, func.count()).group_by(Job.kind, Job.state)
    )
    for kind, state, count in rows.all():
        counts.setdefault(kind, {})[state] = count
    runnable = await ctx.session.execute(
        select(func.count(), func.min(Job.run_at)).where(Job.state == "queued", Job.run_at <= now)
    )
    queued, oldest = runnable.one()
    scheduled = await ctx.session.scalar(
        select(func.count()).where(Job.state == "queued", Job.run_at > now)
    )
    running = await ctx.session.scalar(select(func.count()).where(Job.state == "running"))
    dead = await ctx.session.scalar(
        select(func.count()).select_from(DeadLetter).where(DeadLetter.requeued_at.is_(None))
    )
    failures = dict(
        (
            await ctx.session.execute(
                select(Job.kind, func.count())
                .where(Job.last_error.is_not(None), Job.finished_at >= since)
                .group_by(Job.kind)
            )
        ).all()
    )
    kinds = []
    for kind in sorted(counts):
        durations = (
            await ctx.session.scalars(
                select(Job.duration_ms)
                .where(Job.kind == kind, Job.state == "done", Job.finished_at >= since)
                .order_by(Job.finished_at.desc())
                .limit(DURATION_SAMPLE)
            )
        ).all()
        values = [d for d in durations if d is not None]
        kinds.append(
            KindStats(
                kind,
                counts[kind],
                failures.get(kind, 0),
                percentile(values, 0.5),
                percentile(values, 0.95),
            )
        )
    return Stats(
        window_hours=int(window.total_seconds() // 3600),
        queued=queued,
        scheduled=scheduled or 0,
        running=running or 0,
        dead=dead or 0,
        oldest_queued_seconds=(now - oldest).total_seconds() if oldest is not None else None,
        kinds=kinds,
        carrier=await _carrier_stats(ctx),
    )


async def _carrier_stats(ctx: Context) -> CarrierStats | None:
    """What huey holds: a queue far longer than the table's runnable jobs means duplicates;
    jobs runnable in the table for long with huey empty, hand-overs lost (the sweep's work)."""
    found = job_carrier.attached_to(ctx.session.get_bind())
    if found is None:
        return None
    try:
        queued, scheduled = await asyncio.to_thread(found.waiting)
    except Exception as exc:  # Redis or the database away: the rest of the figures stand
        return CarrierStats(found.storage, None, None, f"{type(exc).__name__}: {exc}"[:300])
    return CarrierStats(found.storage, queued, scheduled)


async def dead_letters(
    ctx: Context, *, include_requeued: bool, before_id: int | None, limit: int
) -> Sequence[DeadLetter]:
    """Newest first; `limit + 1` rows tell the caller more exist."""
    query = select(DeadLetter)
    if not include_requeued:
        query = query.where(DeadLetter.requeued_at.is_(None))
    if before_id is not None:
        query = query.where(DeadLetter.id < before_id)
    return (await ctx.session.scalars(query.order_by(DeadLetter.id.desc()).limit(limit + 1))).all()


async def requeue(ctx: Context, dead_letter_id: int, *, by: UUID | None) -> Job:
    """Put a dead job back on the queue with a fresh set of attempts."""
    letter = await ctx.session.get(DeadLetter, dead_letter_id, with_for_update=True)
    if letter is None:
        raise NotFound("No such dead letter.")
    if letter.requeued_at is not None:
        raise AlreadyRequeued(f"It was re-queued at {letter.requeued_at.isoformat()}.")
    job = await ctx.session.get(Job, letter.job_id, with_for_update=True)
    if job is None:  # pragma: no cover - the letter goes with its job (cascade)
        raise NotFound("The job of this dead letter is gone.")
    now = ctx.now()
    letter.requeued_at, letter.requeued_by = now, by
    spec = registry.TASKS.get(job.kind)
    job.state, job.run_at, job.attempts = "queued", now, 0
    job.max_attempts = spec.max_attempts if spec else job.max_attempts
    job.finished_at = job.started_at = None
    wakeup.job_ready(ctx.session, job, now=now)
    audit.record(
        ctx,
        "job.requeued",
        target_type="job",
        target_id=str(job.id),
        summary={"kind": job.kind, "dead_letter": letter.id},
    )
    return job
