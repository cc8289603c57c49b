"""huey carries jobs to workers: its queue, priorities and schedule, on the storage that fits
how Studyhall runs.

- SQLite (embedded): huey's SQLite storage, in a file beside the database (``<db>-jobs``).
- PostgreSQL: huey's PostgreSQL storage (tables ``huey_*`` in the same database; workers take
  tasks with ``FOR UPDATE SKIP LOCKED`` and wait on ``LISTEN``).
- Redis (``STUDYHALL_REDIS_URL``): huey's priority queue on Redis (``BZPOPMIN``).

The jobs table stays the record of every job. A job row is written in the request's
transaction, so a rollback queues nothing; only after commit is a huey task carrying its id
handed over (wakeup.py): at once when it is due, on huey's schedule when it runs later (a
delay, or a retry's backoff). A worker takes tasks, then claims the rows with the lease and
state check of queue.py, so a task taken twice, or for a job already done, claims nothing.

huey's own consumer runs task functions in threads, processes or greenlets; Studyhall's
handlers are coroutines that share the event loop (and in embedded mode the web server's
loop), so the worker (worker.py) takes huey's tasks itself and runs them there. Nothing is
lost when huey loses a task — a crash between commit and hand-over, a worker killed after
taking a task (even by SIGKILL), Redis restarted empty: `sweep` hands over again what the
table says should run.

Messages are pickled by huey and signed with the installation's secret key (huey's
SignedSerializer; a replaced key still listed in STUDYHALL_PREVIOUS_SECRET_KEYS is accepted
too), so a worker never unpickles what someone else wrote into Redis or a table.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import structlog
from huey import Huey, PriorityRedisHuey  # type: ignore[import-untyped]
from huey.serializer import SignedSerializer  # type: ignore[import-untyped]
from huey.storage import PostgresStorage, SqliteStorage  # type: ignore[import-untyped]
from sqlalchemy import make_url

from studyhall.config import Settings
from studyhall.jobs import wakeup
from studyhall.jobs.wakeup import Ready
from studyhall.kit.db import Database, postgres_dsn

log = structlog.get_logger(__name__)

TASK_NAME = "studyhall.job"
SALT = "studyhall-jobs"  # of the messages' signatures: another use of the key never matches
SWEEP_BATCH = 1000
# How often, while huey's queue never drains, a worker compares what huey holds with what the
# table says should run (once at start and after a failed hand-over besides); seconds.
RECONCILE_SECONDS = 60.0
RECONCILE_BATCH = 50_000
# How long one blocking take waits on PostgreSQL or Redis before the worker looks again.
READ_TIMEOUT_SECONDS = 1.0


class _SqliteQueue(SqliteStorage):  # type: ignore[misc]
    """huey's SQLite storage with `synchronous=NORMAL`: in WAL mode that cannot corrupt the
    file, and a hand-over lost with a power cut is found again by the sweep (the jobs table,
    which is synchronous=FULL, is the record)."""

    def _create_connection(self) -> Any:
        connection = super()._create_connection()
        connection.execute("pragma synchronous=NORMAL")
        return connection


class _KeyedSerializer(SignedSerializer):  # type: ignore[misc]
    """huey's signed messages, also accepted when signed by a key the operator replaced
    (STUDYHALL_PREVIOUS_SECRET_KEYS): tasks queued before the change still run after it."""

    def __init__(self, secret_key: str, previous_keys: Sequence[str]) -> None:
        super().__init__(secret=secret_key, salt=SALT)
        self._previous = [SignedSerializer(secret=key, salt=SALT) for key in previous_keys]

    def _unsign(self, signed: bytes) -> bytes:
        try:
            return bytes(super()._unsign(signed))
        except ValueError:
            for previous in self._previous:
                try:
                    return bytes(previous._unsign(signed))
                except ValueError:
                    continue
            raise


def _build_huey(db: Database, settings: Settings) -> Huey:
    options: dict[str, Any] = {
        "results": False,  # outcomes live in the jobs table
        "serializer": _KeyedSerializer(settings.secret_key, settings.previous_secret_keys),
    }
    if settings.redis_url:
        return PriorityRedisHuey(
            settings.redis_prefix,
            url=settings.redis_url,
            read_timeout=READ_TIMEOUT_SECONDS,
            **options,
        )
    if db.dialect == "postgresql":
        dsn = postgres_dsn(db.url)
        return Huey(
            settings.redis_prefix,
            storage_class=PostgresStorage,
            dsn=dsn,
            read_timeout=READ_TIMEOUT_SECONDS,
            create_tables=False,  # on first use (Carrier._ensure_tables)
            **options,
        )
    database = make_url(db.url).database
    if not database or database == ":memory:":
        raise ValueError("the embedded job queue needs a SQLite database file")
    return Huey(
        settings.redis_prefix,
        storage_class=_SqliteQueue,
        filename=f"{database}-jobs",
        create_tables=False,  # on first use (Carrier._ensure_tables)
        **options,
    )


def _naive_utc(moment: datetime) -> datetime:
    """huey compares naive UTC datetimes (its `utc=True` default)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


class Carrier:
    def __init__(self, huey: Huey, storage: str) -> None:
        self.huey = huey
        self.storage = storage  # sqlite, postgresql or redis
        self.task = huey.task(name=TASK_NAME)(_run_by_studyhall)
        # A blocking take waits on PostgreSQL or Redis; on SQLite the worker polls instead
        # (commits in its own process wake it).
        self.blocking = bool(getattr(huey.storage, "blocking", False))
        # huey's SQL storages create their tables when built; that waits for first use here,
        # so that a server starts (and says it is not ready) while its database is away.
        self._tables_made = not hasattr(huey.storage, "initialize_schema")
        self._tables_lock = threading.Lock()
        # At the first sweep: a process that crashed before this one started may have
        # committed jobs it never handed over.
        self._next_reconcile = 0.0

    def _ensure_tables(self) -> None:
        if self._tables_made:
            return
        with self._tables_lock:
            if not self._tables_made:
                self.huey.storage.initialize_schema()
                self._tables_made = True

    @classmethod
    def build(cls, db: Database, settings: Settings) -> Carrier:
        storage = "redis" if settings.redis_url else db.dialect
        return cls(_build_huey(db, settings), storage)

    # --- giving ------------------------------------------------------------------------

    def hand_over(self, jobs: Iterable[Ready]) -> None:
        """Blocking: make `jobs` (committed rows) known to workers."""
        try:
            self._ensure_tables()
            for job in jobs:
                task = self.task.s(job.id, priority=job.priority)
                if job.due:
                    self.huey.enqueue(task)
                else:
                    task.eta = _naive_utc(job.run_at)
                    self.huey.add_schedule(task)
        except Exception:
            self._next_reconcile = 0.0  # what did not reach huey: looked for at the next sweep
            raise

    async def hand_over_async(self, jobs: Sequence[Ready]) -> None:
        if jobs:
            await asyncio.to_thread(self.hand_over, jobs)

    # --- taking ------------------------------------------------------------------------

    def take(self, limit: int, now: datetime, *, block: bool = False) -> list[int]:
        """Blocking: up to `limit` job ids, highest priority first. Tasks on the schedule whose
        time has come by `now` (the worker's clock) move to the queue first. With `block`, on
        PostgreSQL and Redis, waits up to READ_TIMEOUT_SECONDS for the first."""
        self._ensure_tables()
        for due in self.huey.read_schedule(_naive_utc(now)):
            self.huey.enqueue(due)
        ids: list[int] = []
        storage = self.huey.storage
        while len(ids) < limit:
            storage.blocking = block and not ids and self.blocking
            try:
                data = storage.dequeue()
            finally:
                storage.blocking = self.blocking
            if data is None:
                break
            job_id = self._job_id(data)
            if job_id is not None:
                ids.append(job_id)
        return ids

    def _job_id(self, data: bytes) -> int | None:
        """The job a message carries; None (and a warning) for one that is not signed with
        this installation's key or not ours: it is dropped, never run."""
        try:
            task = self.huey.deserialize_task(data)
        except Exception as exc:  # a bad signature, or a task this registry does not know
            log.warning("jobs.message_refused", error=f"{type(exc).__name__}: {exc}")
            return None
        if task.name != self.task.name or len(task.args) != 1:
            log.warning("jobs.message_refused", error=f"not a Studyhall job: {task.name}")
            return None
        return int(task.args[0])

    def waiting(self) -> tuple[int, int]:
        """Blocking: tasks queued and tasks on the schedule."""
        self._ensure_tables()
        return self.huey.pending_count(), self.huey.scheduled_count()

    # --- finding what huey lost --------------------------------------------------------

    async def sweep(self, db: Database, now: datetime, *, stale_seconds: float) -> int:
        """Hand over again what the table says should run and huey may have lost; returns how
        many jobs. Jobs whose worker's lease ran out always (the worker died, and huey dropped
        the task when it was taken). Jobs due for longer than `stale_seconds`:
        - when huey's queue is empty: anything still due then was lost (a crash between
          commit and hand-over, or Redis restarted empty);
        - while it holds tasks, those huey does not hold, found by reading what it holds:
          at the first sweep, after a hand-over of this process failed, and every
          RECONCILE_SECONDS, so a lost job does not wait for the queue to drain."""
        from studyhall.jobs import queue  # queue -> wakeup -> (lazily) this module

        queued, _scheduled = await asyncio.to_thread(self.waiting)
        if queued == 0 or time.monotonic() < self._next_reconcile:
            jobs = await queue.handover_candidates(
                db, now, limit=SWEEP_BATCH, stale_seconds=stale_seconds, include_queued=queued == 0
            )
        else:
            self._next_reconcile = time.monotonic() + RECONCILE_SECONDS
            try:
                held = await asyncio.to_thread(self.held)
            except Exception:
                self._next_reconcile = 0.0
                raise
            candidates = await queue.handover_candidates(
                db, now, limit=RECONCILE_BATCH, stale_seconds=stale_seconds, include_queued=True
            )
            jobs = [job for job in candidates if job.id not in held]
        await self.hand_over_async(jobs)
        return len(jobs)

    def held(self) -> set[int]:
        """Blocking: the jobs huey holds, queued or on its schedule (read, not taken)."""
        self._ensure_tables()
        storage = self.huey.storage
        messages = [*storage.enqueued_items(), *storage.scheduled_items()]
        return {job_id for data in messages if (job_id := self._job_id(data)) is not None}

    def flush(self) -> None:
        """Blocking: drop everything huey holds for this queue (tests start from nothing)."""
        self._ensure_tables()
        self.huey.flush()

    def close(self) -> None:
        self.huey.storage.close()


def _run_by_studyhall(job_id: int) -> None:
    raise RuntimeError(
        f"job {job_id}: Studyhall's jobs run in `studyhall worker` or `studyhall serve`, "
        "not huey_consumer (their handlers are coroutines on the worker's event loop)"
    )


_attached: weakref.WeakKeyDictionary[Any, tuple[Carrier, list[int]]] = weakref.WeakKeyDictionary()


def attached_to(bind: Any) -> Carrier | None:
    """The carrier that jobs written through `bind` (an engine) are handed to, if any."""
    found = _attached.get(bind)
    return found[0] if found else None


@asynccontextmanager
async def attach(db: Database, settings: Settings) -> AsyncIterator[Carrier]:
    """Hand jobs committed through `db` to huey while the block runs (one carrier per database
    however many callers: the server and its embedded worker)."""
    engine = db.engine.sync_engine
    # Read sessions (statistics) may run on the database's other engines: same carrier.
    engines = {e.sync_engine for e in (db.engine, db.read_engine, db.lookup_engine) if e}
    found = _attached.get(engine)
    if found is None:
        found = (await asyncio.to_thread(Carrier.build, db, settings), [0])
        for each in engines:
            _attached[each] = found
    carrier, users = found
    users[0] += 1
    try:
        yield carrier
    finally:
        users[0] -= 1
        if users[0] == 0:
            await wakeup.handed_over()  # commits already made reach huey first
            for each in engines:
                _attached.pop(each, None)
            await asyncio.to_thread(carrier.close)
