"""Test fixtures: real databases built by the real migrations, on every engine we support.

Every test that asks for `client`, `app` or `db_url` runs once on SQLite and once on
PostgreSQL (when STUDYHALL_TEST_POSTGRES_URL names a server; `make test` starts one). Tables
are emptied before each test, so tests never share data.
"""

from __future__ import annotations

import asyncio
import functools
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import settings
from sqlalchemy import Integer, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from studyhall.app import create_app
from studyhall.config import Settings
from studyhall.jobs.carrier import Carrier, attached_to
from studyhall.kit.clock import FrozenClock
from studyhall.models import metadata
from studyhall.ops import migrations

POSTGRES_URL = os.environ.get("STUDYHALL_TEST_POSTGRES_URL")
ENGINES = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]
REDIS_URL = os.environ.get("STUDYHALL_TEST_REDIS_URL")  # scripts/with-redis.sh starts one
TEST_DATA_DIR = Path(tempfile.mkdtemp(prefix="studyhall-test-"))
TEST_SECRET = "test-secret-key-that-is-long-enough-for-production"

# `acme`, its owner, an author and a track, for the packages that test one organisation's bank.
pytest_plugins = ["tests.acme"]

# Hypothesis fails any example that runs past 200 ms, and calls the test flaky when the rerun
# is quick: a garbage collection or a busy CI machine is enough. The properties are about what
# the code does, not how fast (bench/ measures that), so no test here has a deadline.
settings.register_profile("studyhall", deadline=None)
settings.load_profile("studyhall")


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("STUDYHALL_TEST_REQUIRE_POSTGRES") == "1" and not POSTGRES_URL:
        raise pytest.UsageError(
            "STUDYHALL_TEST_REQUIRE_POSTGRES=1 but no "
            "STUDYHALL_TEST_POSTGRES_URL; run through `make test`"
        )
    if os.environ.get("STUDYHALL_TEST_REQUIRE_REDIS") == "1" and not REDIS_URL:
        raise pytest.UsageError(
            "STUDYHALL_TEST_REQUIRE_REDIS=1 but no "
            "STUDYHALL_TEST_REDIS_URL; run through `make test`"
        )


@pytest.fixture
def redis_url() -> str:
    """The test redis-server's URL; tests that need Redis skip without one (never in CI,
    where STUDYHALL_TEST_REQUIRE_REDIS=1 makes that an error). Give each test keys of its
    own with a unique STUDYHALL_REDIS_PREFIX: the server is shared by parallel tests."""
    if not REDIS_URL:
        pytest.skip("no STUDYHALL_TEST_REDIS_URL (scripts/with-redis.sh starts a redis-server)")
    return REDIS_URL


async def create_postgres_database(name: str) -> str:
    """A new, empty database on the test server; returns its URL."""
    assert POSTGRES_URL
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


async def fresh_database_url(engine: str, tmp_dir: Path) -> str:
    """An empty database of this engine (no schema)."""
    if engine == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_dir / f'studyhall-{uuid.uuid4().hex[:8]}.db'}"
    return await create_postgres_database(f"studyhall_test_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session", params=ENGINES)
async def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of one engine, migrated to head once for the whole session."""
    url = await fresh_database_url(request.param, tmp_path_factory.mktemp("db"))
    # Alembic's env runs its own event loop, so it gets a thread of its own.
    await asyncio.to_thread(migrations.upgrade, url)
    return url


def make_settings(db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": db_url,
        # Media and anything else written to disk goes to a throw-away folder, not ./data.
        "data_dir": TEST_DATA_DIR,
        "secret_key": TEST_SECRET,
        # Cheap hashes keep the suite fast; the production cost is a setting, tested apart.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 256,
        "argon2_parallelism": 1,
        # Tests sign up many people from one client address; tests/accounts checks the limit.
        "registration_max_per_address": 100_000,
        "log_json": True,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


def job_carrier(app: FastAPI) -> Carrier:
    """The huey carrier the app attached (its queue is emptied with the tables)."""
    found = attached_to(app.state.db.engine.sync_engine)
    assert found is not None
    return found


async def empty_all_tables(app: FastAPI) -> None:
    """Every table as the migrations left it: no rows, and on PostgreSQL every id sequence
    back at its start. Only the tables a test used are touched: one query finds them, and
    emptying the others would change nothing (a TRUNCATE of every table costs far more)."""
    postgres = app.state.db.dialect == "postgresql"
    async with app.state.db.unit_of_work() as session:
        used = set((await session.execute(text(_used_tables_query(postgres)))).scalars())
        if not used:
            return
        if postgres:
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables if t.name in used)
            await session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                if table.name in used:
                    await session.execute(table.delete())


@functools.cache
def _used_tables_query(postgres: bool) -> str:
    """The names of the tables that hold rows, or (PostgreSQL) whose id sequence has handed
    out a number since it was last restarted: a table with neither is already empty."""
    parts = []
    for table in metadata.sorted_tables:
        used = f'EXISTS (SELECT 1 FROM "{table.name}")'  # noqa: S608 (our own table names)
        if postgres:
            for column in table.primary_key.columns:
                if isinstance(column.type, Integer) and column.autoincrement in (True, "auto"):
                    sequence = f"pg_get_serial_sequence('\"{table.name}\"', '{column.name}')"
                    used += f" OR pg_sequence_last_value({sequence}::regclass) IS NOT NULL"
        parts.append(f"SELECT '{table.name}' WHERE {used}")
    return " UNION ALL ".join(parts)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
async def app(
    db_url: str, clock: FrozenClock, settings_overrides: dict[str, object]
) -> AsyncIterator[FastAPI]:
    application = create_app(
        make_settings(db_url, **settings_overrides), clock=clock, configure_logs=False
    )
    await empty_all_tables(application)
    async with application.router.lifespan_context(application):
        await asyncio.to_thread(job_carrier(application).flush)
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(
        app=app, raise_app_exceptions=False, client=("203.0.113.7", 4711)
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
