"""Headers that keep secrets out of caches and pages out of other sites' reach.

Secret-bearing API answers (a session token, a new API key, an invitation token, a webhook
signing secret) must never be stored by a browser or a proxy cache; production tells browsers
to use HTTPS only; pages give no powerful browser feature and no window handle to others.
"""

from __future__ import annotations

import httpx
import pytest

from tests.factories import PASSWORD, Person, make_org, sign_up


@pytest.fixture
async def owner(client: httpx.AsyncClient) -> Person:
    person = await sign_up(client, "owner")
    await make_org(client, person, slug="acme")
    return person


def _not_stored(response: httpx.Response) -> None:
    assert response.status_code < 300, response.text
    assert response.headers.get("cache-control") == "no-store", response.headers


async def test_secret_bearing_answers_are_never_stored(
    client: httpx.AsyncClient, owner: Person
) -> None:
    _not_stored(
        await client.post(
            "/api/v1/auth/register",
            json={"email": "new@example.com", "password": PASSWORD, "display_name": "New"},
        )
    )
    _not_stored(
        await client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    )
    _not_stored(
        await client.post(
            "/api/v1/orgs/acme/api-keys",
            json={"name": "ci", "scopes": ["org:read"]},
            headers=owner.auth,
        )
    )
    invitation = await client.post(
        "/api/v1/orgs/acme/invitations",
        json={"email": "invitee@example.com", "role": "learner"},
        headers=owner.auth,
    )
    _not_stored(invitation)
    _not_stored(
        await client.post("/api/v1/invitations/preview", json={"token": invitation.json()["token"]})
    )
    hook = await client.post(
        "/api/v1/orgs/acme/webhooks",
        json={"url": "https://hooks.example.com/in", "event_types": ["*"]},
        headers=owner.auth,
    )
    _not_stored(hook)
    _not_stored(
        await client.post(
            f"/api/v1/orgs/acme/webhooks/{hook.json()['id']}/rotate-secret", headers=owner.auth
        )
    )


async def test_pages_withhold_browser_features_and_their_window(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/sign-in")
    assert page.status_code == 200
    assert page.headers["cross-origin-opener-policy"] == "same-origin"
    policy = page.headers["permissions-policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
    assert "strict-transport-security" not in page.headers  # development serves plain HTTP


@pytest.mark.parametrize("settings_overrides", [{"env": "production"}])
async def test_production_asks_browsers_for_https_only(client: httpx.AsyncClient) -> None:
    for path in ("/sign-in", "/api/v1/openapi.json", "/healthz"):
        response = await client.get(path)
        hsts = response.headers["strict-transport-security"]
        assert hsts.startswith("max-age=")
        assert int(hsts.split("=")[1].split(";")[0]) >= 365 * 24 * 3600
