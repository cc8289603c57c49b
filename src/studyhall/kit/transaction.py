"""One transaction per request, committed before the response leaves.

`TransactionalRoute` wraps every API route: it opens the unit of work, runs dependencies and the
endpoint inside it, and commits before the response is sent, so an acknowledged write is a
committed one. Exceptions roll back, except problems marked `keep_writes` (a failed login is a
refusal whose record must survive). A constraint the database catches becomes a 409, and a
lock that outlasts the wait a retryable 503 — never a 500. Access rules read through the
request's lookup session (`lookup_context`): on SQLite, a read session apart from the write
transaction, so the write lock is held only while the service works (an endpoint marked
`looks_up_in_write`, a short write, saves that session). A read that finds something
it must write first (an attempt whose time ran out) raises `NeedsWriter`, and the request runs
again as a writer: reads never wait for the writer unless they have to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import object_session
from sqlalchemy.orm.attributes import set_committed_value

from studyhall.kit.context import Context
from studyhall.kit.errors import Conflict, Problem, TooManyRequests

E = TypeVar("E", bound=Callable[..., Any])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TransactionalRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        apart = getattr(self.endpoint, "writes_apart", False)
        joined = getattr(self.endpoint, "looks_up_in_write", False)

        async def run_in_transaction(request: Request) -> Response:
            write = request.method not in SAFE_METHODS and not apart
            try:
                return await _in_transaction(handler, request, write=write, joined=joined)
            except NeedsWriter:
                if write:
                    raise
                # A read found something it must write first (rare): the request runs again
                # from the start as a writer. Only safe methods get here, so that is safe.
                return await _in_transaction(handler, request, write=True, joined=joined)

        return run_in_transaction


class NeedsWriter(Exception):
    """Raised by a service reading in a read-only transaction that finds something it must
    write first (an attempt whose time ran out): the request is run again as a writer."""


async def _in_transaction(
    handler: Callable[[Request], Coroutine[Any, Any, Response]],
    request: Request,
    *,
    write: bool,
    joined: bool = False,
) -> Response:
    db = request.app.state.db
    request.state.context = None  # a run again must not reuse the first run's context
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context((db.sessions if write else db.read_sessions)())
        # Who is calling is looked up apart from the write transaction where SQLite has one
        # writer at a time, so the write lock is held only while the service works (see
        # Database.lookups_apart), unless the endpoint asks to look up in its write
        # (`looks_up_in_write`).
        split = write and db.lookups_apart and not joined
        request.state.read_session = (
            await stack.enter_async_context(db.lookup_sessions()) if split else session
        )
        request.state.session = session
        request.state.writes = write
        return await _run(handler, request, session)


async def _run(
    handler: Callable[[Request], Coroutine[Any, Any, Response]],
    request: Request,
    session: AsyncSession,
) -> Response:
    try:
        response = await handler(request)
    except Problem as problem:
        if problem.keep_writes:
            await session.commit()
        else:
            await session.rollback()
        raise
    except IntegrityError as exc:
        # A constraint caught mid-request (a flush) is a conflict, as at commit.
        await session.rollback()
        raise Conflict("The change conflicts with data that already exists.") from exc
    except OperationalError as exc:
        await session.rollback()
        if _contention(exc):
            raise Busy(retry_after=1) from exc
        raise
    except PoolTimeout as exc:  # queued for SQLite's writer longer than we wait
        await session.rollback()
        raise Busy(retry_after=1) from exc
    except BaseException:
        await session.rollback()
        raise
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict("The change conflicts with data that already exists.") from exc
    except OperationalError as exc:
        await session.rollback()
        if _contention(exc):
            raise Busy(retry_after=1) from exc
        raise
    return response


class Busy(TooManyRequests):
    """The database stayed busy longer than we wait (SQLite's busy timeout, or a PostgreSQL
    deadlock or serialization failure): nothing was written, and a retry is safe."""

    status = 503
    slug = "busy"
    title = "Busy; nothing was changed, try again shortly"


def _contention(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "deadlock" in text or "could not serialize" in text


def lookup_context(request: Request, ctx: Context) -> Context:
    """`ctx` reading through the request's lookup session (see TransactionalRoute): for
    access rules finding tokens, keys, organisations and roles. Rows read here are for
    reading; a service that changes one must load it in its own session first."""
    return dataclasses.replace(ctx, session=request.state.read_session)


def writes_apart(endpoint: E) -> E:
    """Mark a write endpoint that reads in the request's read transaction and writes in a
    short unit of work of its own (`write_unit`), so slow work between the two (checking a
    password: ~100 ms of argon2) does not hold SQLite's single write lock."""
    endpoint.writes_apart = True  # type: ignore[attr-defined]
    return endpoint


def looks_up_in_write(endpoint: E) -> E:
    """Mark a write endpoint whose caller lookup joins its write transaction instead of a
    lookup session of its own: for a short write with no slow work between the lookup and
    the write (an answer save), where the second session costs more than the write lock held
    a little longer (SQLite's one writer runs in the loop's thread either way)."""
    endpoint.looks_up_in_write = True  # type: ignore[attr-defined]
    return endpoint


@asynccontextmanager
async def write_unit(request: Request, ctx: Context) -> AsyncIterator[Context]:
    """A unit of work committed at the end of the block, as the same actor as `ctx`."""
    async with request.app.state.db.unit_of_work() as session:
        yield dataclasses.replace(ctx, session=session)


def client_ip(request: Request) -> str | None:
    """The caller's address, believing X-Forwarded-For only for the configured proxy hops."""
    hops: int = request.app.state.settings.trusted_proxy_hops
    if hops:
        forwarded = [
            p.strip() for p in request.headers.get("x-forwarded-for", "").split(",") if p.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.client.host if request.client else None


async def request_context(request: Request) -> Context:
    """The unit of work of this request as a service context (actor filled in by access rules)."""
    existing: Context | None = getattr(request.state, "context", None)
    if existing is not None:
        return existing
    session: AsyncSession = request.state.session
    state = request.app.state
    ctx = Context(
        session=session,
        clock=state.clock,
        request_id=str(request.scope.get("state", {}).get("request_id", "-")),
        client_ip=client_ip(request),
        secret_key=state.settings.secret_key,
        previous_secret_keys=tuple(state.settings.previous_secret_keys),
    )
    request.state.context = ctx
    return ctx


RequestContext = Annotated[Context, Depends(request_context)]


async def bookkeeping_write(request: Request, row: Any, **values: Any) -> None:
    """Set bookkeeping fields (a last-used time) of a row without making a read request a writer.

    A GET runs in a read transaction, so the write gets its own short unit of work and the
    loaded row is updated in memory only (a dirty row would be flushed into the read
    transaction). A write request already holds SQLite's write lock, where a second writer
    would wait on it forever, so there the change joins the request's own transaction.
    """
    if request.state.writes and object_session(row) is request.state.session.sync_session:
        for name, value in values.items():
            setattr(row, name, value)
        return
    async with request.app.state.db.unit_of_work() as session:
        fresh = await session.get(type(row), inspect(row).identity)
        for name, value in values.items():
            if fresh is not None:
                setattr(fresh, name, value)
            set_committed_value(row, name, value)
