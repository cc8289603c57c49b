"""The database: one declarative base, engines for SQLite and PostgreSQL, the unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, event, make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from studyhall.kit import sqlite_inline

# Stable constraint names so Alembic can drop and alter them on both engines.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both engines (SQLite stores no zone, so we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use the injected clock")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


WRITER_WAIT_SECONDS = 30.0


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A connection waiting for another process's write lock waits this long, then the
    # request gets a 503. (The inline writer waits in `sqlite_inline.begin_immediate`.)
    inline = isinstance(dbapi_connection.driver_connection, sqlite_inline.InlineConnection)
    cursor.execute(f"PRAGMA busy_timeout={0 if inline else int(WRITER_WAIT_SECONDS * 1000)}")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no commit
    cursor.close()


def ensure_sqlite_directory(url: str) -> None:
    """SQLite makes the file but not its folder; make the folder (the data directory)."""
    path = url.split("///", 1)[-1] if url.startswith("sqlite") else ""
    if path and path != ":memory:":
        # Owner-only: the database holds password hashes and the audit log's addresses.
        Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def _sqlite_path(url: str) -> str:
    return str(make_url(url).database)


def _sqlite_file(url: str) -> bool:
    """A file database (an in-memory one has a single static connection, no pool)."""
    database = make_url(url).database
    return bool(database) and database != ":memory:" and "mode=memory" not in url


def create_engine(
    url: str, *, writer: bool = True, inline_reads: bool = False, **kwargs: Any
) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout on every connection.
    On a SQLite file the writer runs in the loop's thread (see sqlite_inline), and so do the
    readers of an `inline_reads` engine (for short lookups only: a slow read would stall the
    loop)."""
    if url.startswith("sqlite"):
        ensure_sqlite_directory(url)
        inline = writer and _sqlite_file(url)
        if inline_reads and not writer and _sqlite_file(url):
            kwargs.setdefault("async_creator", sqlite_inline.connector(_sqlite_path(url)))
        if inline:
            # SQLite has one write lock. Writers queue for it here, in a first-come queue that
            # wakes the next one the moment the lock is free (left to SQLite, every waiter
            # polls with sleeps of up to 100 ms, and under a burst the lock sits idle while
            # they sleep), and the one writer runs in the loop's thread (see sqlite_inline).
            kwargs.setdefault("pool_size", 1)
            kwargs.setdefault("max_overflow", 0)
            kwargs.setdefault("pool_timeout", WRITER_WAIT_SECONDS)
            kwargs.setdefault("async_creator", sqlite_inline.connector(_sqlite_path(url)))
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        # Inline lookups run without BEGIN: each statement is its own read transaction, ended
        # when its cursor closes. One held open for the rest of a request (the write's own
        # transaction runs after the lookup) pins the write-ahead log: SQLite can then never
        # start the log over, it grows without end, and every commit past 1,000 pages runs a
        # checkpoint with an fdatasync in the loop's thread (~0.5 ms a save, measured).
        begin = "BEGIN IMMEDIATE" if writer else None if inline_reads else "BEGIN"
        _own_transactions(engine, begin, inline=inline)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _own_transactions(engine: AsyncEngine, begin: str | None, *, inline: bool = False) -> None:
    """Issue our own BEGIN on SQLite: IMMEDIATE for writers, deferred for readers, none for
    autocommit lookups (`begin` None).

    A deferred transaction that reads and then writes fails at once with "database is locked"
    when another writer committed in between; BEGIN IMMEDIATE takes the write lock up front and
    waits (busy timeout) instead. Readers stay deferred so that reads never queue behind writes.
    pysqlite's own transaction handling is turned off so that our BEGIN is the one used.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _no_implicit_begin(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None

    if begin is None:
        return

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        if inline:
            sqlite_inline.begin_immediate(conn.connection.driver_connection, WRITER_WAIT_SECONDS)
        else:
            conn.exec_driver_sql(begin)


def may_write(session: AsyncSession) -> bool:
    """False in a read-only unit of work (`unit_of_work(write=False)`, or a GET request)."""
    return bool(session.info.get("writes", True))


class Database:
    """Owns the engines and makes units of work.

    On SQLite, writing units of work and read-only ones use separate engines (see
    `_own_transactions`); on PostgreSQL both are the same engine.
    """

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.read_engine = (
            create_engine(url, writer=False, **engine_kwargs)
            if url.startswith("sqlite")
            else self.engine
        )
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, info={"writes": True}
        )
        self.read_sessions = async_sessionmaker(
            self.read_engine, expire_on_commit=False, info={"writes": False}
        )
        # On a SQLite file a write request looks up who is calling (token, organisation,
        # role) apart from its write transaction, so the write lock is not held while a
        # password is hashed or an upload stored; through connections that run in the loop's
        # thread, because on aiosqlite's threads those small reads cost ~1.4 ms of CPU a
        # request in hand-offs (measured on answer saves).
        self._inline = url.startswith("sqlite") and _sqlite_file(url)
        self.lookups_apart = self.read_engine is not self.engine
        self.lookup_engine = (
            create_engine(url, writer=False, inline_reads=True, **engine_kwargs)
            if self._inline
            else self.read_engine
        )
        self.lookup_sessions = async_sessionmaker(
            self.lookup_engine, expire_on_commit=False, info={"writes": False}
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def checkpointer(self) -> sqlite_inline.Checkpointer | None:
        """Where the writer runs inline (a SQLite file), what keeps its commits from doing
        the log's checkpoints; a long-running process runs it (`Checkpointer.run`)."""
        if not self._inline:
            return None
        return sqlite_inline.Checkpointer(_sqlite_path(self.url))

    @asynccontextmanager
    async def unit_of_work(
        self, *, write: bool = True, quick: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """A session that commits when the block ends normally and rolls back otherwise.

        `quick` (reads only): a few rows by index, as a worker's "anything to do?" checks
        many times a second; on a SQLite file it reads in the loop's thread, which costs less
        than the hand-off to a reader thread."""
        assert not (write and quick), "quick units of work are for reads"
        maker = self.sessions if write else self.lookup_sessions if quick else self.read_sessions
        async with maker() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
        if self.lookup_engine is not self.read_engine:
            await self.lookup_engine.dispose()


# The app's URL is SQLAlchemy's for asyncpg, whose query options are asyncpg's keyword
# arguments. Connections made from a plain connection string (huey's PostgreSQL storage through
# psycopg, the jobs listener through asyncpg's own DSN parser) know other names: those with a
# libpq meaning are translated, and asyncpg's tuning (statement caches, command timeouts) is
# left out, since in a connection string it would be sent to the server as a setting.
_SSL_MODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}
_SSL_BOOLEANS = {"true": "require", "1": "require", "false": "disable", "0": "disable"}
_LIBPQ_AS_IS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "application_name")


def postgres_dsn(url: str, *, connect_timeout: bool = True) -> str:
    """The connection string for the PostgreSQL database at `url` (SQLAlchemy's). Without
    `connect_timeout` (asyncpg's DSN does not take it), a timeout option is left out."""
    parsed = make_url(url)
    options: dict[str, str] = {}
    for name, value in parsed.query.items():
        given = value[-1] if isinstance(value, tuple) else value
        if name == "ssl":
            mode = given.lower()
            options["sslmode"] = _SSL_BOOLEANS.get(mode, mode if mode in _SSL_MODES else "require")
        elif name in ("timeout", "connect_timeout"):
            if connect_timeout:
                options["connect_timeout"] = str(max(1, round(float(given))))
        elif name in _LIBPQ_AS_IS:
            options[name] = given
    plain = parsed.set(drivername="postgresql", query=options)
    return plain.render_as_string(hide_password=False)
