"""Tell workers about work a transaction queued — only once it commits, never after a rollback.

- **Jobs**: after commit, the jobs the transaction made runnable are handed to huey
  (carrier.py), where workers take them; a worker in this process is then woken at once. A
  crash between the commit and the hand-over loses nothing: the sweep hands over what the
  table holds.
- **Events**: the commit wakes a worker in this process at once. On PostgreSQL the transaction
  also sends `NOTIFY studyhall_jobs` before it commits; PostgreSQL delivers it on commit only,
  to every worker that LISTENs (listen.py), so separate `studyhall worker` processes dispatch at
  once too.

A worker always checks the table before it runs anything, so a stray wake-up costs a query.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from studyhall.jobs.models import Job

if TYPE_CHECKING:
    from studyhall.jobs.carrier import Carrier

log = structlog.get_logger(__name__)

CHANNEL = "studyhall_jobs"
_FLAG = "studyhall.wake_worker"
_READY = "studyhall.ready_jobs"
_EVENTS = "studyhall.events_raised"
_waiters: set[asyncio.Event] = set()
_handing_over: set[asyncio.Task[None]] = set()


@dataclass(frozen=True)
class Ready:
    """A job row that a committed transaction made runnable (at `run_at`)."""

    id: int
    priority: int
    run_at: datetime
    due: bool  # runnable at once, by the clock of the transaction that readied it


def event_raised(session: AsyncSession) -> None:
    """An event waits for dispatch once this transaction commits."""
    session.sync_session.info[_FLAG] = True
    session.sync_session.info[_EVENTS] = True


def job_ready(session: AsyncSession, job: Job, *, now: datetime) -> None:
    """`job` (added or changed in this transaction) is runnable from its `run_at` on."""
    session.sync_session.info[_FLAG] = True
    session.sync_session.info.setdefault(_READY, []).append((job, now))


def reaches_workers(session: AsyncSession) -> bool:
    """Whether a job readied in this session is handed to huey after commit (a carrier is
    attached: the server, the worker and the command line attach one)."""
    return _carrier_for(session.sync_session.get_bind()) is not None


def register(waiter: asyncio.Event) -> None:
    _waiters.add(waiter)


def unregister(waiter: asyncio.Event) -> None:
    _waiters.discard(waiter)


async def handed_over() -> None:
    """Wait for this process's hand-overs to huey in flight (tests, shutdown)."""
    while _handing_over:
        await asyncio.gather(*list(_handing_over), return_exceptions=True)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if not session.info.get(_EVENTS):
        return
    if session.get_bind().dialect.name == "postgresql":
        # Delivered when (and only if) this transaction commits; one per transaction.
        session.connection().execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.info.pop(_FLAG, False):
        return
    ready = session.info.pop(_READY, [])
    events = session.info.pop(_EVENTS, False)
    carrier = _carrier_for(session.get_bind())
    if events or not ready or carrier is None:
        _wake_local()
    if not ready or carrier is None:
        return
    jobs = [Ready(job.id, job.priority, job.run_at, job.run_at <= now) for job, now in ready]
    task = asyncio.get_running_loop().create_task(_hand_over(carrier, jobs))
    _handing_over.add(task)
    task.add_done_callback(_handing_over.discard)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)
    session.info.pop(_READY, None)
    session.info.pop(_EVENTS, None)


def _wake_local() -> None:
    for waiter in _waiters:
        waiter.set()


def _carrier_for(bind: object) -> Carrier | None:
    from studyhall.jobs import carrier  # carrier.py imports this module

    return carrier.attached_to(bind)


async def _hand_over(carrier: Carrier, jobs: list[Ready]) -> None:
    try:
        await carrier.hand_over_async(jobs)
    except Exception as exc:  # the sweep hands them over later
        log.warning("jobs.hand_over_failed", jobs=[j.id for j in jobs], error=str(exc))
    finally:
        _wake_local()  # a worker here takes them from huey now
