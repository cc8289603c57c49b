"""Housekeeping jobs run on schedules (jobs/schedules.py): settle attempts whose time ran out,
prune what has expired, back up the SQLite database, refresh the planner's statistics, and
seal stored secrets under the current secret key."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import structlog
from sqlalchemy import delete, select, text
from sqlalchemy.engine import CursorResult, make_url

from studyhall.accounts.models import AuthSession, LoginFailure
from studyhall.events.models import OutboxEvent
from studyhall.exams import attempts
from studyhall.exams.models import Attempt
from studyhall.jobs.models import Job
from studyhall.jobs.registry import JobRun, task
from studyhall.kit.tenancy import across_orgs, across_orgs_delete
from studyhall.orgs.models import Invitation
from studyhall.webhooks import service as webhooks
from studyhall.webhooks.models import WebhookDelivery

log = structlog.get_logger(__name__)

SETTLE_BATCH = 100
PRUNE_BATCH = 1_000
BACKUP_PREFIX = "studyhall-"


@task("housekeeping.settle_attempts", priority=5, timeout=120)
async def settle_expired_attempts(run: JobRun) -> None:
    """Submit, as of their deadline, attempts whose time ran out and nobody touched since.
    Found by a read first, so the minute's tick takes no write lock when none are due; then
    settled in short batches, so SQLite's write lock is never held for long."""
    reason = "housekeeping settles every organisation's"
    while True:
        async with run.unit(write=False) as ctx:
            due_ids = (
                await ctx.session.scalars(
                    across_orgs(Attempt, reason=reason)
                    .with_only_columns(Attempt.id)
                    .where(Attempt.status == "in_progress", Attempt.deadline_at <= ctx.now())
                    .order_by(Attempt.deadline_at)
                    .limit(SETTLE_BATCH)
                )
            ).all()
        if not due_ids:
            return
        async with run.unit() as ctx:
            due = await ctx.session.scalars(
                across_orgs(Attempt, reason=reason).where(Attempt.id.in_(due_ids))
            )
            for attempt in due.all():
                await attempts.settle_if_expired(ctx, attempt)  # re-reads it, locked
        if len(due_ids) < SETTLE_BATCH:
            return


@task("housekeeping.prune", timeout=300)
async def prune(run: JobRun) -> None:
    """Delete expired sign-ins and invitations, login failures past the throttling window,
    and finished jobs, dispatched events and webhook deliveries past their retention.

    In batches of PRUNE_BATCH rows, each its own transaction: a busy day leaves tens of
    thousands of dispatched events and finished jobs, and one statement deleting them all
    would hold SQLite's write lock (and, with the writer in the loop's thread, every request)
    for as long as it ran. A batch that fails leaves the ones before it done; the next run
    goes on."""
    settings = run.runtime.settings
    now = run.runtime.clock.now()
    kept = now - timedelta(days=settings.job_retention_days)
    reason = "housekeeping prunes every organisation's expired rows"
    targets: list[tuple[Any, Any, Any]] = [
        (AuthSession, AuthSession.expires_at < now, select(AuthSession.id)),
        (
            LoginFailure,
            LoginFailure.created_at < now - timedelta(seconds=settings.login_window_seconds),
            select(LoginFailure.id),
        ),
        (
            Invitation,
            (Invitation.expires_at < now) & Invitation.accepted_at.is_(None),
            across_orgs(Invitation, reason=reason).with_only_columns(Invitation.id),
        ),
        (Job, (Job.state == "done") & (Job.finished_at < kept), select(Job.id)),
        (
            OutboxEvent,
            OutboxEvent.dispatched_at < kept,
            across_orgs(OutboxEvent, reason=reason).with_only_columns(OutboxEvent.id),
        ),
        (
            WebhookDelivery,
            WebhookDelivery.finished_at < now - timedelta(days=30),
            across_orgs(WebhookDelivery, reason=reason).with_only_columns(WebhookDelivery.id),
        ),
    ]
    for model, expired, ids in targets:
        batch = ids.where(expired).limit(PRUNE_BATCH)
        statement = (
            across_orgs_delete(model, reason=reason) if hasattr(model, "org_id") else delete(model)
        ).where(model.id.in_(batch))
        while True:
            async with run.unit() as ctx:
                result = cast("CursorResult[Any]", await ctx.session.execute(statement))
                deleted = result.rowcount
            if deleted < PRUNE_BATCH:
                break


@task("housekeeping.backup", timeout=3600, max_attempts=3)
async def backup(run: JobRun) -> None:
    """An online backup of the SQLite database (its backup API: consistent while it is
    written), into <data dir>/backups, keeping the newest STUDYHALL_BACKUP_KEEP. PostgreSQL
    is backed up with its own tools (docs/operators.md)."""
    settings = run.runtime.settings
    if not settings.is_sqlite:
        log.info("backup.skipped", reason="not SQLite; use pg_dump or base backups")
        return
    source = make_url(settings.resolved_database_url).database
    assert source
    folder = settings.data_dir / "backups"
    made = await asyncio.to_thread(
        backup_sqlite, Path(source), folder, run.runtime.clock.now(), settings.backup_keep
    )
    log.info("backup.made", file=made.name)


def backup_sqlite(source: Path, folder: Path, now: datetime, keep: int) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / f"{BACKUP_PREFIX}{now.strftime('%Y%m%dT%H%M%S%fZ')}.db"
    partial = target.with_suffix(".partial")
    with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
        src.backup(dst)
    partial.replace(target)  # a backup is either whole or absent
    for old in sorted(folder.glob(f"{BACKUP_PREFIX}*.db"))[:-keep]:
        old.unlink()
    return target


@task("housekeeping.analyze", timeout=600)
async def refresh_statistics(run: JobRun) -> None:
    """Refresh the query planner's statistics (ANALYZE; SQLite's `PRAGMA optimize`)."""
    async with run.unit() as ctx:
        if ctx.session.get_bind().dialect.name == "sqlite":
            await ctx.session.execute(text("PRAGMA optimize"))
        else:
            await ctx.session.execute(text("ANALYZE"))


@task("housekeeping.reseal_secrets", timeout=300)
async def reseal_secrets(run: JobRun) -> None:
    """Seal webhook signing secrets under the current secret key (kit/sealing.py): the ones
    from before sealing, and the ones a replaced key sealed, so that key can be dropped."""
    async with run.unit() as ctx:
        resealed = await webhooks.reseal_secrets(ctx)
    if resealed:
        log.info("secrets.resealed", count=resealed)
