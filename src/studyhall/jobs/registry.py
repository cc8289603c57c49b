"""Job kinds: `@task("kind", ...)` registers a handler with its priority, retries and timeout.

Handlers must be idempotent: a job runs at least once, and more than once when its worker dies
after the work but before the job is marked done. They get a `JobRun` and open their own
short units of work with `run.unit()`, so a slow step (an HTTP call) holds no write lock.
"""

from __future__ import annotations

import dataclasses
import importlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from studyhall.config import Settings
from studyhall.kit.clock import Clock
from studyhall.kit.context import Context
from studyhall.kit.db import Database

# Modules whose import registers the built-in kinds (the worker loads them all).
BUILT_IN_MODULES = (
    "studyhall.jobs.housekeeping",
    "studyhall.webhooks.service",
    "studyhall.webhooks.delivery",
    "studyhall.interchange.tasks",
    "studyhall.notifications.tasks",
    "studyhall.planning.tasks",
    "studyhall.reviews.tasks",
)


@dataclass
class Runtime:
    """What jobs run with: the database, the clock, the settings and a shared HTTP client.

    `webhook_http` is the client for calls to URLs that organisations chose (webhooks): its
    transport applies the SSRF guard when it connects. The worker provides one."""

    db: Database
    clock: Clock
    settings: Settings
    http: httpx.AsyncClient
    webhook_http: httpx.AsyncClient | None = None


@dataclass
class JobRun:
    job_id: int
    kind: str
    payload: dict[str, Any]
    attempt: int  # 1 for the first run
    runtime: Runtime
    worker: str = ""
    started: float = dataclasses.field(default_factory=time.perf_counter)
    completed: bool = False

    async def complete_in(self, ctx: Context) -> None:
        """Mark the job done inside the handler's own last unit of work, so its database
        effects and its completion commit together (one write fewer, and those effects
        exactly once)."""
        from studyhall.jobs import queue  # the queue module imports this one

        ms = (time.perf_counter() - self.started) * 1000
        await queue.complete_within(ctx.session, ctx.now(), self.job_id, self.worker, ms)
        self.completed = True

    @asynccontextmanager
    async def unit(self, *, write: bool = True) -> AsyncIterator[Context]:
        """A unit of work committed when the block ends, as the job (no user, no address)."""
        async with self.runtime.db.unit_of_work(write=write) as session:
            yield Context(
                session=session,
                clock=self.runtime.clock,
                request_id=f"job-{self.job_id}",
                secret_key=self.runtime.settings.secret_key,
                previous_secret_keys=tuple(self.runtime.settings.previous_secret_keys),
            )


Handler = Callable[[JobRun], Awaitable[None]]


@dataclass(frozen=True)
class Task:
    kind: str
    handler: Handler
    priority: int = 0
    max_attempts: int = 5
    timeout: float = 60.0  # seconds; a run that takes longer fails (and is retried)
    backoff_base: float = 2.0  # seconds before the first retry; doubled for each later one
    backoff_cap: float = 3600.0


TASKS: dict[str, Task] = {}


def task(kind: str, **options: Any) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine as the handler of job `kind`."""

    def register(handler: Handler) -> Handler:
        TASKS[kind] = Task(kind=kind, handler=handler, **options)
        return handler

    return register


class UnknownKind(LookupError):
    """No handler is registered for a job's kind (a worker without STUDYHALL_JOB_MODULES, or
    a kind removed in an upgrade): retrying cannot help, so the job is dead at once."""


def get(kind: str) -> Task:
    try:
        return TASKS[kind]
    except KeyError:
        raise UnknownKind(f"no job kind {kind!r} is registered") from None


def replace(kind: str, **changes: Any) -> None:
    """Change a registered kind's options (tests shorten timeouts and retries)."""
    TASKS[kind] = dataclasses.replace(TASKS[kind], **changes)


class RetryLater(Exception):
    """Raised by a handler that wants to run again after `delay` seconds without it counting
    as a failure (a webhook receiver that is down: the delivery keeps its own schedule)."""

    def __init__(self, delay: float, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay
        self.reason = reason


def backoff(task: Task, attempt: int, rng: random.Random | None = None) -> float:
    """Seconds before retry number `attempt` (1 = after the first failure): exponential,
    capped, with jitter (between half and all of it) so failed jobs do not retry in lockstep."""
    ceiling: float = min(task.backoff_cap, task.backoff_base * 2.0 ** min(attempt - 1, 62))
    jitter: float = (rng or random).uniform(0.5, 1.0)
    return ceiling * jitter


def load(modules: Iterable[str] = ()) -> None:
    """Import the built-in job modules and any extra ones (STUDYHALL_JOB_MODULES)."""
    for name in (*BUILT_IN_MODULES, *modules):
        importlib.import_module(name)
