"""`studyhall worker` and `studyhall jobs …`: run the queue alone, and look at and steer it."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from studyhall.config import Settings
from studyhall.kit.clock import SystemClock
from studyhall.kit.context import Context
from studyhall.kit.db import Database
from studyhall.ops.command_line import (
    database_errors_reported,
    in_unit_of_work,
    load_settings,
    require_schema_at_head,
    settle_heap,
)


def check_schedules(settings: Settings) -> None:
    from studyhall.jobs import schedules

    try:
        schedules.configured(settings.job_schedules)
    except ValueError as exc:
        raise click.ClickException(f"configuration: STUDYHALL_JOB_SCHEDULES: {exc}") from exc


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    help="Jobs run at once [default: STUDYHALL_WORKER_CONCURRENCY or 4].",
)
def worker(concurrency: int | None) -> None:
    """Run background jobs, event dispatch and schedules, without serving HTTP.

    Run several on PostgreSQL to scale out: they take jobs from huey's queue in PostgreSQL,
    or in Redis when STUDYHALL_REDIS_URL is set. SIGTERM or Ctrl-C stops it gracefully:
    running jobs get STUDYHALL_WORKER_SHUTDOWN_SECONDS to finish, the rest go back to the queue.
    """
    import signal

    import httpx

    from studyhall.jobs import registry
    from studyhall.jobs.worker import Worker

    settings = load_settings()
    check_schedules(settings)
    try:
        registry.load(settings.job_modules)
    except ImportError as exc:
        raise click.ClickException(f"configuration: STUDYHALL_JOB_MODULES: {exc}") from exc

    async def run() -> None:
        db = Database(settings.resolved_database_url)
        try:
            await require_schema_at_head(db)
            async with httpx.AsyncClient(follow_redirects=False) as http:
                runtime = registry.Runtime(db, SystemClock(), settings, http)
                work = Worker(runtime, concurrency=concurrency)
                settle_heap()
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(sig, lambda: asyncio.ensure_future(work.stop()))
                click.echo(f"worker {work.name}: {work.concurrency} at once; Ctrl-C stops")
                await work.run()
        finally:
            await db.dispose()

    with database_errors_reported():
        asyncio.run(run())


@click.group()
def jobs() -> None:
    """Look at and steer the job queue."""


@jobs.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def jobs_stats(as_json: bool) -> None:
    """Jobs by kind and state, run times (p50/p95), failures and queue depth (last 24 h)."""
    import dataclasses
    import json

    from studyhall.jobs import service

    found = in_unit_of_work(load_settings(), service.stats)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(found), indent=2))
        return
    oldest = found.oldest_queued_seconds
    click.echo(
        f"queue depth {found.queued} (oldest {oldest:.1f} s)"
        if oldest is not None
        else f"queue depth {found.queued}"
    )
    click.echo(f"scheduled {found.scheduled}  running {found.running}  dead letters {found.dead}")
    if (huey := found.carrier) is not None:
        held = huey.error or f"{huey.queued} queued, {huey.scheduled} on its schedule"
        click.echo(f"huey ({huey.storage}): {held}")
    click.echo(
        f"{'kind':34} {'queued':>6} {'running':>7} {'done':>6} {'dead':>5} "
        f"{'failed':>6} {'p50 ms':>8} {'p95 ms':>8}"
    )
    for k in found.kinds:
        p50 = f"{k.p50_ms:.1f}" if k.p50_ms is not None else "-"
        p95 = f"{k.p95_ms:.1f}" if k.p95_ms is not None else "-"
        states = k.states
        click.echo(
            f"{k.kind:34} {states.get('queued', 0):>6} {states.get('running', 0):>7} "
            f"{states.get('done', 0):>6} {states.get('dead', 0):>5} {k.failed_runs:>6} "
            f"{p50:>8} {p95:>8}"
        )


@jobs.command("dead-letters")
@click.option("--all", "include_requeued", is_flag=True, help="Include re-queued ones.")
@click.option(
    "--limit", type=click.IntRange(1, 1000), default=50, show_default=True, help="How many."
)
@click.option(
    "--traceback/--no-traceback",
    "show_traceback",
    default=False,
    help="Print each one's traceback too.",
)
def jobs_dead_letters(include_requeued: bool, limit: int, show_traceback: bool) -> None:
    """List jobs that spent their retries, newest first."""
    from studyhall.jobs import service

    async def work(ctx: Context) -> Any:
        return await service.dead_letters(
            ctx, include_requeued=include_requeued, before_id=None, limit=limit
        )

    letters = in_unit_of_work(load_settings(), work)[:limit]
    if not letters:
        click.echo("no dead letters")
    for letter in letters:
        state = f" (re-queued {letter.requeued_at:%Y-%m-%d %H:%M})" if letter.requeued_at else ""
        click.echo(
            f"#{letter.id} job {letter.job_id} {letter.kind} after {letter.attempts} "
            f"tries at {letter.failed_at:%Y-%m-%d %H:%M:%S}Z{state}: {letter.error}"
        )
        if show_traceback:
            click.echo(letter.traceback)


@jobs.command("requeue")
@click.argument("dead_letter_id", type=int)
def jobs_requeue(dead_letter_id: int) -> None:
    """Put dead letter DEAD_LETTER_ID's job back on the queue with fresh attempts."""
    from studyhall.jobs import service

    async def work(ctx: Context) -> Any:
        return await service.requeue(ctx, dead_letter_id, by=None)

    job = in_unit_of_work(load_settings(), work)
    click.echo(f"job {job.id} ({job.kind}) is queued again")
