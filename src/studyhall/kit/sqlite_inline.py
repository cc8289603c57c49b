"""SQLite for the one writer, run in the event loop's own thread.

aiosqlite runs every call (make a cursor, execute, fetch, close, commit) on a thread of its
own and wakes the event loop when it is done. That suits reads. For SQLite's single writer
it is the bottleneck: a write transaction makes ~14 such calls, each waiting for its turn in
a busy loop, and no other writer can start until the last one returns — measured, the write
lock was held ~14 ms for ~0.5 ms of SQLite work, capping answer saves near 70/s.

This module gives the writer engine an object with aiosqlite's interface (what SQLAlchemy's
aiosqlite dialect calls) whose calls run at once in the caller's thread. A write transaction
then holds the lock only for its own work. Two things keep the loop from stalling:
- writers in this process already queue (one pooled writer connection), so the lock is free
  whenever a transaction begins, except when another process holds it;
- for that case the connection has no busy timeout of its own: `begin_immediate` retries
  `BEGIN IMMEDIATE` with asynchronous sleeps (the loop keeps serving) until `wait` runs out.
Reads stay on aiosqlite's threads, so a slow search never blocks the loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import structlog
from sqlalchemy.exc import OperationalError
from sqlalchemy.util import await_

log = structlog.get_logger(__name__)

BUSY_SLEEP_SECONDS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05)


class _Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> _Cursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> _Cursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    async def nextset(self) -> None:
        return None


class _OpenCursor:
    """What `connection.cursor()` returns in aiosqlite: awaited (or entered) for the cursor."""

    def __init__(self, make: Callable[[], sqlite3.Cursor]) -> None:
        self._make = make

    async def __aenter__(self) -> _Cursor:
        return _Cursor(self._make())

    async def __aexit__(self, *exc: object) -> None:
        return None

    def __await__(self) -> Any:
        return self.__aenter__().__await__()


class _RunNow:
    """Stands in for aiosqlite's queue to its thread (SQLAlchemy sets the isolation level
    through it): runs the function at once and settles the future."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as aiosqlite does
            if future is not None:
                future.set_exception(exc)
            return
        if future is not None:
            future.set_result(result)


class InlineConnection:
    """aiosqlite.Connection's interface over a sqlite3 connection, without the thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn: sqlite3.Connection | None = connection
        self._tx = _RunNow()

    @property
    def _connection(self) -> sqlite3.Connection | None:  # read by SQLAlchemy's adapter
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._live.isolation_level

    @property
    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("Connection closed")
        return self._conn

    def cursor(self) -> _OpenCursor:
        return _OpenCursor(self._live.cursor)

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> _Cursor:
        return _Cursor(self._live.execute(sql, parameters))

    async def commit(self) -> None:
        self._live.commit()

    async def rollback(self) -> None:
        self._live.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live.create_function(*args, **kwargs)

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def connector(path: str) -> Callable[[], Any]:
    """SQLAlchemy's `async_creator` for the writer engine: an awaitable inline connection."""

    async def connect() -> InlineConnection:
        # No busy timeout here: a wait for another process's lock happens in
        # `begin_immediate`, asleep, instead of blocking the event loop.
        connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        return InlineConnection(connection)

    return connect


def begin_immediate(connection: InlineConnection, wait: float) -> None:
    """BEGIN IMMEDIATE on an inline connection, retrying while another process holds the
    lock (sleeping between tries so the loop serves others), for at most `wait` seconds.
    Runs inside SQLAlchemy's greenlet, where `await_` may suspend."""
    deadline = time.monotonic() + wait
    tries = 0
    while True:
        try:
            connection._live.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc
        await_(asyncio.sleep(BUSY_SLEEP_SECONDS[min(tries, len(BUSY_SLEEP_SECONDS) - 1)]))
        tries += 1


class Checkpointer:
    """Copies the write-ahead log back into the database file from a thread, every
    `interval` seconds. SQLite otherwise checkpoints inside the commit that takes the log past
    1,000 pages — with the writer inline, in the event loop's thread, stalling every request
    for that commit's 5-20 ms. PASSIVE never waits for readers or the writer; the automatic
    checkpoint stays on as the fallback when this falls behind."""

    def __init__(self, path: str, interval: float = 1.0) -> None:
        self.path = path
        self.interval = interval
        self.last: tuple[int, int, int] | None = None  # (busy, log frames, copied frames)
        self._connection: sqlite3.Connection | None = None
        self._closed = False
        # A cancelled `run` does not stop a checkpoint already in its thread: closing the
        # connection under it would crash the process, so the two take turns.
        self._turn = threading.Lock()

    def checkpoint(self) -> tuple[int, int, int] | None:
        with self._turn:
            if self._closed:
                return None
            if self._connection is None:
                self._connection = sqlite3.connect(self.path, timeout=0, check_same_thread=False)
            row = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.last = (row[0], row[1], row[2])
            return self.last

    def close(self) -> None:
        with self._turn:
            self._closed = True
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    async def run(self) -> None:
        try:
            while True:
                await asyncio.sleep(self.interval)
                try:
                    await asyncio.to_thread(self.checkpoint)
                except sqlite3.Error as exc:  # a locked or missing file: try again next time
                    log.warning("wal checkpoint failed", error=str(exc))
        finally:
            self.close()  # waits for a checkpoint still running in its thread (milliseconds)
