"""Liveness and readiness, as a load balancer or an orchestrator reads them."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from studyhall import __version__
from studyhall.app import create_app
from studyhall.ops import migrations
from tests.conftest import ENGINES, fresh_database_url, make_settings

PROBLEM = "application/problem+json"
NOT_READY = "urn:studyhall:problem:not-ready"


@asynccontextmanager
async def serving(url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client for an app on this database URL, whatever state the database is in."""
    app = create_app(make_settings(url), configure_logs=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://probe") as client,
    ):
        yield client


def assert_not_ready(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == NOT_READY
    assert body["status"] == 503
    assert reason in body["detail"]
    assert "Traceback" not in response.text


async def test_healthz_says_the_process_is_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


async def test_readyz_is_ok_when_the_schema_is_at_head(
    client: httpx.AsyncClient, db_url: str
) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ok",
        "version": __version__,
        "database": "sqlite" if db_url.startswith("sqlite") else "postgresql",
        "schema_revision": migrations.head_revision(),
        "schema_head": migrations.head_revision(),
    }


@pytest.mark.parametrize("engine", ENGINES)
async def test_readyz_is_503_until_the_schema_is_upgraded(engine: str, tmp_path: Path) -> None:
    url = await fresh_database_url(engine, tmp_path)
    async with serving(url) as client:
        assert_not_ready(await client.get("/readyz"), "run `studyhall migrate upgrade`")
        # Alive all the same: an orchestrator must not restart a process for a pending upgrade.
        assert (await client.get("/healthz")).status_code == 200

        await asyncio.to_thread(migrations.upgrade, url)
        # Ready as soon as the upgrade is done, without a restart.
        assert (await client.get("/readyz")).status_code == 200


async def test_readyz_is_503_when_postgresql_is_unreachable() -> None:
    # A port bound but never listened on refuses connections, and nobody else can take it
    # while the test holds it (a port merely found free could be taken meanwhile).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        url = f"postgresql+asyncpg://studyhall:pw@127.0.0.1:{port}/studyhall"
        async with serving(url) as client:
            response = await client.get("/readyz")
            assert_not_ready(response, "The database cannot be reached.")
            assert "pw" not in response.text
            assert (await client.get("/healthz")).status_code == 200


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's read-only /proc")
async def test_readyz_is_503_when_the_sqlite_file_cannot_be_opened() -> None:
    # /proc exists but no file can be made in it, not even by root.
    async with serving("sqlite+aiosqlite:////proc/studyhall.db") as client:
        assert_not_ready(await client.get("/readyz"), "The database cannot be reached.")
        assert (await client.get("/healthz")).status_code == 200
