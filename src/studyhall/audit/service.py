"""Writing and reading the audit log. Services call `record` inside their own unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from studyhall.audit.models import AuditEvent
from studyhall.kit.context import Context
from studyhall.kit.tenancy import scoped


def record(
    ctx: Context,
    action: str,
    *,
    org_id: UUID | None = None,
    target_type: str | None = None,
    target_id: UUID | str | None = None,
    summary: dict[str, Any] | None = None,
    actor_user_id: UUID | None = None,
) -> AuditEvent:
    """Add an audit record to the caller's transaction: it commits or rolls back with the change.

    `summary` says what changed (field: [old, new], names, roles); never secrets or passwords.
    """
    event = AuditEvent(
        org_id=org_id,
        actor_user_id=actor_user_id or ctx.user_id,
        actor_api_key_id=ctx.api_key_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        client_ip=ctx.client_ip,
        request_id=ctx.request_id,
        summary=summary or {},
        created_at=ctx.now(),
    )
    ctx.session.add(event)
    return event


async def list_events(
    ctx: Context,
    *,
    org_id: UUID,
    before_id: int | None,
    limit: int,
    action: str | None = None,
    action_prefix: bool = False,
    actor_user_id: UUID | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Sequence[AuditEvent]:
    """An organisation's events, newest first; `limit + 1` rows tell the caller more exist.

    `action` is an exact name, or a prefix when it ends with a dot; with `action_prefix` any
    start of a name (`member` finds `member.added`), as a person types it in the log's filter.
    """
    query = scoped(AuditEvent, org_id)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    if action is not None:
        # `member.` matches every member action; an exact name matches itself.
        query = query.where(
            AuditEvent.action.startswith(action, autoescape=True)
            if action.endswith(".") or action_prefix
            else AuditEvent.action == action
        )
    if actor_user_id is not None:
        query = query.where(AuditEvent.actor_user_id == actor_user_id)
    if target_type is not None:
        query = query.where(AuditEvent.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEvent.target_id == target_id)
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if until is not None:
        query = query.where(AuditEvent.created_at < until)
    result = await ctx.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1))
    return result.all()
