"""Destructive admin forms ask before they act: removing a member, revoking an invitation or
an API key, removing a webhook endpoint or replacing its signing secret each carry the
question (`data-confirm`, asked by `js/app.js`), and stay plain POST forms with their CSRF
token, so they work without JavaScript (without the question)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form

ADMIN = "/o/school/admin"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"webhook_allow_private": True}  # the endpoint below is on 127.0.0.1


def form_for(page: str, action_ends: str) -> str:
    """The opening tag of the form whose action ends so."""
    found = re.search(rf'<form method="post" action="[^"]*{re.escape(action_ends)}"[^>]*>', page)
    assert found, f"no form posting to …{action_ends}"
    return found.group(0)


async def test_each_destructive_form_asks_first(client: httpx.AsyncClient, school: School) -> None:
    await browser_sign_in(client, school.owner.email)
    await post_form(client, f"{ADMIN}/invitations", {"email": "x@example.com", "role": "learner"})
    await post_form(client, f"{ADMIN}/api-keys", {"name": "ci", "scopes": "questions:read"})
    made = await post_form(
        client, f"{ADMIN}/webhooks",
        {"url": "http://127.0.0.1:9/in", "event_types": "member.added"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    hook = re.search(rf'href="({ADMIN}/webhooks/[0-9a-f-]+)"', made.text)
    assert hook

    members = (await client.get(f"{ADMIN}/members")).text
    learner = re.search(rf"{ADMIN}/members/([0-9a-f-]+)/remove", members)
    assert learner
    asked = {
        "member": (members, "/remove", "from Page School? They lose access at once."),
        "invitation": (
            (await client.get(f"{ADMIN}/invitations")).text, "/revoke",
            "Revoke the invitation for x@example.com?",
        ),
        "key": ((await client.get(f"{ADMIN}/api-keys")).text, "/revoke", "Revoke the key ci?"),
        "webhook": ((await client.get(hook.group(1))).text, "/remove", "Remove this endpoint"),
        "secret": (
            (await client.get(hook.group(1))).text, "/rotate-secret",
            "Replace the signing secret? The receiver must be given the new one",
        ),
    }  # fmt: skip
    for what, (page, action, question) in asked.items():
        tag = form_for(page, action)
        assert "data-confirm=" in tag, what
        assert question in tag, what
        assert "hx-" not in tag, what  # a plain form: a refusal shows as a page
    assert '<script src="/static/js/app.js' in members


async def test_without_javascript_the_form_still_acts(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.owner.email)
    members = (await client.get(f"{ADMIN}/members")).text
    removes = re.findall(rf"({ADMIN}/members/[0-9a-f-]+/remove)", members)
    removed = await post_form(client, removes[0], {}, page=f"{ADMIN}/members")
    assert removed.status_code == 303
    after = (await client.get(f"{ADMIN}/members")).text
    assert removes[0] not in after
