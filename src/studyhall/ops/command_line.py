"""What every `studyhall` command shares: settings read with errors a person can act on, a
database failure as one line, the schema check, and one committed unit of work."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

# Every model, so a command's unit of work can use any of them: a model alone (a webhook
# endpoint) cannot be mapped while the tables its foreign keys name are unknown.
import studyhall.models  # noqa: F401
from studyhall.accounts.passwords import configure_hasher
from studyhall.config import ConfigurationError, Settings
from studyhall.jobs import carrier as job_carrier
from studyhall.kit.clock import SystemClock
from studyhall.kit.context import Context
from studyhall.kit.db import Database
from studyhall.kit.errors import Problem
from studyhall.ops import migrations

T = TypeVar("T")


def load_settings() -> Settings:
    try:
        settings = Settings()
    except ConfigurationError as exc:
        raise click.ClickException(f"configuration: {exc}") from exc
    except ValidationError as exc:
        # Name the variable to fix, not pydantic's field path and documentation link.
        reasons = "; ".join(
            f"{Settings.model_config['env_prefix']}{'.'.join(map(str, e['loc'])).upper()}: "
            f"{e['msg']}"
            for e in exc.errors()
        )
        raise click.ClickException(f"configuration: {reasons}") from exc
    # Accounts made here hash with the configured cost, as those made through the API do.
    configure_hasher(
        time_cost=settings.argon2_time_cost,
        memory_cost_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    return settings


def failure_reason(exc: BaseException) -> str:
    """A one-line reason a database call failed (the driver's message, not SQLAlchemy's)."""
    cause = getattr(exc, "orig", None) or exc
    message = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {message[0]}" if message else type(cause).__name__


@contextmanager
def database_errors_reported() -> Iterator[None]:
    """A database that cannot be reached (or refuses) is a one-line error, not a traceback."""
    try:
        yield
    except (OSError, DBAPIError) as exc:
        raise click.ClickException(f"database: {failure_reason(exc)}") from exc


def upgrade_schema(settings: Settings, revision: str = "head") -> None:
    with database_errors_reported():
        migrations.upgrade(settings.resolved_database_url, revision)


async def require_schema_at_head(db: Database) -> None:
    current, head = await migrations.current_revision(db.engine), migrations.head_revision()
    if current != head:
        raise click.ClickException(
            f"schema: at {current or 'nothing'}, head is {head}; run `studyhall migrate upgrade`"
        )


def in_unit_of_work(settings: Settings, work: Callable[[Context], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction, as the command line (no client address)."""

    async def run() -> T:
        db = Database(settings.resolved_database_url)
        try:
            # Without this, a missing schema would surface as an SQL traceback.
            await require_schema_at_head(db)
            # Jobs the command queues (a re-queued dead letter) are handed to huey on commit.
            async with job_carrier.attach(db, settings), db.unit_of_work() as session:
                ctx = Context(
                    session=session,
                    clock=SystemClock(),
                    request_id="cli",
                    secret_key=settings.secret_key,
                    previous_secret_keys=tuple(settings.previous_secret_keys),
                )
                return await work(ctx)
        finally:
            await db.dispose()

    try:
        with database_errors_reported():
            return asyncio.run(run())
    except Problem as problem:
        # Field paths are the HTTP API's (`body.password`); here the option is `--password`.
        details = "; ".join(f"{e.field.removeprefix('body.')}: {e.message}" for e in problem.errors)
        raise click.ClickException(
            f"{problem.detail or problem.title}" + (f" ({details})" if details else "")
        ) from problem


GC_YOUNG_THRESHOLD = 7_000


def settle_heap() -> None:
    """Move everything a long-running process built at start (modules, the app, its routes
    and metadata: ~160,000 objects) out of the garbage collector's reach. Python's full
    collection walks every tracked object and stops the event loop while it does — measured
    at ~120 ms for a freshly built app, a pause every learner in flight would feel; those
    objects live as long as the process anyway.

    Then collect young objects ten times less often than Python's default (every 7,000
    allocations net instead of 700). Measured in a paced exam run, a full collection still
    came every ~6 s and took 50-150 ms with the loop stopped (the caches and connections
    built since start): every save in flight then waited. Most of a request's garbage is
    freed by reference counting anyway; the collector is for cycles, which can wait."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
