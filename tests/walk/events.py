"""Tenancy walk plugin: webhooks (org admins) and the job queue (site administrators only)."""

from __future__ import annotations

from studyhall.orgs.roles import Role
from tests.walk.world import Entries, World

HOOKS = "/api/v1/orgs/{org}/webhooks"
HOOK = HOOKS + "/{webhook_id}"
DELIVERY = HOOK + "/deliveries/{delivery_id}"
MANAGE = "org:webhooks:manage"
NEW_URL = "https://new-receiver.example.com/hooks"
SECRET_URL = "https://secret-receiver.example.com/hooks"


def _hook(w: World) -> dict[str, str]:
    return {"webhook_id": w.ids["webhook"]}


def _delivery(w: World) -> dict[str, str]:
    return {"webhook_id": w.ids["webhook"], "delivery_id": w.ids["delivery"]}


ENTRIES: Entries = {
    ("POST", HOOKS): (MANAGE, lambda w: ({}, {"url": NEW_URL, "event_types": ["*"]})),
    ("GET", HOOKS): (MANAGE, lambda w: ({}, None)),
    ("GET", HOOK): (MANAGE, lambda w: (_hook(w), None)),
    ("PATCH", HOOK): (MANAGE, lambda w: (_hook(w), {"description": "changed"})),
    ("DELETE", HOOK): (MANAGE, lambda w: (_hook(w), None)),
    ("POST", HOOK + "/rotate-secret"): (MANAGE, lambda w: (_hook(w), None)),
    ("POST", HOOK + "/ping"): (MANAGE, lambda w: (_hook(w), None)),
    ("GET", HOOK + "/deliveries"): (MANAGE, lambda w: (_hook(w), None)),
    ("GET", DELIVERY): (MANAGE, lambda w: (_delivery(w), None)),
    ("POST", DELIVERY + "/redeliver"): (MANAGE, lambda w: (_delivery(w), None)),
    ("GET", "/api/v1/admin/jobs/stats"): ("instance-admin", lambda w: ({}, None)),
    ("GET", "/api/v1/admin/jobs/dead-letters"): ("instance-admin", lambda w: ({}, None)),
    ("POST", "/api/v1/admin/jobs/dead-letters/{dead_letter_id}/requeue"): (
        "instance-admin", lambda w: ({"dead_letter_id": "1"}, None)),
}  # fmt: skip

# The walk's delivery is a ping nobody has sent yet: asking to send it again is refused.
ALLOWED_REFUSALS = {("POST", DELIVERY + "/redeliver"): {409}}


async def extend(world: World) -> None:
    """A webhook in `home` (its URL is a secret to outsiders) with one queued ping."""
    owner = world.members[Role.OWNER]
    made = await world.client.post(
        "/api/v1/orgs/home/webhooks",
        json={"url": SECRET_URL, "event_types": ["member.added"]},
        headers=owner.auth,
    )
    assert made.status_code == 201, made.text
    world.ids["webhook"] = made.json()["id"]
    ping = await world.client.post(
        f"/api/v1/orgs/home/webhooks/{world.ids['webhook']}/ping", headers=owner.auth
    )
    assert ping.status_code == 202, ping.text
    world.ids["delivery"] = ping.json()["id"]
    world.secrets.append(SECRET_URL)
