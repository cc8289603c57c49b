"""The request boundary: contention becomes a clean, retryable 503, never a 500."""

from __future__ import annotations

import sqlite3

import httpx
from fastapi import FastAPI, Request
from sqlalchemy.exc import OperationalError

from studyhall.kit.transaction import TransactionalRoute, looks_up_in_write


async def test_a_lock_that_outlasts_the_wait_is_a_retryable_503(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def locked() -> None:
        raise OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))

    app.router.add_api_route("/test/locked", locked, methods=["POST"],
                             route_class_override=TransactionalRoute)  # fmt: skip
    response = await client.post("/test/locked")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"] == "urn:studyhall:problem:busy"


async def test_a_write_looks_up_its_caller_apart_unless_its_endpoint_joins_them(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """On a SQLite file a write request reads who is calling outside its write transaction
    (the write lock waits for nothing slow); an endpoint marked `looks_up_in_write` (an answer
    save) reads it inside, saving a session; on PostgreSQL there is one session either way."""

    async def apart(request: Request) -> dict[str, bool]:
        return {"same": request.state.read_session is request.state.session}

    @looks_up_in_write
    async def joined(request: Request) -> dict[str, bool]:
        return await apart(request)

    for path, endpoint in (("/test/apart", apart), ("/test/joined", joined)):
        app.router.add_api_route(path, endpoint, methods=["POST"],
                                 route_class_override=TransactionalRoute)  # fmt: skip
    assert (await client.post("/test/joined")).json()["same"] is True
    same_when_apart = (await client.post("/test/apart")).json()["same"]
    assert same_when_apart is (app.state.db.dialect != "sqlite")
