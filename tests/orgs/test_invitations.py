"""Invitations: a one-time link for one email address and one role, until it expires."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from studyhall.kit.clock import FrozenClock
from tests.factories import (
    Person,
    add_member,
    make_org,
    read_audit_log,
    sign_up,
)

UNUSABLE = "urn:studyhall:problem:invitation-unusable"


async def invite(
    client: httpx.AsyncClient,
    inviter: Person,
    email: str,
    role: str = "learner",
    org: str = "school",
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/orgs/{org}/invitations", json={"email": email, "role": role}, headers=inviter.auth
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def accept(client: httpx.AsyncClient, token: str, person: Person) -> httpx.Response:
    return await client.post(
        "/api/v1/invitations/accept", json={"token": token}, headers=person.auth
    )


async def preview(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/v1/invitations/preview", json={"token": token})


@pytest.fixture
async def owner(client: httpx.AsyncClient) -> Person:
    person = await sign_up(client, "headteacher")
    await make_org(client, person, slug="school", name="Riverside School")
    return person


async def test_an_invitee_previews_then_accepts_and_joins_with_the_role(
    client: httpx.AsyncClient, owner: Person
) -> None:
    pupil = await sign_up(client, "pupil")
    made = await invite(client, owner, pupil.email, role="author")
    assert made["token"].startswith("shi_")
    assert (made["email"], made["role"], made["accepted_at"], made["revoked_at"]) == (
        pupil.email,
        "author",
        None,
        None,
    )

    shown = await preview(client, made["token"])
    assert shown.status_code == 200
    assert shown.json() == {
        "org_slug": "school",
        "org_name": "Riverside School",
        "email": pupil.email,
        "role": "author",
        "expires_at": "2026-11-30T09:00:00Z",
    }

    joined = await accept(client, made["token"], pupil)
    assert joined.status_code == 200, joined.text
    assert (joined.json()["slug"], joined.json()["role"]) == ("school", "author")
    mine = await client.get("/api/v1/orgs", headers=pupil.auth)
    assert [(o["slug"], o["role"]) for o in mine.json()] == [("school", "author")]

    actions = [e["action"] for e in await read_audit_log(client, "school", owner.auth)]
    assert actions[:3] == ["invitation.accepted", "member.added", "invitation.created"]


async def test_the_link_carries_the_token_only_in_its_fragment(
    client: httpx.AsyncClient, owner: Person
) -> None:
    made = await invite(client, owner, "someone@example.com")
    url = urlsplit(made["accept_url"])
    assert url.fragment == made["token"]
    assert made["token"] not in url.path + url.query + url.netloc


async def test_the_token_is_stored_only_as_its_hash(
    client: httpx.AsyncClient, owner: Person, app: FastAPI
) -> None:
    made = await invite(client, owner, "someone@example.com")
    token = made["token"]
    async with app.state.db.unit_of_work() as session:
        rows = (await session.execute(text("SELECT * FROM invitations"))).mappings().all()
        audit = (await session.execute(text("SELECT * FROM audit_events"))).mappings().all()
    [row] = rows
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    secret_part = token.removeprefix("shi_")
    for stored in [*rows, *audit]:
        assert not any(secret_part in str(value) for value in stored.values()), stored
    listed = await client.get("/api/v1/orgs/school/invitations", headers=owner.auth)
    assert secret_part not in listed.text


async def test_pending_lists_only_unused_unrevoked_unexpired_invitations(
    client: httpx.AsyncClient, owner: Person, clock: FrozenClock
) -> None:
    await invite(client, owner, "old@example.com")
    clock.advance(timedelta(hours=100))
    joiner = await sign_up(client, "joiner")
    used = await invite(client, owner, joiner.email)
    revoked = await invite(client, owner, "revoked@example.com")
    pending = await invite(client, owner, "Pending@Example.com", role="reviewer")
    assert (await accept(client, used["token"], joiner)).status_code == 200
    gone = await client.delete(
        f"/api/v1/orgs/school/invitations/{revoked['id']}", headers=owner.auth
    )
    assert gone.status_code == 204
    clock.advance(timedelta(hours=70))  # the first invitation is now 170 hours old

    listed = await client.get("/api/v1/orgs/school/invitations", headers=owner.auth)
    assert listed.status_code == 200
    assert [(i["id"], i["email"], i["role"]) for i in listed.json()] == [
        (pending["id"], "pending@example.com", "reviewer")
    ]
    assert "token" not in listed.json()[0]


async def test_accepting_needs_a_signed_in_caller(client: httpx.AsyncClient, owner: Person) -> None:
    made = await invite(client, owner, "someone@example.com")
    client.cookies.clear()
    response = await client.post("/api/v1/invitations/accept", json={"token": made["token"]})
    assert response.status_code == 401
    assert (await preview(client, made["token"])).status_code == 200  # still unused


async def test_only_the_invited_address_may_accept(
    client: httpx.AsyncClient, owner: Person
) -> None:
    meant, other = await sign_up(client, "meant"), await sign_up(client, "other")
    made = await invite(client, owner, meant.email.upper())
    refused = await accept(client, made["token"], other)
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:studyhall:problem:invitation-other-email"
    assert (await client.get("/api/v1/orgs", headers=other.auth)).json() == []
    assert (await accept(client, made["token"], meant)).status_code == 200


async def test_an_invitation_expires_after_the_default_seven_days(
    client: httpx.AsyncClient, owner: Person, clock: FrozenClock
) -> None:
    pupil = await sign_up(client, "pupil")
    made = await invite(client, owner, pupil.email)
    assert made["expires_at"] == "2026-11-30T09:00:00Z"
    clock.advance(timedelta(hours=168) - timedelta(seconds=1))
    assert (await preview(client, made["token"])).status_code == 200
    clock.advance(timedelta(seconds=1))
    for response in (
        await preview(client, made["token"]),
        await accept(client, made["token"], pupil),
    ):
        assert (response.status_code, response.json()["type"]) == (409, UNUSABLE)
    assert (await client.get("/api/v1/orgs", headers=pupil.auth)).json() == []


class TestConfiguredLifetime:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"invitation_ttl_hours": 2}

    async def test_the_lifetime_follows_the_setting(
        self, client: httpx.AsyncClient, owner: Person, clock: FrozenClock
    ) -> None:
        made = await invite(client, owner, "quick@example.com")
        assert made["expires_at"] == "2026-11-23T11:00:00Z"
        clock.advance(timedelta(hours=2))
        assert (await preview(client, made["token"])).status_code == 409


async def test_an_invitation_works_once(client: httpx.AsyncClient, owner: Person) -> None:
    pupil = await sign_up(client, "pupil")
    made = await invite(client, owner, pupil.email)
    assert (await accept(client, made["token"], pupil)).status_code == 200
    for response in (
        await accept(client, made["token"], pupil),
        await preview(client, made["token"]),
    ):
        assert (response.status_code, response.json()["type"]) == (409, UNUSABLE)


async def test_a_revoked_invitation_cannot_be_used(
    client: httpx.AsyncClient, owner: Person
) -> None:
    pupil = await sign_up(client, "pupil")
    made = await invite(client, owner, pupil.email)
    url = f"/api/v1/orgs/school/invitations/{made['id']}"
    assert (await client.delete(url, headers=owner.auth)).status_code == 204
    assert (await client.delete(url, headers=owner.auth)).status_code == 204  # harmless twice
    response = await accept(client, made["token"], pupil)
    assert (response.status_code, response.json()["type"]) == (409, UNUSABLE)
    revocations = await read_audit_log(client, "school", owner.auth, action="invitation.revoked")
    assert [e["target_id"] for e in revocations] == [made["id"]]


async def test_an_unknown_token_is_404_and_a_malformed_one_422(
    client: httpx.AsyncClient, owner: Person
) -> None:
    pupil = await sign_up(client, "pupil")
    made = await invite(client, owner, pupil.email)
    forged = made["token"][:-4] + ("AAAA" if not made["token"].endswith("AAAA") else "BBBB")
    for response in (await preview(client, forged), await accept(client, forged, pupil)):
        assert response.status_code == 404
    short = await preview(client, "shi_x")
    assert short.status_code == 422
    assert [e["field"] for e in short.json()["errors"]] == ["body.token"]


async def test_only_owners_may_invite_an_owner(client: httpx.AsyncClient, owner: Person) -> None:
    admin, heir = await sign_up(client, "admin"), await sign_up(client, "heir")
    await add_member(client, "school", owner, admin, "admin")
    for headers in (admin.auth,):
        refused = await client.post(
            "/api/v1/orgs/school/invitations",
            json={"email": heir.email, "role": "owner"},
            headers=headers,
        )
        assert (refused.status_code, refused.json()["type"]) == (
            403,
            "urn:studyhall:problem:owners-only",
        )
    assert (await client.get("/api/v1/orgs/school/invitations", headers=owner.auth)).json() == []
    made = await invite(client, owner, heir.email, role="owner")
    assert (await accept(client, made["token"], heir)).json()["role"] == "owner"


async def test_admins_invite_other_roles_and_learners_cannot_invite(
    client: httpx.AsyncClient, owner: Person
) -> None:
    admin, learner = await sign_up(client, "admin"), await sign_up(client, "learner")
    await add_member(client, "school", owner, admin, "admin")
    await add_member(client, "school", owner, learner, "learner")
    assert (await invite(client, admin, "new@example.com", role="admin"))["role"] == "admin"
    refused = await client.post(
        "/api/v1/orgs/school/invitations", json={"email": "x@example.com"}, headers=learner.auth
    )
    assert refused.status_code == 403


async def test_accepting_while_already_a_member_is_409(
    client: httpx.AsyncClient, owner: Person
) -> None:
    made = await invite(client, owner, owner.email, role="learner")
    response = await accept(client, made["token"], owner)
    assert (response.status_code, response.json()["type"]) == (
        409,
        "urn:studyhall:problem:already-member",
    )
    members = await client.get("/api/v1/orgs/school/members", headers=owner.auth)
    assert [m["role"] for m in members.json()] == ["owner"]


async def test_another_orgs_invitation_cannot_be_revoked_from_here(
    client: httpx.AsyncClient, owner: Person
) -> None:
    rival = await sign_up(client, "rival")
    await make_org(client, rival, slug="rival")
    theirs = await invite(client, rival, "x@example.com", org="rival")
    response = await client.delete(
        f"/api/v1/orgs/school/invitations/{theirs['id']}", headers=owner.auth
    )
    assert response.status_code == 404
    assert (await preview(client, theirs["token"])).status_code == 200


async def test_accepting_twice_at_once_joins_once(client: httpx.AsyncClient, owner: Person) -> None:
    """Both requests may find the invitation unused before either commits; the second must
    still be a 409 (used, or already a member), never a 500 or a second membership."""
    pupil = await sign_up(client, "pupil")
    made = await invite(client, owner, pupil.email)
    responses = await asyncio.gather(*(accept(client, made["token"], pupil) for _ in range(2)))
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    refused = next(r for r in responses if r.status_code == 409).json()["type"]
    assert refused in {UNUSABLE, "urn:studyhall:problem:already-member"}
    members = await client.get("/api/v1/orgs/school/members", headers=owner.auth)
    assert sorted(m["role"] for m in members.json()) == ["learner", "owner"]
