"""HTTP for webhooks: endpoints, their deliveries, a test ping and redelivery (org admins)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from studyhall.kit.errors import Forbidden, InvalidInput, NotFound, Unauthenticated, responses
from studyhall.kit.pagination import MAX_LIMIT
from studyhall.kit.transaction import TransactionalRoute
from studyhall.orgs.permissions import OrgCaller, require
from studyhall.orgs.roles import Permission
from studyhall.webhooks import service
from studyhall.webhooks.models import WebhookDelivery
from studyhall.webhooks.schemas import (
    AttemptOut,
    DeliveryDetail,
    DeliveryOut,
    WebhookCreate,
    WebhookOut,
    WebhookUpdate,
    WebhookWithSecret,
)

router = APIRouter(prefix="/api/v1/orgs/{org}", tags=["webhooks"], route_class=TransactionalRoute)
WebhooksManager = Annotated[OrgCaller, require(Permission.WEBHOOKS_MANAGE)]
IN_ORG = (Unauthenticated, Forbidden, NotFound)


def _allow_private(request: Request) -> bool:
    return bool(request.app.state.settings.webhook_allow_private)


@router.post(
    "/webhooks",
    summary="Register a webhook endpoint",
    status_code=201,
    response_model=WebhookWithSecret,
    responses=responses(*IN_ORG, InvalidInput),
)
async def create_webhook(
    body: WebhookCreate, request: Request, caller: WebhooksManager
) -> WebhookWithSecret:
    """Events of the chosen types are POSTed to the URL, signed with the secret returned here
    (only here: keep it). Loopback and private addresses are refused unless the operator
    allows them."""
    made = await service.create_endpoint(
        caller.ctx,
        caller.org,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        allow_private=_allow_private(request),
    )
    return WebhookWithSecret.shown_once(made.endpoint, made.secret)


@router.get(
    "/webhooks",
    summary="List webhook endpoints",
    response_model=list[WebhookOut],
    responses=responses(*IN_ORG),
)
async def list_webhooks(caller: WebhooksManager) -> list[WebhookOut]:
    """The organisation's endpoints, oldest first (secrets are not shown)."""
    return [
        WebhookOut.model_validate(e) for e in await service.list_endpoints(caller.ctx, caller.org)
    ]


@router.get(
    "/webhooks/{webhook_id}",
    summary="A webhook endpoint",
    response_model=WebhookOut,
    responses=responses(*IN_ORG),
)
async def get_webhook(webhook_id: UUID, caller: WebhooksManager) -> WebhookOut:
    """One endpoint, with whether it is enabled and why not."""
    return WebhookOut.model_validate(await service.get_endpoint(caller.ctx, caller.org, webhook_id))


@router.patch(
    "/webhooks/{webhook_id}",
    summary="Change a webhook endpoint",
    response_model=WebhookOut,
    responses=responses(*IN_ORG, InvalidInput),
)
async def update_webhook(
    webhook_id: UUID, body: WebhookUpdate, request: Request, caller: WebhooksManager
) -> WebhookOut:
    """Change the URL, event types or description; `enabled: true` turns a disabled endpoint
    back on and clears its failure count."""
    changes = body.model_dump(exclude_unset=True)
    nulls = [f"body.{name}" for name, value in changes.items() if value is None]
    if nulls:
        raise InvalidInput(
            "These fields cannot be null.", errors=[(n, "give a value") for n in nulls]
        )
    endpoint = await service.update_endpoint(
        caller.ctx, caller.org, webhook_id, changes, allow_private=_allow_private(request)
    )
    return WebhookOut.model_validate(endpoint)


@router.delete(
    "/webhooks/{webhook_id}",
    summary="Remove a webhook endpoint",
    status_code=204,
    responses=responses(*IN_ORG),
)
async def delete_webhook(webhook_id: UUID, caller: WebhooksManager) -> Response:
    """The endpoint and its delivery log are removed; pending deliveries are dropped."""
    await service.delete_endpoint(caller.ctx, caller.org, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    summary="Replace the signing secret",
    response_model=WebhookWithSecret,
    responses=responses(*IN_ORG),
)
async def rotate_webhook_secret(webhook_id: UUID, caller: WebhooksManager) -> WebhookWithSecret:
    """A new secret signs every delivery from now on (tries already queued too)."""
    rotated = await service.rotate_secret(caller.ctx, caller.org, webhook_id)
    return WebhookWithSecret.shown_once(rotated.endpoint, rotated.secret)


@router.post(
    "/webhooks/{webhook_id}/ping",
    summary="Send a test ping",
    status_code=202,
    response_model=DeliveryOut,
    responses=responses(*IN_ORG),
)
async def ping_webhook(webhook_id: UUID, caller: WebhooksManager) -> DeliveryOut:
    """Queue a signed `webhook.ping` to the endpoint; follow it in its deliveries."""
    return DeliveryOut.model_validate(await service.ping(caller.ctx, caller.org, webhook_id))


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    summary="The delivery log",
    response_model=list[DeliveryOut],
    responses=responses(*IN_ORG),
)
async def list_deliveries(
    webhook_id: UUID,
    caller: WebhooksManager,
    delivery_status: Annotated[
        Literal["pending", "succeeded", "failed"] | None, Query(alias="status")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> list[DeliveryOut]:
    """The newest deliveries: status, tries, last response code and latency."""
    rows = await service.list_deliveries(
        caller.ctx, caller.org, webhook_id, status=delivery_status, limit=limit
    )
    return [DeliveryOut.model_validate(r) for r in rows]


@router.get(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}",
    summary="One delivery",
    response_model=DeliveryDetail,
    responses=responses(*IN_ORG),
)
async def get_delivery(
    webhook_id: UUID, delivery_id: UUID, caller: WebhooksManager
) -> DeliveryDetail:
    """The delivery with its body and every try (time, response code, latency, error)."""
    delivery, tries = await service.get_delivery(caller.ctx, caller.org, webhook_id, delivery_id)
    return _detail(delivery, [AttemptOut.model_validate(t) for t in tries])


def _detail(delivery: WebhookDelivery, tries: list[AttemptOut]) -> DeliveryDetail:
    base = DeliveryOut.model_validate(delivery).model_dump()
    return DeliveryDetail(**base, payload=delivery.payload, tries=tries)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    summary="Send a delivery again",
    status_code=202,
    response_model=DeliveryOut,
    responses=responses(*IN_ORG, service.DeliveryPending),
)
async def redeliver(webhook_id: UUID, delivery_id: UUID, caller: WebhooksManager) -> DeliveryOut:
    """A finished delivery (succeeded or failed) is sent again as a new delivery with the
    same `webhook-id`."""
    delivery = await service.redeliver(caller.ctx, caller.org, webhook_id, delivery_id)
    return DeliveryOut.model_validate(delivery)
