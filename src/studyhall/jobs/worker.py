"""The worker: dispatches committed events, enqueues periodic jobs, and runs jobs.

One loop per process, in `studyhall serve` (embedded) or `studyhall worker` (alone; run as
many as you like on PostgreSQL). Each pass: dispatch the outbox, move due schedules, claim as
many jobs as there are free slots and run them concurrently, each under its timeout. It sleeps
until woken by a local commit or the poll interval passes. `stop()` stops claiming, lets
running jobs finish within a grace period, and gives the rest back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import traceback
import uuid
from collections.abc import Sequence

import structlog

from studyhall.events import service as events
from studyhall.jobs import queue, registry, schedules, wakeup
from studyhall.jobs.registry import JobRun, RetryLater, Runtime
from studyhall.kit.context import Context

log = structlog.get_logger(__name__)

# Schedules tick by the minute at the finest; looking twice a second is plenty and keeps a
# busy worker from taking the write lock on every pass just to find nothing due.
SCHEDULE_CHECK_SECONDS = 0.5


class Worker:
    def __init__(
        self,
        runtime: Runtime,
        *,
        concurrency: int | None = None,
        poll_seconds: float | None = None,
        run_schedules: bool = True,
    ) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.concurrency = concurrency or settings.worker_concurrency
        self.poll_seconds = poll_seconds or settings.worker_poll_seconds
        self.lease_grace = settings.job_lease_grace_seconds
        self.schedules = schedules.configured(settings.job_schedules) if run_schedules else []
        self._running: dict[asyncio.Task[None], int] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._next_schedule_check = 0.0

    # --- one pass ------------------------------------------------------------------------

    async def tick(self) -> int:
        """Dispatch events, move schedules, start jobs; returns the number of jobs started."""
        await self._dispatch_events()
        if self.schedules and time.monotonic() >= self._next_schedule_check:
            self._next_schedule_check = time.monotonic() + SCHEDULE_CHECK_SECONDS
            async with self.runtime.db.unit_of_work() as session:
                await schedules.run_due(self._context(session), self.schedules)
        free = self.concurrency - len(self._running)
        if free <= 0 or not await queue.any_runnable(self.runtime.db, self.runtime.clock):
            return 0
        claimed = await queue.claim(
            self.runtime.db,
            self.runtime.clock,
            self.name,
            limit=free,
            lease_grace=self.lease_grace,
        )
        for job in claimed:
            running = asyncio.create_task(self._execute(job), name=f"job-{job.id}")
            self._running[running] = job.id
            running.add_done_callback(self._finished)
        return len(claimed)

    async def _dispatch_events(self) -> None:
        async with self.runtime.db.unit_of_work(write=False) as session:
            if not await events.has_pending(self._context(session)):
                return
        while True:
            async with self.runtime.db.unit_of_work() as session:
                dispatched = await events.dispatch_pending(self._context(session))
            if dispatched < 500:
                return

    def _context(self, session: object) -> Context:
        return Context(
            session=session,  # type: ignore[arg-type]
            clock=self.runtime.clock,
            request_id=f"worker-{self.name}",
            secret_key=self.runtime.settings.secret_key,
        )

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.pop(task, None)
        self._wake.set()

    async def _execute(self, job: queue.Claimed) -> None:
        db, clock = self.runtime.db, self.runtime.clock
        started = time.perf_counter()
        bound = log.bind(job_id=job.id, kind=job.kind, attempt=job.attempt)
        try:
            spec = registry.get(job.kind)
            run = JobRun(job.id, job.kind, job.payload, job.attempt, self.runtime, self.name)
            await asyncio.wait_for(spec.handler(run), timeout=job.timeout)
        except RetryLater as later:
            ms = (time.perf_counter() - started) * 1000
            await queue.retry(
                db,
                clock,
                job.id,
                self.name,
                delay=later.delay,
                error=later.reason,
                ms=ms,
                counts=False,
            )
        except asyncio.CancelledError:
            if self._stopping:  # shutting down: the job goes back to the queue untouched
                await asyncio.shield(queue.release(db, job.id, self.name))
                bound.info("job.released")
            raise
        except Exception as exc:
            ms = (time.perf_counter() - started) * 1000
            error = _describe(exc, job.timeout)
            if job.attempt < job.max_attempts and not isinstance(exc, registry.UnknownKind):
                delay = registry.backoff(registry.get(job.kind), job.attempt)
                bound.warning("job.failed", error=error, retry_in=round(delay, 1))
                await queue.retry(db, clock, job.id, self.name, delay=delay, error=error, ms=ms)
            else:
                bound.error("job.dead", error=error)
                await queue.bury(
                    db,
                    clock,
                    job.id,
                    self.name,
                    error=error,
                    traceback=traceback.format_exc(),
                    ms=ms,
                )
        else:
            await queue.complete(
                db, clock, job.id, self.name, (time.perf_counter() - started) * 1000
            )

    # --- the loop ------------------------------------------------------------------------

    async def run(self) -> None:
        """Work until `stop()`; a failing pass (the database away) is logged and retried."""
        wakeup.register(self._wake)
        log.info("worker.started", worker=self.name, concurrency=self.concurrency)
        try:
            while not self._stopping:
                self._wake.clear()
                try:
                    started = await self.tick()
                except Exception:
                    log.exception("worker.pass_failed")
                    started = 0
                if started and len(self._running) < self.concurrency:
                    continue  # there may be more runnable right away
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
        finally:
            wakeup.unregister(self._wake)

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming; wait up to `grace` seconds for running jobs, then give them back."""
        self._stopping = True
        self._wake.set()
        grace = self.runtime.settings.worker_shutdown_seconds if grace is None else grace
        running = list(self._running)
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        log.info("worker.stopped", worker=self.name)

    async def run_until_idle(self, *, max_passes: int = 1000) -> None:
        """Run passes until nothing is runnable and nothing is running (tests, benchmarks)."""
        for _ in range(max_passes):
            started = await self.tick()
            if self._running:
                await asyncio.wait(list(self._running))
            elif not started:
                return
        raise RuntimeError("the queue did not settle")

    @property
    def running_job_ids(self) -> Sequence[int]:
        return list(self._running.values())


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"TimeoutError: the job ran longer than its {timeout:g} s timeout"
    return f"{type(exc).__name__}: {exc}"
