"""The delivery job: sign, POST, log the try; retry on a schedule of about a day; give up,
and disable an endpoint that keeps failing (with an audit record).

The HTTP call happens between two short units of work, so no transaction (and on SQLite no
write lock) is held while a receiver is slow.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from uuid import UUID

import httpx

from studyhall.audit import service as audit
from studyhall.jobs.registry import JobRun, RetryLater, task
from studyhall.kit.context import Context
from studyhall.kit.sealing import Unreadable
from studyhall.kit.tenancy import get_scoped, scoped
from studyhall.webhooks import signing, ssrf
from studyhall.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

# Seconds to wait after each failed try (the Standard Webhooks reference schedule): nine tries
# over about 27 hours, then the delivery has failed.
RETRY_DELAYS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
RESPONSE_SNIPPET = 200


@dataclass(frozen=True)
class Outcome:
    status: int | None
    latency_ms: float
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


async def _load(
    ctx: Context, org_id: UUID, delivery_id: UUID, *, lock: bool = False
) -> tuple[WebhookDelivery, WebhookEndpoint] | None:
    """The delivery (locked for the update that follows, when asked) and its endpoint, or
    None when the endpoint was removed (its deliveries went with it)."""
    query = scoped(WebhookDelivery, org_id).where(WebhookDelivery.id == delivery_id)
    delivery = await ctx.session.scalar(query.with_for_update() if lock else query)
    if delivery is None:
        return None
    endpoint = await get_scoped(
        ctx.session, WebhookEndpoint, org_id, delivery.endpoint_id, what="webhook"
    )
    return delivery, endpoint


@task("webhooks.deliver", priority=10, max_attempts=5, timeout=60)
async def deliver(run: JobRun) -> None:
    org_id, delivery_id = UUID(run.payload["org_id"]), UUID(run.payload["delivery_id"])
    settings = run.runtime.settings
    async with run.unit(write=False) as ctx:
        found = await _load(ctx, org_id, delivery_id)
        if found is None:
            return
        delivery, endpoint = found
        if delivery.status != "pending":
            return  # done by an earlier run of this job (at least once: not twice)
        ping = delivery.event_type == "webhook.ping"
        outcome: Outcome | None = None
        secret = ""
        if not endpoint.enabled and not ping:
            outcome = Outcome(None, 0.0, "the endpoint is disabled")
        else:
            try:
                secret = ctx.sealer().open(endpoint.secret)
            except Unreadable as exc:  # the secret key was replaced and the old one dropped
                outcome = Outcome(None, 0.0, f"the signing secret cannot be read: {exc}")
        url, message_id = endpoint.url, delivery.message_id
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    if outcome is None:
        outcome = await post(
            run, url, secret, message_id, body, allow_private=settings.webhook_allow_private
        )
    retry_in = await _record(run, org_id, delivery_id, outcome, final=not endpoint.enabled)
    if retry_in is not None:
        raise RetryLater(retry_in, outcome.error or f"HTTP {outcome.status}")


async def post(
    run: JobRun, url: str, secret: str, message_id: str, body: bytes, *, allow_private: bool
) -> Outcome:
    started = time.perf_counter()
    client = run.runtime.webhook_http
    try:
        ssrf.check_syntax(url)
        # The wall clock, not the injected one: receivers check this against their own clock
        # to refuse replays (the Standard Webhooks tolerance is five minutes).
        timestamp = int(time.time())
        headers = signing.headers(secret, message_id, timestamp, body)
        timeout = run.runtime.settings.webhook_timeout_seconds
        # The guard checks the address the connection is made to (ssrf.GuardedBackend).
        if client is not None:  # the worker's, made with the same settings
            response = await client.post(url, content=body, headers=headers, timeout=timeout)
        else:  # a job run outside a worker: a client of its own
            async with ssrf.guarded_client(allow_private=allow_private) as own:
                response = await own.post(url, content=body, headers=headers, timeout=timeout)
    except ssrf.UnsafeURL as exc:
        return Outcome(None, _ms(started), f"refused: {exc}")
    except httpx.HTTPError as exc:
        return Outcome(None, _ms(started), f"{type(exc).__name__}: {exc}"[:500])
    error = None if 200 <= response.status_code < 300 else response.text[:RESPONSE_SNIPPET]
    return Outcome(response.status_code, _ms(started), error)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


async def _record(
    run: JobRun, org_id: UUID, delivery_id: UUID, outcome: Outcome, *, final: bool
) -> float | None:
    """Log the try; returns the seconds until the next one, or None when the delivery is over."""
    async with run.unit() as ctx:
        found = await _load(ctx, org_id, delivery_id, lock=True)
        if found is None or found[0].status != "pending":
            return None
        delivery, endpoint = found
        now = ctx.now()
        ctx.session.add(
            WebhookAttempt(
                org_id=org_id,
                delivery_id=delivery.id,
                attempted_at=now,
                response_status=outcome.status,
                latency_ms=outcome.latency_ms,
                error=outcome.error,
            )
        )
        delivery.attempts += 1
        delivery.response_status = outcome.status
        delivery.latency_ms = outcome.latency_ms
        delivery.last_error = outcome.error
        if outcome.ok:
            delivery.status, delivery.finished_at = "succeeded", now
            if delivery.event_type != "webhook.ping":
                endpoint.failure_streak = 0
            await run.complete_in(ctx)
            return None
        if not final and delivery.attempts <= len(RETRY_DELAYS):
            return RETRY_DELAYS[delivery.attempts - 1] * random.uniform(0.8, 1.2)  # noqa: S311
        delivery.status, delivery.finished_at = "failed", now
        if delivery.event_type != "webhook.ping" and endpoint.enabled:
            endpoint.failure_streak += 1
            if endpoint.failure_streak >= run.runtime.settings.webhook_disable_after:
                _disable(ctx, endpoint)
        await run.complete_in(ctx)
        return None


def _disable(ctx: Context, endpoint: WebhookEndpoint) -> None:
    endpoint.enabled = False
    endpoint.disabled_reason = f"{endpoint.failure_streak} deliveries in a row failed"
    endpoint.updated_at = ctx.now()
    audit.record(
        ctx,
        "webhook.disabled",
        org_id=endpoint.org_id,
        target_type="webhook",
        target_id=endpoint.id,
        summary={"reason": endpoint.disabled_reason},
    )
