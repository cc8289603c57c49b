"""SQLite's one writer runs in the event loop's thread: while another process holds the write
lock the writer waits asleep (the loop keeps serving), gives up with a lock error after the
wait (the request boundary makes that a 503), and database errors still reach the caller as
SQLAlchemy's (a constraint is an IntegrityError, which the boundary makes a 409)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from studyhall.kit import db as kit_db
from studyhall.kit.db import Database


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "inline.db"


@pytest.fixture
async def database(path: Path) -> AsyncIterator[Database]:
    found = Database(f"sqlite+aiosqlite:///{path}")
    async with found.unit_of_work() as session:
        await session.execute(text("CREATE TABLE t (x INTEGER UNIQUE)"))
    yield found
    await found.dispose()


async def insert(database: Database, value: int) -> None:
    async with database.unit_of_work() as session:
        await session.execute(text("INSERT INTO t VALUES (:x)"), {"x": value})


async def test_the_writer_waits_for_another_process_without_blocking_the_loop(
    database: Database, path: Path
) -> None:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # as another process's writer would
    write = asyncio.create_task(insert(database, 1))
    ticks = 0
    for _ in range(30):  # 0.3 s of other work on the same loop
        await asyncio.sleep(0.01)
        ticks += 1
    assert not write.done()  # still waiting for the lock...
    holder.execute("COMMIT")
    await asyncio.wait_for(write, 10)  # ...and written once it is free
    assert ticks == 30
    assert holder.execute("SELECT x FROM t").fetchall() == [(1,)]
    holder.close()


async def test_a_lock_held_past_the_wait_is_a_lock_error(
    database: Database, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kit_db, "WRITER_WAIT_SECONDS", 0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            await insert(database, 1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    await insert(database, 2)  # the writer connection is usable again
    async with database.unit_of_work(write=False) as session:
        assert (await session.execute(text("SELECT x FROM t"))).scalars().all() == [2]


async def test_a_constraint_is_an_integrity_error_and_the_transaction_rolls_back(
    database: Database,
) -> None:
    await insert(database, 1)

    async def two_rows_one_taken() -> None:
        async with database.unit_of_work() as session:
            await session.execute(text("INSERT INTO t VALUES (2)"))
            await session.execute(text("INSERT INTO t VALUES (1)"))

    with pytest.raises(IntegrityError):
        await two_rows_one_taken()
    async with database.unit_of_work(write=False) as session:
        assert (await session.execute(text("SELECT x FROM t"))).scalars().all() == [1]


async def test_the_checkpointer_copies_the_log_back_from_a_thread(database: Database) -> None:
    checkpointer = database.checkpointer()
    assert checkpointer is not None
    checkpointer.interval = 0.02
    running = asyncio.create_task(checkpointer.run())
    for value in range(20):
        await insert(database, value)
    for _ in range(1500):  # until a checkpoint has run after the last write (30 s at most)
        await asyncio.sleep(0.02)
        if checkpointer.last is not None and 0 < checkpointer.last[1] == checkpointer.last[2]:
            break
    running.cancel()
    busy, log_frames, copied = checkpointer.last or (1, 0, 0)
    assert (busy, copied) == (0, log_frames)
    assert log_frames > 0  # the writes were in the log, and all of it is back in the file


async def test_a_write_requests_lookup_does_not_keep_the_log_from_starting_over(
    database: Database,
) -> None:
    """A write request looks up its caller apart from its write and keeps the lookup session
    until it ends. Were that lookup a transaction, the checkpoint that runs meanwhile could
    never copy the newest commit back, the log would never start over, and every commit past
    1,000 pages would run a checkpoint itself, in the loop's thread."""
    checkpointer = database.checkpointer()
    assert checkpointer is not None
    try:
        for value in range(30):
            async with database.lookup_sessions() as lookup:  # as a write request does
                await lookup.execute(text("SELECT count(*) FROM t"))
                await insert(database, value)
                await asyncio.to_thread(checkpointer.checkpoint)
        busy, log_frames, copied = checkpointer.last or (1, 0, 0)
        assert (busy, copied) == (0, log_frames)
        assert 0 < log_frames <= 4  # one commit's pages: the log started over each time
    finally:
        checkpointer.close()


async def test_only_an_inline_writer_has_a_checkpointer() -> None:
    memory = Database("sqlite+aiosqlite:///:memory:")
    assert memory.checkpointer() is None
    await memory.dispose()


async def test_stopping_the_checkpointer_mid_checkpoint_is_safe(database: Database) -> None:
    """The app stops it at shutdown whatever it is doing; a checkpoint still running in its
    thread must finish before the connection closes (closing under it crashed the process)."""
    for round_ in range(30):
        checkpointer = database.checkpointer()
        assert checkpointer is not None
        checkpointer.interval = 0
        running = asyncio.create_task(checkpointer.run())
        await insert(database, round_)
        await asyncio.sleep(0.002 * (round_ % 4))
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        assert checkpointer.checkpoint() is None  # closed for good: no connection reopened


async def test_a_long_write_transaction_leaves_the_loop_turns(database: Database) -> None:
    """An import writes thousands of rows in one transaction; pages and reads meanwhile must
    still be served, though the writer runs in the loop's thread."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0)
            ticks += 1

    beat = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    async with database.unit_of_work() as session:
        start = ticks
        for value in range(3000):
            await session.execute(text("INSERT INTO t VALUES (:x)"), {"x": value})
        during = ticks - start
    beat.cancel()
    assert during > 0  # without turns the ticker would not run until the commit
