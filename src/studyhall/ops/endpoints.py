"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from studyhall import __version__
from studyhall.accounts.permissions import PublicContext
from studyhall.kit.errors import ServiceUnavailable, responses
from studyhall.kit.transaction import TransactionalRoute
from studyhall.ops.migrations import current_revision, head_revision

router = APIRouter(tags=["operations"], route_class=TransactionalRoute)


class Health(BaseModel):
    status: str
    version: str


class Readiness(Health):
    database: str
    schema_revision: str | None
    schema_head: str | None


class NotReady(ServiceUnavailable):
    slug = "not-ready"
    title = "Not ready to serve"


@router.get("/healthz", summary="Alive", response_model=Health)
async def healthz(_: PublicContext) -> Health:
    """The process is up and answering. Says nothing about the database (see `/readyz`)."""
    return Health(status="ok", version=__version__)


@router.get(
    "/readyz", summary="Ready to serve", response_model=Readiness, responses=responses(NotReady)
)
async def readyz(request: Request, _: PublicContext) -> Readiness:
    """The database answers and its schema is at the newest migration."""
    engine = request.app.state.db.engine
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        revision = await current_revision(engine)
    except Exception as exc:  # any failure to reach the database means "not ready"
        raise NotReady("The database cannot be reached.") from exc
    head = head_revision()
    if revision != head:
        raise NotReady(
            f"The database schema is at {revision or 'nothing'}, not {head}; "
            "run `studyhall migrate upgrade`."
        )
    return Readiness(
        status="ok",
        version=__version__,
        database=request.app.state.db.dialect,
        schema_revision=revision,
        schema_head=head,
    )
