"""The baseline of bench/bench_exam.py: a bare Starlette endpoint doing one SQLite insert.

No framework beyond Starlette, no validation, no auth, no ORM: parse the JSON body, INSERT one
row (WAL, synchronous=NORMAL, as Studyhall runs SQLite) and commit. Started by the benchmark:

    python bench/bare_insert_app.py PORT DATABASE_FILE
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DATABASE = sys.argv[2] if len(sys.argv) > 2 else "bare.db"
connection: aiosqlite.Connection | None = None


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    global connection
    connection = await aiosqlite.connect(DATABASE)
    await connection.execute("PRAGMA journal_mode=WAL")
    await connection.execute("PRAGMA synchronous=NORMAL")
    await connection.execute(
        "CREATE TABLE IF NOT EXISTS answers (learner INTEGER, position INTEGER, answer TEXT, "
        "time_spent_ms INTEGER, PRIMARY KEY (learner, position))"
    )
    await connection.commit()
    yield
    await connection.close()


async def save(request: Request) -> JSONResponse:
    assert connection is not None
    body = await request.json()
    learner, position = int(request.path_params["learner"]), int(request.path_params["position"])
    await connection.execute(
        "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)",
        (learner, position, json.dumps(body["answer"]), body["time_spent_ms"]),
    )
    await connection.commit()
    return JSONResponse({"position": position})


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[Route("/bare/{learner}/{position}", save, methods=["PUT"]), Route("/healthz", healthz)],
    lifespan=lifespan,
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
