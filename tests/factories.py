"""Readable ways to make the things tests need, through the public API."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

PASSWORD = "violet-harbour-42-lantern"
_counter = itertools.count(1)


@asynccontextmanager
async def running(url: str, **settings: object) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app on a database of its own (outside the shared `app` fixture), and a client."""
    from studyhall.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(url, **settings), configure_logs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield app, client
    await app.state.db.dispose()


async def org_with_a_webhook(url: str) -> None:
    """On the database at `url`: an organisation `acme` with one webhook endpoint, made
    through the API (so its signing secret is sealed under the tests' secret key)."""
    async with running(url) as (_, client):
        owner = await sign_up(client, "owner")
        await make_org(client, owner, slug="acme")
        made = await client.post(
            "/api/v1/orgs/acme/webhooks",
            json={"url": "https://hooks.example.com/in", "event_types": ["*"]},
            headers=owner.auth,
        )
        assert made.status_code == 201, made.text


@dataclass
class Person:
    email: str
    password: str
    token: str
    id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def sign_up(
    client: httpx.AsyncClient, name: str | None = None, password: str = PASSWORD
) -> Person:
    """Register and sign in a new person."""
    name = name or f"person{next(_counter)}"
    email = f"{name}@example.com"
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": password, "display_name": name.title()},
    )
    assert response.status_code == 202, response.text
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    # Login also sets the session cookie; drop it so each request says who it is explicitly.
    client.cookies.clear()
    body = login.json()
    return Person(email=email, password=password, token=body["token"], id=body["user"]["id"])


async def make_org(
    client: httpx.AsyncClient, owner: Person, slug: str | None = None, name: str | None = None
) -> dict[str, str]:
    slug = slug or f"org-{next(_counter)}"
    response = await client.post(
        "/api/v1/orgs", json={"slug": slug, "name": name or slug.title()}, headers=owner.auth
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def add_member(
    client: httpx.AsyncClient, org: str, admin: Person, person: Person, role: str
) -> None:
    """Invite `person` with `role` and have them accept."""
    invite = await client.post(
        f"/api/v1/orgs/{org}/invitations",
        json={"email": person.email, "role": role},
        headers=admin.auth,
    )
    assert invite.status_code == 201, invite.text
    accept = await client.post(
        "/api/v1/invitations/accept", json={"token": invite.json()["token"]}, headers=person.auth
    )
    assert accept.status_code == 200, accept.text


async def make_api_key(
    client: httpx.AsyncClient, org: str, admin: Person, scopes: list[str]
) -> str:
    response = await client.post(
        f"/api/v1/orgs/{org}/api-keys", json={"name": "robot", "scopes": scopes}, headers=admin.auth
    )
    assert response.status_code == 201, response.text
    return str(response.json()["secret"])


async def create_api_key(
    client: httpx.AsyncClient, org: str, admin: Person, scopes: list[str], **fields: object
) -> dict[str, Any]:
    """Create a key and return the whole answer (its id, and the secret shown this once)."""
    response = await client.post(
        f"/api/v1/orgs/{org}/api-keys",
        json={"name": "robot", "scopes": scopes, **fields},
        headers=admin.auth,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def read_audit_log(
    client: httpx.AsyncClient, org: str, headers: dict[str, str], **params: object
) -> list[dict[str, Any]]:
    """Every audit event of `org` matching `params`, newest first, following `next` links."""
    events: list[dict[str, Any]] = []
    url: str | None = f"/api/v1/orgs/{org}/audit"
    query: dict[str, Any] | None = {k: str(v) for k, v in params.items()}
    while url is not None:
        response = await client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        events.extend(response.json()["items"])
        url, query = response.json().get("next"), None  # the link keeps every filter
        assert len(events) < 10_000, "the next links never end"
    return events


def track_payload(slug: str = "spark", **overrides: object) -> dict[str, object]:
    """A valid track: two top-level topics (60/40), the first split in two (50/50)."""
    payload: dict[str, object] = {
        "slug": slug,
        "name": "Spark Associate (practice)",
        "exam_length": 10,
        "time_limit_minutes": 30,
        "passing_score": 70,
        "topics": [
            {"name": "Architecture", "weight": 60, "children": [
                {"name": "Cluster", "weight": 50}, {"name": "Execution", "weight": 50}]},
            {"name": "DataFrames", "weight": 40},
        ],
    }  # fmt: skip
    payload.update(overrides)
    return payload


async def make_track(
    client: httpx.AsyncClient, org: str, author: Person, **overrides: object
) -> dict[str, object]:
    """Create a track through the API; returns the track as the API shows it."""
    response = await client.post(
        f"/api/v1/orgs/{org}/tracks", json=track_payload(**overrides), headers=author.auth
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def leaf_topics(track: dict[str, object]) -> list[dict[str, object]]:
    """The track's leaf topics (where questions live), in order."""

    def leaves(nodes: list[dict[str, object]]) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for node in nodes:
            children = node["children"]
            assert isinstance(children, list)
            out += leaves(children) if children else [node]
        return out

    topics = track["topics"]
    assert isinstance(topics, list)
    return leaves(topics)


def choice_question(
    topic_id: str, stem: str = "Which one is right?", *, correct: str = "a"
) -> dict[str, object]:
    """A single-choice question whose right option is `correct` (of a, b, c)."""
    return {
        "stem": stem,
        "body": {"type": "single_choice", "shuffle": True, "options": [
            {"id": i, "text": f"Option {i.upper()}", "correct": i == correct,
             "feedback": f"Feedback for {i}"} for i in "abc"]},
        "explanation": f"Because {correct} is right.",
        "topic_id": topic_id,
        "tags": ["walk"],
    }  # fmt: skip


async def publish_question(
    client: httpx.AsyncClient,
    org: str,
    track_id: str,
    author: Person,
    reviewer: Person,
    content: dict[str, object],
) -> dict[str, object]:
    """Write a question as `author`, submit it, and have `reviewer` approve it."""
    made = await client.post(
        f"/api/v1/orgs/{org}/tracks/{track_id}/questions", json=content, headers=author.auth
    )
    assert made.status_code == 201, made.text
    question = dict(made.json())
    base = f"/api/v1/orgs/{org}/questions/{question['id']}"
    submitted = await client.post(f"{base}/submit", headers=author.auth)
    assert submitted.status_code == 200, submitted.text
    approved = await client.post(f"{base}/approve", headers=reviewer.auth)
    assert approved.status_code == 200, approved.text
    return dict(approved.json())


async def rename_org(client: httpx.AsyncClient, org: str, who: Person, name: str) -> None:
    """Rename `org` as `who`: one audited write (`org.updated`), handy for making events."""
    response = await client.patch(f"/api/v1/orgs/{org}", json={"name": name}, headers=who.auth)
    assert response.status_code == 200, response.text
