"""The baseline for bench_auth.py: login and `/me` as bare Starlette endpoints.

Each endpoint sends SQLite the same statements, in the same transactions, as Studyhall's
`POST /api/v1/auth/login` and `GET /api/v1/me` (see `accounts/service.py` `login` and
`session_for_token`, `orgs/service.py` `memberships_of_user`), against the same database file
(its schema made by Studyhall's own migrations), through the same driver and pool
(SQLAlchemy async Core over aiosqlite, WAL, BEGIN IMMEDIATE for writers, deferred BEGIN for
readers) and with the same argon2id parameters. What it leaves out is what the benchmark
measures: FastAPI (routing, dependency injection, OpenAPI-typed parameters), pydantic
(request validation, response models), the ORM (identity map, unit of work, typed columns),
the middleware (request id, security headers, access log) and the problem handlers.

It is started by bench_auth.py; by hand:

    .venv/bin/python bench/bare_auth_app.py --db /path/to/studyhall.db --port 8001
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# Studyhall's defaults (config.py, accounts/service.py, accounts/permissions.py).
DEVELOPMENT_SECRET_KEY = "development-only-insecure-secret-key"
SESSION_TTL = timedelta(hours=24 * 14)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 30
TOUCH_INTERVAL = timedelta(minutes=5)
SESSION_COOKIE = "studyhall_session"
TOKEN_PREFIX = "shs"

# The statements Studyhall's ORM emits for these two requests (same columns, same filters).
THROTTLE_BY_ACCOUNT = text(
    "SELECT login_failures.created_at FROM login_failures "
    "WHERE login_failures.account_key = :key AND login_failures.created_at > :since "
    "ORDER BY login_failures.created_at DESC LIMIT :limit OFFSET 0"
)
THROTTLE_BY_ADDRESS = text(
    "SELECT login_failures.created_at FROM login_failures "
    "WHERE login_failures.client_ip = :ip AND login_failures.created_at > :since "
    "ORDER BY login_failures.created_at DESC LIMIT :limit OFFSET 0"
)
USER_BY_EMAIL = text(
    "SELECT users.id, users.email, users.display_name, users.password_hash, users.is_superuser, "
    "users.created_at, users.updated_at FROM users WHERE users.email = :email"
)
FORGIVE_FAILURES = text("DELETE FROM login_failures WHERE login_failures.account_key = :key")
INSERT_SESSION = text(
    "INSERT INTO auth_sessions (id, user_id, token_hash, created_at, expires_at, last_used_at) "
    "VALUES (:id, :user_id, :token_hash, :created_at, :expires_at, :last_used_at)"
)
INSERT_AUDIT = text(
    "INSERT INTO audit_events (org_id, actor_user_id, actor_api_key_id, action, target_type, "
    "target_id, client_ip, request_id, summary, created_at) VALUES (NULL, :actor, NULL, "
    "'auth.login', 'user', :target_id, :client_ip, :request_id, :summary, :created_at)"
)
SESSION_FOR_TOKEN = text(
    "SELECT auth_sessions.id, auth_sessions.user_id, auth_sessions.token_hash, "
    "auth_sessions.created_at, auth_sessions.expires_at, auth_sessions.last_used_at, "
    "users.id AS id_1, users.email, users.display_name, users.password_hash, "
    "users.is_superuser, users.created_at AS created_at_1, users.updated_at "
    "FROM auth_sessions JOIN users ON users.id = auth_sessions.user_id "
    "WHERE auth_sessions.token_hash = :token_hash AND auth_sessions.expires_at > :now"
)
TOUCH_SESSION = text("UPDATE auth_sessions SET last_used_at = :now WHERE auth_sessions.id = :id")
MEMBERSHIPS_OF_USER = text(
    "SELECT memberships.id, memberships.org_id, memberships.user_id, memberships.role, "
    "memberships.created_at, memberships.updated_at, orgs.id AS id_1, orgs.slug, orgs.name, "
    "orgs.created_at AS created_at_1, orgs.updated_at AS updated_at_1 "
    "FROM memberships JOIN orgs ON orgs.id = memberships.org_id "
    "WHERE memberships.user_id = :user_id ORDER BY orgs.name"
)

# SQLAlchemy's SQLite storage of Uuid (32 hex digits) and DateTime (naive UTC text).
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


def _to_db(when: datetime) -> str:
    return when.astimezone(UTC).strftime(_SQLITE_TIME)


def _from_db(value: str) -> datetime:
    return datetime.strptime(value, _SQLITE_TIME).replace(tzinfo=UTC)


def _uuid_text(value: str) -> str:
    return str(uuid.UUID(hex=value))


def _engine(path: str, begin: str) -> AsyncEngine:
    """An engine set up as Studyhall's `kit/db.py` sets up its SQLite engines."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def _problem(status: int, title: str) -> Response:
    return JSONResponse(
        {"title": title, "status": status},
        status_code=status,
        media_type="application/problem+json",
    )


def create_app(
    db_path: str,
    *,
    secret_key: str = DEVELOPMENT_SECRET_KEY,
    argon2_time_cost: int = 3,
    argon2_memory_kib: int = 65536,
    argon2_parallelism: int = 4,
) -> Starlette:
    writer = _engine(db_path, "BEGIN IMMEDIATE")
    reader = _engine(db_path, "BEGIN")
    hasher = PasswordHasher(
        time_cost=argon2_time_cost, memory_cost=argon2_memory_kib, parallelism=argon2_parallelism
    )
    dummy_hash = hasher.hash("not-a-real-password-for-timing")

    def verify(password_hash: str, password: str) -> bool:
        # Called on the event loop, as Studyhall's `passwords.verify_password` is.
        try:
            return hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def login(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            email, password = body["email"], body["password"]
        except (ValueError, KeyError, TypeError):
            return _problem(422, "The request is not valid")
        if not isinstance(email, str) or not isinstance(password, str) or not password:
            return _problem(422, "The request is not valid")
        email = email.strip().lower()
        account_key = hmac.new(secret_key.encode(), email.encode(), hashlib.sha256).hexdigest()
        client_ip = request.client.host if request.client else None
        async with writer.begin() as conn:
            since = _to_db(datetime.now(UTC) - THROTTLE_WINDOW)
            by_account = (
                await conn.execute(
                    THROTTLE_BY_ACCOUNT,
                    {"key": account_key, "since": since, "limit": MAX_FAILURES_PER_ACCOUNT},
                )
            ).all()
            by_address = (
                await conn.execute(
                    THROTTLE_BY_ADDRESS,
                    {"ip": client_ip, "since": since, "limit": MAX_FAILURES_PER_ADDRESS},
                )
            ).all()
            if (
                len(by_account) >= MAX_FAILURES_PER_ACCOUNT
                or len(by_address) >= MAX_FAILURES_PER_ADDRESS
            ):
                return _problem(429, "Too many failed sign-ins; wait before trying again")
            user = (await conn.execute(USER_BY_EMAIL, {"email": email})).first()
            if user is None:
                verify(dummy_hash, password)
            if user is None or not verify(user.password_hash, password):
                # The benchmark signs in correctly; Studyhall records a failure here.
                return _problem(401, "Email or password is wrong")
            hasher.check_needs_rehash(user.password_hash)
            await conn.execute(FORGIVE_FAILURES, {"key": account_key})
            token = f"{TOKEN_PREFIX}_{secrets.token_urlsafe(32)}"
            now = datetime.now(UTC)
            expires_at = now + SESSION_TTL
            session_id = uuid.uuid4()
            await conn.execute(
                INSERT_SESSION,
                {
                    "id": session_id.hex,
                    "user_id": user.id,
                    "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                    "created_at": _to_db(now),
                    "expires_at": _to_db(expires_at),
                    "last_used_at": _to_db(now),
                },
            )
            await conn.execute(
                INSERT_AUDIT,
                {
                    "actor": user.id,
                    "target_id": _uuid_text(user.id),
                    "client_ip": client_ip,
                    "request_id": uuid.uuid4().hex,
                    "summary": json.dumps({"session": str(session_id)}),
                    "created_at": _to_db(now),
                },
            )
        response = JSONResponse(
            {
                "token": token,
                "token_type": "bearer",
                "expires_at": expires_at.isoformat(),
                "user": {
                    "id": _uuid_text(user.id),
                    "email": user.email,
                    "display_name": user.display_name,
                    "created_at": _from_db(user.created_at).isoformat(),
                },
            }
        )
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(SESSION_TTL.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=False,
            path="/",
        )
        return response

    async def me(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX + "_"):
            return _problem(401, "Sign in, or send a valid `Authorization: Bearer` token.")
        now = datetime.now(UTC)
        async with reader.begin() as conn:
            found = (
                await conn.execute(
                    SESSION_FOR_TOKEN,
                    {"token_hash": hashlib.sha256(token.encode()).hexdigest(), "now": _to_db(now)},
                )
            ).first()
            if found is None:
                return _problem(401, "Sign in, or send a valid `Authorization: Bearer` token.")
            if now - _from_db(found.last_used_at) > TOUCH_INTERVAL:
                # Studyhall's bookkeeping write, in its own short unit of work (never during
                # the benchmark: its tokens are fresh).
                async with writer.begin() as touch:
                    await touch.execute(TOUCH_SESSION, {"now": _to_db(now), "id": found.id})
            memberships = (
                await conn.execute(MEMBERSHIPS_OF_USER, {"user_id": found.user_id})
            ).all()
        return JSONResponse(
            {
                "id": _uuid_text(found.user_id),
                "email": found.email,
                "display_name": found.display_name,
                "created_at": _from_db(found.created_at_1).isoformat(),
                "site_admin": bool(found.is_superuser),
                "memberships": [
                    {"org_slug": m.slug, "org_name": m.name, "role": m.role} for m in memberships
                ],
            }
        )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await writer.dispose()
        await reader.dispose()

    return Starlette(
        routes=[
            Route("/api/v1/auth/login", login, methods=["POST"]),
            Route("/api/v1/me", me, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--db", required=True, help="Studyhall's SQLite file (already migrated)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--secret-key", default=DEVELOPMENT_SECRET_KEY)
    args = parser.parse_args()
    app = create_app(args.db, secret_key=args.secret_key)
    # Uvicorn as `studyhall serve` runs it (uvloop and httptools when installed), minus logs.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
