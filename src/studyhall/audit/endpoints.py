"""HTTP for the audit log (organisation admins)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from studyhall.audit import service
from studyhall.audit.schemas import AuditEventOut
from studyhall.kit.clock import DateTimeText
from studyhall.kit.errors import BadRequest, Forbidden, InvalidInput, NotFound, Unauthenticated
from studyhall.kit.errors import responses as problem_responses
from studyhall.kit.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    InvalidCursor,
    Page,
    decode_cursor,
    encode_cursor,
    next_link,
)
from studyhall.kit.transaction import TransactionalRoute
from studyhall.orgs.permissions import AuditReader

router = APIRouter(prefix="/api/v1", tags=["audit"], route_class=TransactionalRoute)


@router.get(
    "/orgs/{org}/audit",
    summary="The organisation's audit log",
    response_model=Page[AuditEventOut],
    responses=problem_responses(Unauthenticated, Forbidden, NotFound, InvalidInput, BadRequest),
)
async def list_audit_events(
    request: Request,
    caller: AuditReader,
    action: Annotated[
        str | None,
        Query(
            max_length=64,
            description=(
                "An action (`member.role_changed`), or a prefix ending in a dot (`member.`)."
            ),
        ),
    ] = None,
    actor: Annotated[UUID | None, Query(description="The acting user's id.")] = None,
    target_type: Annotated[str | None, Query(max_length=32)] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[DateTimeText | None, Query(description="From this time (inclusive).")] = None,
    until: Annotated[DateTimeText | None, Query(description="Before this time.")] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[AuditEventOut]:
    """Every write in the organisation, newest first: who, what, to what, from where, when."""
    secret = request.app.state.settings.secret_key
    before_id = None
    if cursor is not None:
        key = decode_cursor(secret, cursor)
        if len(key) != 1 or not isinstance(key[0], int):
            raise InvalidCursor()
        before_id = key[0]
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(errors=[(f"query.{name}", "give a time zone, e.g. `Z`")])
    rows = await service.list_events(
        caller.ctx,
        org_id=caller.org.id,
        before_id=before_id,
        limit=limit,
        action=action,
        actor_user_id=actor,
        target_type=target_type,
        target_id=target_id,
        since=since,
        until=until,
    )
    more = len(rows) > limit
    items = [AuditEventOut.model_validate(r) for r in rows[:limit]]
    next_cursor = encode_cursor(secret, [items[-1].id]) if more else None
    return Page[AuditEventOut](items=items, next=next_link(request.url, next_cursor))
