"""Every API route, as every kind of caller, answers as the permission table says.

The routes are read from the app itself: a route added later without an access rule, or
without an entry in `SAMPLES` below, fails this suite until someone decides who may call it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from studyhall.app import create_app
from studyhall.kit.access import AccessRule
from studyhall.orgs.roles import API_KEY_SCOPES, ROLE_PERMISSIONS, Permission, Role
from studyhall.web.access import PageRoute
from tests.conftest import empty_all_tables, make_settings
from tests.factories import PASSWORD, add_member, make_api_key, make_org, sign_up
from tests.walk import PLUGINS
from tests.walk.snapshot import Worlds
from tests.walk.world import FormBody, Sample, World

# Routes without access rules: the API's documentation, and the web app's static files.
DOCUMENTATION_ROUTES = {"/api/v1/openapi.json", "/api/v1/docs", "/static"}


def api_routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    """Every API route of the app, into included routers too (FastAPI keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from api_routes(included.routes)
        else:
            assert getattr(route, "path", None) in DOCUMENTATION_ROUTES, f"unknown route {route}"


ROUTES = list(
    api_routes(create_app(make_settings("sqlite+aiosqlite://"), configure_logs=False).routes)
)


def access_rules(dependant: Dependant) -> Iterator[AccessRule]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, AccessRule):
            yield dependency.call
        yield from access_rules(dependency)


def rule_of(route: APIRoute) -> str:
    rules = list(access_rules(route.dependant))
    assert len(rules) == 1, f"{route.path} declares {len(rules)} access rules"
    return rules[0].describe()


async def build_world(client: httpx.AsyncClient) -> World:
    owner = await sign_up(client, "owner")
    org = await make_org(client, owner, slug="home", name="Homestead Academy")
    members = {Role.OWNER: owner}
    for role in Role:
        if role is not Role.OWNER:
            members[role] = await sign_up(client, role.value)
            await add_member(client, "home", owner, members[role], role.value)
    target = await sign_up(client, "target")
    await add_member(client, "home", owner, target, "learner")
    invite = await client.post(
        "/api/v1/orgs/home/invitations",
        json={"email": "invitee@example.com", "role": "author"},
        headers=owner.auth,
    )
    key = await client.post(
        "/api/v1/orgs/home/api-keys",
        json={"name": "ci", "scopes": ["org:read"]},
        headers=owner.auth,
    )
    outsider = await sign_up(client, "outsider")
    away = await make_org(client, outsider, slug="away", name="Elsewhere Institute")
    world = World(
        client,
        org,
        members,
        target,
        invite.json()["id"],
        invite.json()["token"],
        key.json()["id"],
        outsider,
        away,
        secrets=[
            "Homestead Academy",
            *(p.email for p in members.values()),
            target.email,
            "invitee@example.com",
        ],
    )
    for plugin in PLUGINS:
        await plugin.extend(world)
    return world


# Built through the API once per database, then restored from its rows (tests/walk/snapshot.py).
WORLDS = Worlds(build_world)

SAMPLES: dict[tuple[str, str], Sample] = {
    ("GET", "/healthz"): lambda w: ({}, None),
    ("GET", "/readyz"): lambda w: ({}, None),
    ("POST", "/api/v1/auth/register"): lambda w: (
        {},
        {
            "email": f"new-{uuid.uuid4().hex[:6]}@example.com",
            "password": PASSWORD,
            "display_name": "New",
        },
    ),
    ("POST", "/api/v1/auth/login"): lambda w: ({}, {"email": w.target.email, "password": PASSWORD}),
    ("POST", "/api/v1/auth/logout"): lambda w: ({}, None),
    ("GET", "/api/v1/me"): lambda w: ({}, None),
    ("POST", "/api/v1/orgs"): lambda w: ({}, {"slug": f"o-{uuid.uuid4().hex[:6]}", "name": "O"}),
    ("GET", "/api/v1/orgs"): lambda w: ({}, None),
    ("GET", "/api/v1/orgs/{org}"): lambda w: ({}, None),
    ("PATCH", "/api/v1/orgs/{org}"): lambda w: ({}, {"name": "Renamed"}),
    ("GET", "/api/v1/orgs/{org}/members"): lambda w: ({}, None),
    ("PATCH", "/api/v1/orgs/{org}/members/{user_id}"): lambda w: (
        {"user_id": w.target.id},
        {"role": "instructor"},
    ),
    ("DELETE", "/api/v1/orgs/{org}/members/{user_id}"): lambda w: ({"user_id": w.target.id}, None),
    ("POST", "/api/v1/orgs/{org}/invitations"): lambda w: (
        {},
        {"email": "someone@example.com", "role": "learner"},
    ),
    ("GET", "/api/v1/orgs/{org}/invitations"): lambda w: ({}, None),
    ("DELETE", "/api/v1/orgs/{org}/invitations/{invitation_id}"): lambda w: (
        {"invitation_id": w.invitation_id},
        None,
    ),
    ("POST", "/api/v1/invitations/preview"): lambda w: ({}, {"token": w.invitation_token}),
    ("POST", "/api/v1/invitations/accept"): lambda w: ({}, {"token": w.invitation_token}),
    ("POST", "/api/v1/orgs/{org}/api-keys"): lambda w: (
        {},
        {"name": "robot", "scopes": ["org:read"]},
    ),
    ("GET", "/api/v1/orgs/{org}/api-keys"): lambda w: ({}, None),
    ("DELETE", "/api/v1/orgs/{org}/api-keys/{key_id}"): lambda w: ({"key_id": w.key_id}, None),
    ("GET", "/api/v1/orgs/{org}/audit"): lambda w: ({}, None),
}
# Who may call what, written out so that changing a route's rule is a visible decision here.
EXPECTED_RULES: dict[tuple[str, str], str] = {
    **{
        key: "public"
        for key in [
            ("GET", "/healthz"),
            ("GET", "/readyz"),
            ("POST", "/api/v1/auth/register"),
            ("POST", "/api/v1/auth/login"),
            ("POST", "/api/v1/invitations/preview"),
        ]
    },
    **{
        key: "signed-in"
        for key in [
            ("POST", "/api/v1/auth/logout"),
            ("GET", "/api/v1/me"),
            ("POST", "/api/v1/orgs"),
            ("GET", "/api/v1/orgs"),
            ("POST", "/api/v1/invitations/accept"),
        ]
    },
    ("GET", "/api/v1/orgs/{org}"): "org:org:read",
    ("PATCH", "/api/v1/orgs/{org}"): "org:org:update",
    ("GET", "/api/v1/orgs/{org}/members"): "org:members:read",
    ("PATCH", "/api/v1/orgs/{org}/members/{user_id}"): "org:members:manage",
    ("DELETE", "/api/v1/orgs/{org}/members/{user_id}"): "org:members:manage",
    ("POST", "/api/v1/orgs/{org}/invitations"): "org:invitations:manage",
    ("GET", "/api/v1/orgs/{org}/invitations"): "org:invitations:manage",
    ("DELETE", "/api/v1/orgs/{org}/invitations/{invitation_id}"): "org:invitations:manage",
    ("POST", "/api/v1/orgs/{org}/api-keys"): "org:api_keys:manage",
    ("GET", "/api/v1/orgs/{org}/api-keys"): "org:api_keys:manage",
    ("DELETE", "/api/v1/orgs/{org}/api-keys/{key_id}"): "org:api_keys:manage",
    ("GET", "/api/v1/orgs/{org}/audit"): "org:audit:read",
}
# A person may be allowed in and still be refused by the rules of the action itself.
ALLOWED_REFUSALS: dict[tuple[str, str], set[int]] = {
    # The invitation is for invitee@example.com; everyone else is told it is not theirs.
    ("POST", "/api/v1/invitations/accept"): {403},
}

for _plugin in PLUGINS:
    ALLOWED_REFUSALS.update(getattr(_plugin, "ALLOWED_REFUSALS", {}))
    for _key, (_rule, _sample) in _plugin.ENTRIES.items():
        assert _key not in SAMPLES, f"{_key} is sampled twice"
        SAMPLES[_key] = _sample
        EXPECTED_RULES[_key] = _rule

CALLERS = ["anonymous", "outsider", *[f"role:{r.value}" for r in Role], "key:org:read", "key:all"]
ENDPOINTS = [(m, r) for r in ROUTES for m in sorted(r.methods)]


def test_every_route_declares_one_access_rule_and_has_a_sample() -> None:
    assert len(ROUTES) >= len(SAMPLES), "the walk must see the app's routes"
    for route in ROUTES:
        for method in route.methods:
            assert (method, route.path) in SAMPLES, f"add {method} {route.path} to SAMPLES"
            assert rule_of(route) == EXPECTED_RULES[(method, route.path)], (method, route.path)


def test_every_role_and_permission_is_in_the_table() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert ROLE_PERMISSIONS[Role.OWNER] == frozenset(Permission)


async def _caller_headers(world: World, caller: str) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    if caller == "outsider":
        return world.outsider.auth
    if caller.startswith("role:"):
        return world.members[Role(caller.removeprefix("role:"))].auth
    scopes = ["org:read"] if caller == "key:org:read" else sorted(p.value for p in API_KEY_SCOPES)
    secret = await make_api_key(world.client, "home", world.members[Role.OWNER], scopes)
    return {"Authorization": f"Bearer {secret}"}


def _expected(rule: str, caller: str) -> str:
    """'ok', or the status the caller must get, from the rule and the permission table."""
    if rule == "public":
        return "ok"
    if caller == "anonymous":
        return "401"
    if rule == "signed-in":
        return "401" if caller.startswith("key:") else "ok"
    if rule == "instance-admin":  # no caller of the walk is a site administrator
        return "401" if caller.startswith("key:") else "403"
    assert rule.startswith("org:")
    permission = Permission(rule.removeprefix("org:"))
    if caller == "outsider":
        return "404"
    if caller.startswith("role:"):
        granted = ROLE_PERMISSIONS[Role(caller.removeprefix("role:"))]
    else:
        granted = frozenset({Permission.ORG_READ}) if caller == "key:org:read" else API_KEY_SCOPES
    return "ok" if permission in granted else "403"


def _payload(body: Any) -> dict[str, Any]:
    """A sample's body as request arguments: multipart when it carries `files` (an upload),
    else JSON."""
    if isinstance(body, FormBody):
        return {"data": dict(body)}
    files = getattr(body, "files", None)
    return {"files": files} if files is not None else {"json": body}


async def _answer(
    world: World, method: str, route: APIRoute, caller: str
) -> tuple[int, str | None]:
    """The status, and None if the caller got what the table says, else what went wrong."""
    params, body = SAMPLES[(method, route.path)](world)
    query = params.pop("?", "")  # a sample may carry a query string under the key "?"
    headers = await _caller_headers(world, caller)
    path = route.path.format(org="home", **params) + (f"?{query}" if query else "")
    response = await world.client.request(method, path, headers=headers, **_payload(body))
    expected = _expected(rule_of(route), caller)
    status = response.status_code
    if expected == "401" and isinstance(route, PageRoute):
        # A page sends whoever is not signed in (or calls with an API key) to the sign-in page.
        expected = "303"
        if status == 303 and not response.headers["location"].startswith("/sign-in?next="):
            return status, f"{caller}: redirected to {response.headers['location']}"
    if expected == "ok":
        allowed_refusals = ALLOWED_REFUSALS.get((method, route.path), set())
        if status >= 400 and status not in allowed_refusals:
            return status, f"{caller}: expected success, got {status} {response.text[:200]}"
    elif str(status) != expected:
        return status, f"{caller}: expected {expected}, got {status} {response.text[:200]}"
    if caller in ("outsider", "anonymous") and expected != "ok":
        leaked = [s for s in world.secrets if s in response.text]
        if leaked:
            return status, f"{caller}: the answer shows {leaked}"
    return status, None


@pytest.mark.parametrize(
    ("method", "route"), ENDPOINTS, ids=[f"{m} {r.path}" for m, r in ENDPOINTS]
)
async def test_route_answers_each_caller_as_the_permission_table_says(
    app: FastAPI, client: httpx.AsyncClient, method: str, route: APIRoute
) -> None:
    # A write that went through gets a fresh world before the next caller, so that one
    # caller's change (a removed member, a revoked key) cannot change the next one's answer.
    # Refused calls roll back, so the world they leave is the one they found. A fresh world
    # is the first build's rows written back (tests/walk/snapshot.py), not a second build.
    world = await WORLDS.fresh(app, client)
    wrong = []
    for caller in CALLERS:
        status, problem = await _answer(world, method, route, caller)
        if problem:
            wrong.append(problem)
        if method not in ("GET", "HEAD") and status < 400:
            await empty_all_tables(app)
            world = await WORLDS.fresh(app, client)
    assert not wrong, "\n".join(wrong)


OBJECT_ROUTES = [
    (m, r)
    for r in ROUTES
    for m in sorted(r.methods)
    if r.path.startswith(("/api/v1/orgs/{org}/", "/o/{org}/")) and r.path.count("{") > 1
]


@pytest.mark.parametrize(
    ("method", "route"), OBJECT_ROUTES, ids=[f"{m} {r.path}" for m, r in OBJECT_ROUTES]
)
async def test_another_orgs_objects_are_not_found_through_ones_own_org(
    app: FastAPI, client: httpx.AsyncClient, method: str, route: APIRoute
) -> None:
    """The outsider owns `away` and has every permission there; `home`'s ids still 404."""
    world = await WORLDS.fresh(app, client)
    params, body = SAMPLES[(method, route.path)](world)
    path = route.path.format(org="away", **params)
    response = await client.request(method, path, headers=world.outsider.auth, **_payload(body))
    assert response.status_code == 404, response.text
    for secret in world.secrets:
        assert secret not in response.text
