"""Wake this process's worker when a transaction that queued work commits.

A worker polls the tables anyway (another process may have queued the work); the wake-up only
cuts the wait in the embedded mode, where the request and the worker share a process. It
fires after commit and never after a rollback, so a woken worker always finds the rows.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_FLAG = "studyhall.wake_worker"
_waiters: set[asyncio.Event] = set()


def wake_after_commit(session: AsyncSession) -> None:
    session.sync_session.info[_FLAG] = True


def register(waiter: asyncio.Event) -> None:
    _waiters.add(waiter)


def unregister(waiter: asyncio.Event) -> None:
    _waiters.discard(waiter)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        for waiter in _waiters:
            waiter.set()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)
