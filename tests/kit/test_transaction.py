"""The request boundary: contention becomes a clean, retryable 503, never a 500."""

from __future__ import annotations

import sqlite3

import httpx
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from studyhall.kit.transaction import TransactionalRoute


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
