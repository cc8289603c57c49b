"""The worker: dispatches committed events, enqueues periodic jobs, and runs jobs.

One loop per process, in `studyhall serve` (embedded) or `studyhall worker` (alone; run as
many as you like on PostgreSQL or with Redis). Each pass: dispatch the outbox, move due
schedules, claim as many jobs as there are free slots and run them concurrently, each under
its timeout. Between passes it waits for work in one of three ways:

- with STUDYHALL_REDIS_URL it blocks on the Redis broker (broker.py) for job ids, and claims
  those rows;
- on PostgreSQL without Redis it LISTENs for the commits that queue work (listen.py) and
  otherwise sleeps until the next retry, lease or schedule is due;
- otherwise (SQLite) it is woken by a commit in its own process or polls.

`stop()` stops claiming, lets running jobs finish within a grace period, and gives the rest
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

import structlog

from studyhall.events import service as events
from studyhall.jobs import broker as job_broker
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
# A worker that LISTENs sleeps until the next timed thing, but never longer than this (in case
# a notification is lost with its connection in a way nobody noticed).
LISTEN_IDLE_SECONDS = 30.0


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
        self.broker: job_broker.Broker | None = None  # set while `run()` runs with Redis
        self.listener: Listener | None = None  # set while `run()` runs on PostgreSQL
        self.waiting = False  # idle between passes (the tests wait for it)
        self._running: dict[asyncio.Task[None], int] = {}
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()
        self._stopping = False
        self._next_schedule_check = 0.0
        # Webhook calls go through the SSRF guard's transport (checked at connect time).
        self._webhook_http = None
        if runtime.webhook_http is None:
            self._webhook_http = runtime.webhook_http = ssrf.guarded_client(
                allow_private=settings.webhook_allow_private
            )

    # --- one pass ------------------------------------------------------------------------

    async def tick(self, *, block: float = 0.0) -> int:
        """Dispatch events, move schedules, start jobs; returns the number of jobs started.
        With the Redis broker, `block` is how long to wait there for a job."""
        if self.broker is None:
            await self._dispatch_events()
        await self._run_schedules()
        free = self.concurrency - len(self._running)
        if free <= 0:
            return 0
        ids: list[int] | None = None
        if self.broker is not None:
            ids = await self._take_from_broker(self.broker, free, block)
            if not ids:
                return 0
        elif not await queue.any_runnable(self.runtime.db, self.runtime.clock):
            return 0
        claimed = await queue.claim(
            self.runtime.db,
            self.runtime.clock,
            self.name,
            limit=free,
            lease_grace=self.lease_grace,
            ids=ids,
        )
        for job in claimed:
            running = asyncio.create_task(self._execute(job), name=f"job-{job.id}")
            self._running[running] = job.id
            running.add_done_callback(self._finished)
        return len(claimed)

    async def _run_schedules(self) -> None:
        if self.schedules and time.monotonic() >= self._next_schedule_check:
            self._next_schedule_check = time.monotonic() + SCHEDULE_CHECK_SECONDS
            async with self.runtime.db.unit_of_work() as session:
                await schedules.run_due(self._context(session), self.schedules)

    async def _take_from_broker(
        self, broker: job_broker.Broker, free: int, block: float
    ) -> list[int]:
        """Sweep when it is this worker's turn, then pop job ids (waiting up to `block`
        seconds, or until `stop()`); dispatches events when the broker says they wait."""
        await wakeup.handed_over()  # this process's own commits first
        now = self.runtime.clock.now()
        if await broker.sweep_due(self.sweep_seconds):
            handed = await broker.sweep(self.runtime.db, now)
            log.debug("worker.swept", jobs_handed_over=handed)
        popping = asyncio.ensure_future(broker.take(free, now=now, block=block))
        stopped = asyncio.ensure_future(self._stopped.wait())
        done, _ = await asyncio.wait({popping, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if popping not in done:  # stopping: an id popped meanwhile is swept up later
            popping.cancel()
            await asyncio.gather(popping, return_exceptions=True)
            return []
        taken = popping.result()
        if taken.dispatch:
            await self._dispatch_events()
        return taken.job_ids

    async def _dispatch_events(self) -> None:
        async with self.runtime.db.unit_of_work(write=False, quick=True) as session:
            if not await events.has_pending(self._context(session)):
                return
        while True:
            async with self.runtime.db.unit_of_work() as session:
                dispatched = await events.dispatch_pending(
                    self._context(session), wait=self.broker is not None
                )
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
                mode = "redis" if self.broker else "listen" if self.listener else "poll"
                log.info(
                    "worker.started", worker=self.name, concurrency=self.concurrency, mode=mode
                )
                await self._loop()
        finally:
            wakeup.unregister(self._wake)

    @contextlib.asynccontextmanager
    async def connected(self) -> AsyncIterator[None]:
        """While the block runs: the Redis broker (STUDYHALL_REDIS_URL) or, on PostgreSQL
        without it, the LISTEN connection. `run()` uses it; so do tests around passes."""
        runtime = self.runtime
        async with job_broker.attach(runtime.db, runtime.settings) as broker:
            self.broker = broker
            if broker is None and runtime.db.dialect == "postgresql":
                self.listener = Listener(runtime.db.url, self._wake.set)
            try:
                yield
            finally:
                self.broker = None
                if self.listener is not None:
                    await self.listener.close()
                    self.listener = None

    async def _loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            free = self.concurrency - len(self._running)
            block = self.poll_seconds if self.broker is not None and free > 0 else 0.0
            try:
                if self.listener is not None:
                    # Listen before looking: a commit after this is announced, one before it
                    # is found by the pass.
                    await self.listener.ensure()
                started = await self.tick(block=block)
            except Exception:
                log.exception("worker.pass_failed")
                started, block = 0, 0.0
            if started and len(self._running) < self.concurrency:
                continue  # there may be more runnable right away
            if block:
                continue  # it waited on Redis already
            self.waiting = True
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=await self._idle_seconds())
                    # Woken by a commit: let the commits around it land too, so a stream of
                    # answer saves costs one pass (reads and a dispatch) per few saves, not
                    # one each (measured: 7.4 ms of CPU a save paced, 3.9 ms flat out).
                    await asyncio.sleep(WAKE_GATHER_SECONDS)
            finally:
                self.waiting = False

    async def _idle_seconds(self) -> float:
        """How long to wait for a wake-up: the poll interval, or while LISTENing until the
        next timed thing (a retry, a lease, a schedule)."""
        if self.broker is not None or self.listener is None:
            return self.poll_seconds
        if not self.listener.listening:
            return self.poll_seconds
        try:
            soonest = await queue.seconds_to_next(self.runtime.db, self.runtime.clock.now())
        except Exception:
            log.exception("worker.pass_failed")
            return self.poll_seconds
        idle = max(self.poll_seconds, LISTEN_IDLE_SECONDS)
        return idle if soonest is None else max(0.01, min(idle, soonest))

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
