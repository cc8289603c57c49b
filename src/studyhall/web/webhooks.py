"""Webhook pages for org admins: register an endpoint (the signing secret shown once), change
it, turn it off and on, send a test ping, read the delivery log with each try, send a
finished delivery again, replace the secret, remove the endpoint. They call the webhooks
service, as the API does, so its rules (the SSRF guard, known event types, audit) hold."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from studyhall.events.types import ALL, EVENT_TYPES
from studyhall.kit.errors import InvalidInput
from studyhall.web.access import PageRoute, WebhooksPage, see_other
from studyhall.web.forms import field_errors, form_lists, form_of, problem_errors
from studyhall.web.rendering import render
from studyhall.webhooks import service
from studyhall.webhooks.models import WebhookEndpoint
from studyhall.webhooks.schemas import WebhookCreate

router = APIRouter(route_class=PageRoute, include_in_schema=False)
DELIVERIES_SHOWN = 50
DeliveryStatus = Literal["pending", "succeeded", "failed"]


def _allow_private(request: Request) -> bool:
    return bool(request.app.state.settings.webhook_allow_private)


def _base(caller: WebhooksPage) -> str:
    return f"/o/{caller.org.slug}/admin/webhooks"


def _fields(form: dict[str, list[str]]) -> dict[str, object]:
    """The form as the API's body: every type ticked, or `*` for all of them."""
    types = form.get("event_types", [])
    return {
        "url": (form.get("url") or [""])[-1],
        "description": (form.get("description") or [""])[-1],
        "event_types": [ALL] if ALL in types else types,
    }


async def _list_page(
    request: Request, caller: WebhooksPage, status: int = 200, **extra: object
) -> Response:
    endpoints = await service.list_endpoints(caller.ctx, caller.org)
    extra.setdefault("values", {"event_types": []})
    extra.setdefault("errors", {})
    return render(
        request, "admin/webhooks.html", status, endpoints=endpoints, event_types=EVENT_TYPES,
        all_types=ALL, **extra,
    )  # fmt: skip


@router.get("/o/{org}/admin/webhooks")
async def webhook_list(request: Request, caller: WebhooksPage) -> Response:
    return await _list_page(request, caller)


@router.post("/o/{org}/admin/webhooks")
async def register(request: Request, caller: WebhooksPage) -> Response:
    """The signing secret is on this page once; afterwards it can only be replaced."""
    fields = _fields(await form_lists(request))
    try:
        body = WebhookCreate.model_validate(fields)
        made = await service.create_endpoint(
            caller.ctx, caller.org, url=body.url, event_types=body.event_types,
            description=body.description, allow_private=_allow_private(request),
        )  # fmt: skip
    except ValidationError as exc:
        errors = field_errors(exc)
        if "event_types" in errors:
            errors["event_types"] = "Choose at least one event type."
        if "url" not in errors:  # every mistake at once, not the URL's on the next try
            try:
                service.check_url(str(fields.get("url", "")), allow_private=_allow_private(request))
            except InvalidInput as problem:
                errors.update(problem_errors(problem, "url"))
        return await _list_page(request, caller, 422, values=fields, errors=errors)
    except InvalidInput as problem:
        errors = problem_errors(problem, "url")
        return await _list_page(request, caller, 422, values=fields, errors=errors)
    return await _list_page(request, caller, 201, made=made.endpoint, secret=made.secret)


async def _endpoint_page(
    request: Request,
    caller: WebhooksPage,
    endpoint: WebhookEndpoint,
    status: int = 200,
    shown: DeliveryStatus | None = None,
    **extra: object,
) -> Response:
    deliveries = await service.list_deliveries(
        caller.ctx, caller.org, endpoint.id, status=shown, limit=DELIVERIES_SHOWN
    )
    extra.setdefault("errors", {})
    extra.setdefault(
        "values",
        {"url": endpoint.url, "description": endpoint.description,
         "event_types": endpoint.event_types},
    )  # fmt: skip
    return render(
        request, "admin/webhook.html", status, endpoint=endpoint, deliveries=deliveries,
        shown=shown, event_types=EVENT_TYPES, all_types=ALL,
        notice=request.query_params.get("done"), **extra,
    )  # fmt: skip


@router.get("/o/{org}/admin/webhooks/{webhook_id}")
async def endpoint_page(
    request: Request,
    webhook_id: UUID,
    caller: WebhooksPage,
    status: Annotated[DeliveryStatus | None, Query()] = None,
) -> Response:
    """The endpoint, its state, and its newest deliveries (optionally only one status)."""
    endpoint = await service.get_endpoint(caller.ctx, caller.org, webhook_id)
    return await _endpoint_page(request, caller, endpoint, shown=status)


@router.post("/o/{org}/admin/webhooks/{webhook_id}")
async def change(request: Request, webhook_id: UUID, caller: WebhooksPage) -> Response:
    """New URL, description or event types (each checked as on registering)."""
    fields = _fields(await form_lists(request))
    endpoint = await service.get_endpoint(caller.ctx, caller.org, webhook_id)
    try:
        body = WebhookCreate.model_validate(fields)
        await service.update_endpoint(
            caller.ctx, caller.org, webhook_id, body.model_dump(),
            allow_private=_allow_private(request),
        )  # fmt: skip
    except ValidationError as exc:
        errors = field_errors(exc)
        if "event_types" in errors:
            errors["event_types"] = "Choose at least one event type."
        return await _endpoint_page(request, caller, endpoint, 422, values=fields, errors=errors)
    except InvalidInput as problem:
        errors = problem_errors(problem, "url")
        return await _endpoint_page(request, caller, endpoint, 422, values=fields, errors=errors)
    return see_other(request, f"{_base(caller)}/{webhook_id}?done=saved")


@router.post("/o/{org}/admin/webhooks/{webhook_id}/enabled")
async def switch(request: Request, webhook_id: UUID, caller: WebhooksPage) -> Response:
    """Turn the endpoint off, or on again (which clears its count of failures)."""
    enabled = (await form_of(request)).get("enabled") == "true"
    await service.update_endpoint(
        caller.ctx, caller.org, webhook_id, {"enabled": enabled},
        allow_private=_allow_private(request),
    )  # fmt: skip
    done = "enabled" if enabled else "disabled"
    return see_other(request, f"{_base(caller)}/{webhook_id}?done={done}")


@router.post("/o/{org}/admin/webhooks/{webhook_id}/ping")
async def ping(request: Request, webhook_id: UUID, caller: WebhooksPage) -> Response:
    await service.ping(caller.ctx, caller.org, webhook_id)
    return see_other(request, f"{_base(caller)}/{webhook_id}?done=pinged")


@router.post("/o/{org}/admin/webhooks/{webhook_id}/rotate-secret")
async def rotate_secret(request: Request, webhook_id: UUID, caller: WebhooksPage) -> Response:
    """The new secret is on this page once."""
    rotated = await service.rotate_secret(caller.ctx, caller.org, webhook_id)
    return await _endpoint_page(request, caller, rotated.endpoint, 201, secret=rotated.secret)


@router.post("/o/{org}/admin/webhooks/{webhook_id}/remove")
async def remove(request: Request, webhook_id: UUID, caller: WebhooksPage) -> Response:
    await service.delete_endpoint(caller.ctx, caller.org, webhook_id)
    return see_other(request, f"{_base(caller)}?removed=1")


@router.get("/o/{org}/admin/webhooks/{webhook_id}/deliveries/{delivery_id}")
async def delivery_page(
    request: Request, webhook_id: UUID, delivery_id: UUID, caller: WebhooksPage
) -> Response:
    """One delivery: what was sent, and every try with its answer."""
    endpoint = await service.get_endpoint(caller.ctx, caller.org, webhook_id)
    delivery, tries = await service.get_delivery(caller.ctx, caller.org, webhook_id, delivery_id)
    return render(
        request, "admin/webhook_delivery.html", endpoint=endpoint, delivery=delivery,
        tries=tries, notice=request.query_params.get("done"),
    )  # fmt: skip


@router.post("/o/{org}/admin/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver")
async def redeliver(
    request: Request, webhook_id: UUID, delivery_id: UUID, caller: WebhooksPage
) -> Response:
    """A finished delivery goes again, as a new delivery with the same `webhook-id`; one
    still being tried is refused (the page says so)."""
    made = await service.redeliver(caller.ctx, caller.org, webhook_id, delivery_id)
    return see_other(request, f"{_base(caller)}/{webhook_id}/deliveries/{made.id}?done=sent")
