"""Periodic jobs in cron syntax (five fields, UTC), e.g. `30 3 * * *` for 03:30 every night.

The schedule's state is a row per name: the worker that finds it due (under a row lock, with
SKIP LOCKED on PostgreSQL) enqueues the tick with a dedupe key and moves `next_run_at` past
now, so each tick runs once however many workers there are, and ticks missed while nothing
ran are not replayed one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from croniter import croniter
from sqlalchemy import select

from studyhall.jobs import queue
from studyhall.jobs.models import JobSchedule
from studyhall.kit.context import Context

OFF = "off"


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str
    kind: str
    payload: dict[str, Any]


# The housekeeping every installation runs; STUDYHALL_JOB_SCHEDULES changes or turns them off.
DEFAULTS: dict[str, Schedule] = {
    s.name: s
    for s in [
        Schedule("settle-expired-attempts", "* * * * *", "housekeeping.settle_attempts", {}),
        Schedule("prune", "17 * * * *", "housekeeping.prune", {}),
        Schedule("backup", "30 3 * * *", "housekeeping.backup", {}),
        Schedule("refresh-statistics", "45 4 * * *", "housekeeping.analyze", {}),
        Schedule("reseal-secrets", "23 * * * *", "housekeeping.reseal_secrets", {}),
        # Every quarter hour, so zones offset by half or a quarter hour get their hour too.
        Schedule("reminders", "*/15 * * * *", "notifications.enqueue_reminders", {}),
        Schedule("replan-behind", "10 3 * * *", "planning.replan_behind", {}),
        # Sundays 02:40: fit each learner's FSRS parameters to their week's reviews too.
        Schedule("optimise-review-parameters", "40 2 * * 0", "reviews.optimise", {}),
    ]
}


def valid_cron(expression: str) -> bool:
    return len(expression.split()) == 5 and croniter.is_valid(expression)


def next_after(expression: str, moment: datetime) -> datetime:
    found: datetime = croniter(expression, moment).get_next(datetime)
    return found


def configured(overrides: dict[str, str]) -> list[Schedule]:
    """The default schedules with the operator's cron expressions (`off` removes one)."""
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown schedules: {', '.join(sorted(unknown))}")
    result = []
    for name, schedule in DEFAULTS.items():
        cron = overrides.get(name, schedule.cron).strip()
        if cron == OFF:
            continue
        if not valid_cron(cron):
            raise ValueError(f"schedule {name}: {cron!r} is not a five-field cron expression")
        result.append(Schedule(name, cron, schedule.kind, schedule.payload))
    return result


async def run_due(ctx: Context, schedules: list[Schedule]) -> int:
    """Enqueue every schedule whose time has come; returns how many were enqueued."""
    now = ctx.now()
    enqueued = 0
    query = select(JobSchedule).where(JobSchedule.name.in_([s.name for s in schedules]))
    if ctx.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = {row.name: row for row in (await ctx.session.scalars(query)).all()}
    for schedule in schedules:
        row = rows.get(schedule.name)
        if row is None:
            if not await ctx.session.get(JobSchedule, schedule.name):  # locked by another
                ctx.session.add(
                    JobSchedule(
                        name=schedule.name,
                        cron=schedule.cron,
                        next_run_at=next_after(schedule.cron, now),
                    )
                )
            continue
        if row.cron != schedule.cron:
            row.cron, row.next_run_at = schedule.cron, next_after(schedule.cron, now)
            continue
        if row.next_run_at > now:
            continue
        tick = f"schedule:{schedule.name}:{row.next_run_at.isoformat()}"
        if await queue.find_by_dedupe_key(ctx, tick) is None:
            queue.enqueue(ctx, schedule.kind, schedule.payload, dedupe_key=tick)
            enqueued += 1
        row.last_run_at = now
        row.next_run_at = next_after(schedule.cron, now)
    return enqueued
