"""An operator's PostgreSQL URL carries asyncpg's options (`?ssl=require&timeout=10`, a
statement cache size): the app's own connections take them as they are, and the connections
made from a connection string (huey's queue through psycopg, the jobs listener) get their
libpq meaning, or nothing for asyncpg's own tuning, instead of failing to connect."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import make_url, text

from studyhall.jobs import carrier
from studyhall.jobs.listen import Listener
from studyhall.jobs.wakeup import Ready
from studyhall.kit.db import Database, postgres_dsn
from tests.conftest import ENGINES, fresh_database_url, make_settings

# What the app's asyncpg connections take from a URL (asyncpg's `timeout` they do not: it
# arrives as text).
ASYNCPG_OPTIONS = "ssl=disable&prepared_statement_cache_size=100&command_timeout=60"


def test_asyncpg_options_become_libpq_ones_and_tuning_is_left_out() -> None:
    url = f"postgresql+asyncpg://studyhall:pw@db.internal:5433/app?{ASYNCPG_OPTIONS}&timeout=5"
    dsn = make_url(postgres_dsn(url))
    assert (dsn.drivername, dsn.host, dsn.port, dsn.database) == (
        "postgresql", "db.internal", 5433, "app",
    )  # fmt: skip
    assert dict(dsn.query) == {"sslmode": "disable", "connect_timeout": "5"}
    for ssl, mode in [("require", "require"), ("true", "require"), ("verify-full", "verify-full"),
                      ("false", "disable")]:  # fmt: skip
        assert make_url(postgres_dsn(f"postgresql+asyncpg://h/d?ssl={ssl}")).query == {
            "sslmode": mode
        }
    # asyncpg's own DSN would send an unknown option to the server as a setting.
    listener = make_url(postgres_dsn(url, connect_timeout=False))
    assert dict(listener.query) == {"sslmode": "disable"}
    rootcert = "postgresql+asyncpg://h/d?sslmode=verify-ca&sslrootcert=/etc/ssl/ca.pem"
    assert dict(make_url(postgres_dsn(rootcert)).query) == {
        "sslmode": "verify-ca", "sslrootcert": "/etc/ssl/ca.pem",
    }  # fmt: skip


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=20))
def test_any_password_and_user_survive_the_translation(password: str, user: str) -> None:
    url = f"postgresql+asyncpg://{quote(user, safe='')}:{quote(password, safe='')}@h:5432/d?ssl=1"
    dsn = make_url(postgres_dsn(url))
    assert (dsn.username, dsn.password) == (user, password)


@pytest.mark.parametrize("engine", [e for e in ENGINES if e == "postgresql"])
async def test_a_url_with_asyncpg_options_reaches_huey_and_the_listener(
    engine: str, tmp_path: Path
) -> None:
    url = f"{await fresh_database_url(engine, tmp_path)}?{ASYNCPG_OPTIONS}"
    db = Database(url)
    try:
        async with db.unit_of_work(write=False) as session:  # the app's asyncpg connections
            assert await session.scalar(text("SELECT 1")) == 1
        async with carrier.attach(db, make_settings(url)) as found:  # psycopg, for huey
            now = datetime.now(UTC)
            await found.hand_over_async([Ready(42, 0, now, True)])
            assert await asyncio.to_thread(found.take, 1, now) == [42]
        listener = Listener(url, lambda: None)
        assert await listener.ensure()  # asyncpg's own DSN parser
        await listener.close()
    finally:
        await db.dispose()
