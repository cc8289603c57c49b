"""Webhook endpoints and deliveries (service): register, change, remove, test, redeliver,
and the event subscriber that turns each committed event into deliveries. Never commits."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import func

from studyhall.audit import service as audit
from studyhall.events import subscribe
from studyhall.events.models import OutboxEvent
from studyhall.events.service import pass_memo
from studyhall.events.types import ALL, EVENT_TYPES
from studyhall.jobs import queue
from studyhall.kit.context import Context
from studyhall.kit.errors import Conflict, InvalidInput, NotFound
from studyhall.kit.sealing import Unreadable
from studyhall.kit.tenancy import across_orgs, get_scoped, scoped
from studyhall.orgs.models import Org
from studyhall.webhooks import signing, ssrf
from studyhall.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

DELIVER = "webhooks.deliver"


class DeliveryPending(Conflict):
    slug = "delivery-pending"
    title = "This delivery is still being tried"


@dataclass(frozen=True)
class WithSecret:
    """An endpoint and its new signing secret, which only the response that made it shows:
    the row holds it sealed (kit/sealing.py)."""

    endpoint: WebhookEndpoint
    secret: str


def check_event_types(types: Sequence[str]) -> list[str]:
    wrong = [
        (f"body.event_types.{i}", f"unknown event type {t!r}")
        for i, t in enumerate(types)
        if t != ALL and t not in EVENT_TYPES
    ]
    if wrong:
        raise InvalidInput("Unknown event types; see docs/events.md.", errors=wrong)
    return sorted(set(types))


def check_url(url: str, *, allow_private: bool) -> str:
    try:
        ssrf.check_literal(url, allow_private=allow_private)
    except ssrf.UnsafeURL as exc:
        raise InvalidInput(
            f"This URL cannot receive webhooks: {exc}.", errors=[("body.url", str(exc))]
        ) from exc
    return url


async def create_endpoint(
    ctx: Context,
    org: Org,
    *,
    url: str,
    event_types: Sequence[str],
    description: str,
    allow_private: bool,
) -> WithSecret:
    now = ctx.now()
    newest = await ctx.session.scalar(
        across_orgs(OutboxEvent, reason="only the newest id, to start after it").with_only_columns(
            func.max(OutboxEvent.id)
        )
    )
    endpoint = WebhookEndpoint(
        org_id=org.id,
        since_event_id=newest or 0,
        url=check_url(url, allow_private=allow_private),
        description=description,
        event_types=check_event_types(event_types),
        secret="",
        enabled=True,
        failure_streak=0,
        created_by=ctx.user_id,
        created_at=now,
        updated_at=now,
    )
    secret = _new_secret(ctx, endpoint)
    ctx.session.add(endpoint)
    await ctx.session.flush()
    audit.record(
        ctx,
        "webhook.created",
        org_id=org.id,
        target_type="webhook",
        target_id=endpoint.id,
        summary={"url": url, "event_types": endpoint.event_types},
    )
    return WithSecret(endpoint, secret)


def _new_secret(ctx: Context, endpoint: WebhookEndpoint) -> str:
    secret = signing.new_secret()
    endpoint.secret = ctx.sealer().seal(secret)
    return secret


async def list_endpoints(ctx: Context, org: Org) -> Sequence[WebhookEndpoint]:
    query = scoped(WebhookEndpoint, org.id).order_by(WebhookEndpoint.created_at)
    return (await ctx.session.scalars(query)).all()


async def get_endpoint(ctx: Context, org: Org, endpoint_id: UUID) -> WebhookEndpoint:
    return await get_scoped(ctx.session, WebhookEndpoint, org.id, endpoint_id, what="webhook")


async def update_endpoint(
    ctx: Context, org: Org, endpoint_id: UUID, changes: dict[str, Any], *, allow_private: bool
) -> WebhookEndpoint:
    """Change url, event types, description or enabled; enabling again clears the failures."""
    endpoint = await get_endpoint(ctx, org, endpoint_id)
    if "url" in changes:
        check_url(changes["url"], allow_private=allow_private)
    if "event_types" in changes:
        changes["event_types"] = check_event_types(changes["event_types"])
    summary = {
        name: [getattr(endpoint, name), value]
        for name, value in changes.items()
        if getattr(endpoint, name) != value
    }
    for name, value in changes.items():
        setattr(endpoint, name, value)
    if changes.get("enabled") is True and "enabled" in summary:
        endpoint.failure_streak = 0
        endpoint.disabled_reason = None
    if summary:
        endpoint.updated_at = ctx.now()
        audit.record(
            ctx,
            "webhook.updated",
            org_id=org.id,
            target_type="webhook",
            target_id=endpoint.id,
            summary=summary,
        )
    return endpoint


async def rotate_secret(ctx: Context, org: Org, endpoint_id: UUID) -> WithSecret:
    endpoint = await get_endpoint(ctx, org, endpoint_id)
    secret = _new_secret(ctx, endpoint)
    endpoint.updated_at = ctx.now()
    audit.record(
        ctx, "webhook.secret_rotated", org_id=org.id, target_type="webhook", target_id=endpoint.id
    )
    return WithSecret(endpoint, secret)


_EVERY_ENDPOINT = "sealing looks after every organisation's webhook endpoints"


async def reseal_secrets(ctx: Context) -> int:
    """Seal again, under the current secret key, every signing secret stored plain (before
    sealing existed) or sealed under a previous key; returns how many. A secret no key opens
    is left as it is: its deliveries fail saying why (secret_states counts them)."""
    sealer = ctx.sealer()
    endpoints = await ctx.session.scalars(across_orgs(WebhookEndpoint, reason=_EVERY_ENDPOINT))
    resealed = 0
    for endpoint in endpoints.all():
        try:
            anew = sealer.sealed_anew(endpoint.secret)
        except Unreadable:
            continue
        if anew is None:
            continue
        endpoint.secret = anew
        resealed += 1
        audit.record(
            ctx,
            "webhook.secret_resealed",
            org_id=endpoint.org_id,
            target_type="webhook",
            target_id=endpoint.id,
        )
    return resealed


async def secret_states(ctx: Context) -> Counter[str]:
    """How many signing secrets are sealed under the current key (`current`), stored plain or
    under a previous key (`stale`), or open under no key this server has (`unreadable`)."""
    sealer = ctx.sealer()
    endpoints = await ctx.session.scalars(across_orgs(WebhookEndpoint, reason=_EVERY_ENDPOINT))
    states: Counter[str] = Counter(current=0, stale=0, unreadable=0)
    for endpoint in endpoints.all():
        try:
            states["current" if sealer.under_current_key(endpoint.secret) else "stale"] += 1
        except Unreadable:
            states["unreadable"] += 1
    return states


async def delete_endpoint(ctx: Context, org: Org, endpoint_id: UUID) -> None:
    endpoint = await get_endpoint(ctx, org, endpoint_id)
    await ctx.session.delete(endpoint)
    audit.record(
        ctx,
        "webhook.deleted",
        org_id=org.id,
        target_type="webhook",
        target_id=endpoint_id,
        summary={"url": endpoint.url},
    )


def body_of(event: OutboxEvent) -> dict[str, Any]:
    """The JSON a receiver gets (the Standard Webhooks payload shape)."""
    return {
        "type": event.type,
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": {
            **event.data,
            "event_id": event.id,
            "aggregate": {"type": event.aggregate_type, "id": event.aggregate_id},
        },
    }


def _queue_delivery(ctx: Context, delivery: WebhookDelivery, ordering_key: str | None) -> None:
    ctx.session.add(delivery)
    queue.enqueue(
        ctx,
        DELIVER,
        {"delivery_id": str(delivery.id), "org_id": str(delivery.org_id)},
        ordering_key=ordering_key,
    )


async def _enabled_endpoints(ctx: Context, org_id: UUID) -> Sequence[WebhookEndpoint]:
    """The organisation's enabled endpoints, read once per dispatch pass instead of once per
    event. Exact: the pass read its events before this, so an endpoint registered after this
    read has `since_event_id` at or past every event of the pass."""
    cache: dict[UUID, Sequence[WebhookEndpoint]] = pass_memo(ctx).setdefault(
        "webhooks.enabled_endpoints", {}
    )
    if org_id not in cache:
        query = scoped(WebhookEndpoint, org_id).where(WebhookEndpoint.enabled.is_(True))
        cache[org_id] = (await ctx.session.scalars(query)).all()
    return cache[org_id]


@subscribe
async def on_event(ctx: Context, event: OutboxEvent) -> None:
    """Fan an event out to the organisation's enabled endpoints that want its type.
    Deliveries of one aggregate to one endpoint are tried strictly in order."""
    if event.org_id is None:
        return
    for endpoint in await _enabled_endpoints(ctx, event.org_id):
        if endpoint.since_event_id >= event.id:
            continue  # registered after this event was raised
        if ALL not in endpoint.event_types and event.type not in endpoint.event_types:
            continue
        delivery = WebhookDelivery(
            id=uuid.uuid4(),
            org_id=event.org_id,
            endpoint_id=endpoint.id,
            message_id=f"msg_{event.id}",
            event_id=event.id,
            event_type=event.type,
            payload=body_of(event),
            status="pending",
            attempts=0,
            created_at=ctx.now(),
        )
        key = f"webhook:{endpoint.id}:{event.aggregate_type}:{event.aggregate_id}"
        _queue_delivery(ctx, delivery, key)


async def ping(ctx: Context, org: Org, endpoint_id: UUID) -> WebhookDelivery:
    """A test message to the endpoint, now (disabled endpoints too: to check a repair)."""
    endpoint = await get_endpoint(ctx, org, endpoint_id)
    now = ctx.now()
    delivery = WebhookDelivery(
        id=uuid.uuid4(),
        org_id=org.id,
        endpoint_id=endpoint.id,
        message_id=f"msg_ping_{uuid.uuid4().hex}",
        event_type="webhook.ping",
        payload={
            "type": "webhook.ping",
            "timestamp": now.isoformat().replace("+00:00", "Z"),
            "data": {"endpoint_id": str(endpoint.id)},
        },
        status="pending",
        attempts=0,
        created_at=now,
    )
    _queue_delivery(ctx, delivery, None)
    audit.record(ctx, "webhook.pinged", org_id=org.id, target_type="webhook", target_id=endpoint.id)
    return delivery


async def list_deliveries(
    ctx: Context, org: Org, endpoint_id: UUID, *, status: str | None, limit: int
) -> Sequence[WebhookDelivery]:
    """An endpoint's newest deliveries first."""
    await get_endpoint(ctx, org, endpoint_id)
    query = scoped(WebhookDelivery, org.id).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id).limit(limit)
    return (await ctx.session.scalars(query)).all()


async def get_delivery(
    ctx: Context, org: Org, endpoint_id: UUID, delivery_id: UUID
) -> tuple[WebhookDelivery, Sequence[WebhookAttempt]]:
    delivery = await get_scoped(ctx.session, WebhookDelivery, org.id, delivery_id, what="delivery")
    if delivery.endpoint_id != endpoint_id:
        raise NotFound("No such delivery.")
    tries = await ctx.session.scalars(
        scoped(WebhookAttempt, org.id)
        .where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.id)
    )
    return delivery, tries.all()


async def redeliver(
    ctx: Context, org: Org, endpoint_id: UUID, delivery_id: UUID
) -> WebhookDelivery:
    """Send a finished delivery again, as a new delivery with the same `webhook-id` (so a
    receiver that already has it can tell)."""
    old, _ = await get_delivery(ctx, org, endpoint_id, delivery_id)
    if old.status == "pending":
        raise DeliveryPending("Wait until it succeeds or fails before sending it again.")
    delivery = WebhookDelivery(
        id=uuid.uuid4(),
        org_id=org.id,
        endpoint_id=old.endpoint_id,
        message_id=old.message_id,
        event_id=old.event_id,
        event_type=old.event_type,
        payload=old.payload,
        status="pending",
        attempts=0,
        created_at=ctx.now(),
    )
    _queue_delivery(ctx, delivery, None)
    audit.record(
        ctx,
        "webhook.redelivered",
        org_id=org.id,
        target_type="webhook_delivery",
        target_id=old.id,
        summary={"new_delivery": str(delivery.id)},
    )
    return delivery
