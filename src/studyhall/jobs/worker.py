"""The worker: dispatches committed events, enqueues periodic jobs, and runs jobs.

One loop per process, in `studyhall serve` (embedded) or `studyhall worker` (alone; run as
many as you like on PostgreSQL or with Redis). Each pass: dispatch the outbox, move due
schedules, take as many job ids from huey (carrier.py) as there are free slots, claim those
rows and run them concurrently, each under its timeout. Between passes it waits for work:

- on PostgreSQL and Redis in huey's blocking take (LISTEN, BZPOPMIN), for at most a second,
  while a commit in this process or, on PostgreSQL, an event's NOTIFY (listen.py) still wakes
  it;
- on SQLite for a commit in its own process, or the poll interval.

Every STUDYHALL_JOB_SWEEP_SECONDS it hands over again what huey lost (Carrier.sweep).
`stop()` stops taking, lets running jobs finish within a grace period, and gives the rest
back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import structlog

from studyhall.events import service as events
from studyhall.jobs import carrier as job_carrier
from studyhall.jobs import queue, registry, schedules, wakeup
from studyhall.jobs.listen import Listener
from studyhall.jobs.registry import JobRun, RetryLater, Runtime
from studyhall.kit.context import Context
from studyhall.webhooks import ssrf

log = structlog.get_logger(__name__)

# Schedules tick by the minute at the finest; looking twice a second is plenty and keeps a
# busy worker from taking the write lock on every pass just to find nothing due.
WAKE_GATHER_SECONDS = 0.02
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
        self.sweep_seconds = settings.job_sweep_seconds
        self.carrier: job_carrier.Carrier | None = None  # set while connected
        self.listener: Listener | None = None  # set while connected on PostgreSQL
        self.waiting = False  # idle between passes (the tests wait for it)
        self._running: dict[asyncio.Task[None], int] = {}
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()
        self._stopping = False
        self._next_schedule_check = 0.0
        self._next_sweep = 0.0
        self._taking: asyncio.Future[list[int]] | None = None
        # Webhook calls go through the SSRF guard's transport (checked at connect time).
        self._webhook_http = None
        if runtime.webhook_http is None:
            self._webhook_http = runtime.webhook_http = ssrf.guarded_client(
                allow_private=settings.webhook_allow_private
            )

    # --- one pass ------------------------------------------------------------------------

    async def tick(self, *, block: bool = False) -> int:
        """Dispatch events, move schedules, start jobs; returns the number of jobs started.
        With `block`, waits in huey's take (or for a wake-up) when nothing is there."""
        carrier = self._connected_carrier()
        await self._dispatch_events()
        await self._run_schedules()
        await self._sweep(carrier)
        free = self.concurrency - len(self._running)
        if free <= 0 or self._stopping:
            return 0
        ids = await self._take(carrier, free, block)
        if not ids:
            return 0
        db, clock = self.runtime.db, self.runtime.clock
        claimed = await queue.claim(
            db, clock, self.name, limit=free, lease_grace=self.lease_grace, ids=ids
        )
        if len(claimed) < len(ids):  # taken before its time by another machine's clock
            later = await queue.queued_among(db, ids, clock.now(), due=False)
            await carrier.hand_over_async(later)
        for job in claimed:
            running = asyncio.create_task(self._execute(job), name=f"job-{job.id}")
            self._running[running] = job.id
            running.add_done_callback(self._finished)
        return len(claimed)

    def _connected_carrier(self) -> job_carrier.Carrier:
        """Its own while `connected()`; otherwise the one the app attached (tests drive passes
        of a worker that shares the app's)."""
        found = self.carrier or job_carrier.attached_to(self.runtime.db.engine.sync_engine)
        if found is None:
            raise RuntimeError("no job carrier: run passes inside `connected()` or the app")
        return found

    async def _run_schedules(self) -> None:
        if self.schedules and time.monotonic() >= self._next_schedule_check:
            self._next_schedule_check = time.monotonic() + SCHEDULE_CHECK_SECONDS
            async with self.runtime.db.unit_of_work() as session:
                await schedules.run_due(self._context(session), self.schedules)

    async def _sweep(self, carrier: job_carrier.Carrier) -> None:
        if time.monotonic() < self._next_sweep:
            return
        self._next_sweep = time.monotonic() + self.sweep_seconds
        now = self.runtime.clock.now()
        handed = await carrier.sweep(self.runtime.db, now, stale_seconds=self.sweep_seconds)
        if handed:
            log.info("worker.swept", jobs_handed_over=handed)

    async def _take(self, carrier: job_carrier.Carrier, free: int, block: bool) -> list[int]:
        """Job ids from huey. One take at a time: a blocking one (up to a second on PostgreSQL
        or Redis) is left running when a wake-up or `stop()` comes first, and its ids are
        used by a later pass."""
        await wakeup.handed_over()  # this process's own commits first
        if self._taking is None:
            now = self.runtime.clock.now()
            self._taking = asyncio.ensure_future(
                asyncio.to_thread(carrier.take, free, now, block=block)
            )
            self._taking.add_done_callback(lambda _: self._wake.set())
        if block and not self._taking.done():
            woken = asyncio.ensure_future(self._wake.wait())
            stopped = asyncio.ensure_future(self._stopped.wait())
            waits: set[asyncio.Future[Any]] = {self._taking, woken, stopped}
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            woken.cancel()
            stopped.cancel()
        elif not block:
            await asyncio.wait({self._taking})
        if not self._taking.done():
            return []
        taking, self._taking = self._taking, None
        return taking.result()

    async def _dispatch_events(self) -> None:
        async with self.runtime.db.unit_of_work(write=False, quick=True) as session:
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
            previous_secret_keys=tuple(self.runtime.settings.previous_secret_keys),
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
                await asyncio.shield(queue.release(db, clock, job.id, self.name))
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
        """Work until `stop()`; a failing pass (the database or Redis away) is logged and
        retried after the poll interval."""
        wakeup.register(self._wake)
        try:
            async with self.connected():
                mode = "redis" if self.runtime.settings.redis_url else self.runtime.db.dialect
                log.info(
                    "worker.started", worker=self.name, concurrency=self.concurrency, mode=mode
                )
                await self._loop()
        finally:
            wakeup.unregister(self._wake)

    @contextlib.asynccontextmanager
    async def connected(self) -> AsyncIterator[None]:
        """While the block runs: huey (carrier.py) and, on PostgreSQL, the LISTEN connection
        for events. `run()` uses it; so do tests around passes."""
        runtime = self.runtime
        async with job_carrier.attach(runtime.db, runtime.settings) as carrier:
            self.carrier = carrier
            if runtime.db.dialect == "postgresql":
                self.listener = Listener(runtime.db.url, self._wake.set)
            try:
                yield
            finally:
                await self._give_back_taken()
                self.carrier = None
                if self.listener is not None:
                    await self.listener.close()
                    self.listener = None

    async def _give_back_taken(self) -> None:
        """A take still running when the worker stops: what it brings goes back to huey."""
        taking, self._taking = self._taking, None
        if taking is None or self.carrier is None:
            return
        ids = (await asyncio.gather(taking, return_exceptions=True))[0]
        if isinstance(ids, list) and ids:
            now = self.runtime.clock.now()
            back = await queue.queued_among(self.runtime.db, ids, now, due=None)
            await self.carrier.hand_over_async(back)

    async def _loop(self) -> None:
        blocking = self._connected_carrier().blocking
        while not self._stopping:
            self._wake.clear()
            free = self.concurrency - len(self._running)
            block = blocking and free > 0
            try:
                if self.listener is not None:
                    # Listen before looking: a commit after this is announced, one before it
                    # is found by the pass.
                    await self.listener.ensure()
                started = await self.tick(block=block)
            except Exception:
                log.exception("worker.pass_failed")
                started, block = 0, False
            if started and len(self._running) < self.concurrency:
                continue  # there may be more runnable right away
            if block:
                continue  # it waited in huey's take already
            self.waiting = True
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
                    # Woken by a commit: let the commits around it land too, so a stream of
                    # answer saves costs one pass (reads and a dispatch) per few saves, not
                    # one each (measured: 7.4 ms of CPU a save paced, 3.9 ms flat out).
                    await asyncio.sleep(WAKE_GATHER_SECONDS)
            finally:
                self.waiting = False

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming; wait up to `grace` seconds for running jobs, then give them back."""
        self._stopping = True
        self._wake.set()
        self._stopped.set()
        grace = self.runtime.settings.worker_shutdown_seconds if grace is None else grace
        running = list(self._running)
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._webhook_http is not None:
            if self.runtime.webhook_http is self._webhook_http:
                self.runtime.webhook_http = None
            await self._webhook_http.aclose()
            self._webhook_http = None
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
