"""Webhook pages through plain HTTP, as an org admin uses them: register an endpoint (the
secret shown once and good for verifying), mistakes beside their fields, a test ping that a
real receiver gets, the delivery log with each try, sending a delivery again, turning the
endpoint off and on, replacing the secret, removing it; every change in the audit log; a
learner is refused."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from studyhall.jobs.worker import Worker
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form
from tests.webhooks.receiver import receiver

HOOKS = "/o/school/admin/webhooks"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"webhook_allow_private": True}  # the test receiver listens on 127.0.0.1


def secret_on(page: httpx.Response) -> str:
    found = re.search(r'id="webhook-secret">([^<]+)<', page.text)
    assert found, page.text[:500]
    return found.group(1)


async def register(client: httpx.AsyncClient, url: str, types: list[str]) -> httpx.Response:
    data: dict[str, Any] = {"url": url, "description": "CRM", "event_types": types}
    return await post_form(client, HOOKS, data)


async def test_register_ping_read_the_log_and_send_again(
    client: httpx.AsyncClient, school: School, app: Any
) -> None:
    await browser_sign_in(client, school.owner.email)
    with receiver() as hooks:
        made = await register(client, hooks.url, ["member.added", "webhook.ping"])
        assert made.status_code == 201, made.text
        secret = secret_on(made)
        listed = await client.get(HOOKS)
        assert hooks.url in listed.text
        assert secret not in listed.text  # shown once, never again
        link = re.search(rf'href="({HOOKS}/[0-9a-f-]+)"', listed.text)
        assert link
        endpoint = link.group(1)

        pinged = await post_form(client, f"{endpoint}/ping", {}, page=endpoint)
        assert pinged.status_code == 303
        await Worker(app.state.job_runtime, run_schedules=False).run_until_idle()
        (got,) = hooks.received
        assert Webhook(secret).verify(got.body, got.headers)["type"] == "webhook.ping"

        page = await client.get(pinged.headers["location"])
        assert "Test ping queued" in page.text
        assert "succeeded" in page.text
        assert "HTTP 204" in page.text
        delivery = re.search(rf'href="({endpoint}/deliveries/[0-9a-f-]+)"', page.text)
        assert delivery
        detail = await client.get(delivery.group(1))
        assert "webhook.ping" in detail.text
        assert "HTTP 204" in detail.text
        assert got.headers["webhook-id"] in detail.text

        again = await post_form(
            client, f"{delivery.group(1)}/redeliver", {}, page=delivery.group(1)
        )
        assert again.status_code == 303
        assert again.headers["location"] != delivery.group(1)  # a new delivery …
        await Worker(app.state.job_runtime, run_schedules=False).run_until_idle()
    assert len(hooks.received) == 2
    # … with the same webhook-id, so the receiver can tell it already has it.
    assert hooks.received[0].headers["webhook-id"] == hooks.received[1].headers["webhook-id"]
    failed_only = await client.get(f"{endpoint}?status=failed")
    assert "No deliveries with this status yet." in failed_only.text

    audit = await client.get("/o/school/admin/audit?action=webhook.")
    for action in ("webhook.created", "webhook.pinged", "webhook.redelivered"):
        assert action in audit.text


async def test_mistakes_are_shown_beside_their_fields(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.owner.email)
    nothing_chosen = await register(client, "https://example.com/in", [])
    assert nothing_chosen.status_code == 422
    assert 'id="event_types-error"' in nothing_chosen.text
    assert "Choose at least one event type." in nothing_chosen.text
    credentials = await register(client, "https://user:pw@example.com/in", ["*"])
    assert credentials.status_code == 422
    assert 'aria-describedby="url-error"' in credentials.text
    assert "credentials in the URL are not allowed" in credentials.text
    assert 'value="https://user:pw@example.com/in"' in credentials.text  # kept to correct
    # Both mistakes at once: the URL's is not held back until the event types are fixed.
    both = await register(client, "https://user:pw@example.com/in", [])
    assert both.status_code == 422
    assert "Choose at least one event type." in both.text
    assert "credentials in the URL are not allowed" in both.text
    assert 'aria-describedby="url-error"' in both.text


async def test_turn_off_and_on_replace_the_secret_change_and_remove(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.owner.email)
    made = await register(client, "https://example.com/in", ["*"])
    first = secret_on(made)
    endpoint = re.search(rf'href="({HOOKS}/[0-9a-f-]+)"', made.text)
    assert endpoint
    here = endpoint.group(1)

    off = await post_form(client, f"{here}/enabled", {"enabled": "false"}, page=here)
    page = await client.get(off.headers["location"])
    assert "Endpoint turned off" in page.text
    assert "Turn on again" in page.text
    on = await post_form(client, f"{here}/enabled", {"enabled": "true"}, page=here)
    assert "Turn off" in (await client.get(on.headers["location"])).text

    rotated = await post_form(client, f"{here}/rotate-secret", {}, page=here)
    assert rotated.status_code == 201
    assert secret_on(rotated) != first

    changed = await post_form(
        client, here,
        {"url": "https://example.com/other", "description": "", "event_types": ["member.added"]},
    )  # fmt: skip
    assert changed.status_code == 303
    page = await client.get(changed.headers["location"])
    assert "https://example.com/other" in page.text
    assert re.search(r'value="member.added" checked', page.text)

    removed = await post_form(client, f"{here}/remove", {}, page=here)
    assert removed.headers["location"] == f"{HOOKS}?removed=1"
    assert (await client.get(here)).status_code == 404
    audit = await client.get("/o/school/admin/audit?action=webhook.")
    for action in ("webhook.updated", "webhook.secret_rotated", "webhook.deleted"):
        assert action in audit.text


async def test_a_learner_may_not_manage_webhooks(client: httpx.AsyncClient, school: School) -> None:
    await browser_sign_in(client, school.learner.email)
    assert (await client.get(HOOKS)).status_code == 403
    members = await client.get("/o/school/admin/members")
    assert "/admin/webhooks" not in members.text
