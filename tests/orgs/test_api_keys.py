"""API keys: an organisation's credentials for machines, limited by scopes."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from studyhall.kit.clock import FrozenClock
from tests.factories import (
    Person,
    add_member,
    bearer,
    create_api_key,
    make_org,
    read_audit_log,
    sign_up,
)

KEYS = "/api/v1/orgs/lab/api-keys"


@pytest.fixture
async def owner(client: httpx.AsyncClient) -> Person:
    person = await sign_up(client, "owner")
    await make_org(client, person, slug="lab", name="Lab")
    return person


async def listed_keys(client: httpx.AsyncClient, owner: Person) -> dict[str, dict[str, object]]:
    response = await client.get(KEYS, headers=owner.auth)
    assert response.status_code == 200, response.text
    return {k["id"]: k for k in response.json()}


async def test_the_secret_is_shown_once_and_only_its_hash_is_kept(
    client: httpx.AsyncClient, owner: Person, app: FastAPI
) -> None:
    made = await create_api_key(
        client, "lab", owner, ["org:read", "members:read"], name="CI importer", expires_in_days=30
    )
    secret = made["secret"]
    assert secret.startswith("shk_")
    assert (made["name"], made["hint"], made["scopes"]) == (
        "CI importer",
        secret[:8],
        ["members:read", "org:read"],
    )
    assert made["expires_at"] == "2026-12-23T09:00:00Z"

    listing = await client.get(KEYS, headers=owner.auth)
    [key] = listing.json()
    assert "secret" not in key
    assert secret[8:] not in listing.text  # only the hint, never the rest
    async with app.state.db.unit_of_work(write=False) as session:
        [row] = (await session.execute(text("SELECT * FROM api_keys"))).mappings().all()
        audit = (await session.execute(text("SELECT * FROM audit_events"))).mappings().all()
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    for stored in [row, *audit]:
        assert not any(secret[8:] in str(value) for value in stored.values()), stored


async def test_a_key_can_do_what_its_scopes_allow_and_nothing_more(
    client: httpx.AsyncClient, owner: Person
) -> None:
    key = bearer((await create_api_key(client, "lab", owner, ["org:read"]))["secret"])
    read = await client.get("/api/v1/orgs/lab", headers=key)
    assert (read.status_code, read.json()["slug"]) == (200, "lab")
    for response in (
        await client.get("/api/v1/orgs/lab/members", headers=key),
        await client.patch("/api/v1/orgs/lab", json={"name": "X"}, headers=key),
        await client.get("/api/v1/orgs/lab/audit", headers=key),
    ):
        assert response.status_code == 403
        assert response.json()["type"] == "urn:studyhall:problem:forbidden"
    assert (await client.get("/api/v1/orgs/lab", headers=owner.auth)).json()["name"] == "Lab"

    wider = bearer((await create_api_key(client, "lab", owner, ["members:read"]))["secret"])
    members = await client.get("/api/v1/orgs/lab/members", headers=wider)
    assert [m["user_id"] for m in members.json()] == [owner.id]


async def test_a_key_cannot_be_given_the_right_to_make_keys(
    client: httpx.AsyncClient, owner: Person
) -> None:
    response = await client.post(
        KEYS, json={"name": "k", "scopes": ["org:read", "api_keys:manage"]}, headers=owner.auth
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.scopes"]
    assert "api_keys:manage" in response.json()["errors"][0]["message"]
    assert await listed_keys(client, owner) == {}


async def test_a_key_cannot_make_keys_nor_act_as_a_person(
    client: httpx.AsyncClient, owner: Person
) -> None:
    allowed = ["org:read", "org:update", "members:read", "audit:read"]
    key = bearer((await create_api_key(client, "lab", owner, allowed))["secret"])
    minted = await client.post(KEYS, json={"name": "child", "scopes": ["org:read"]}, headers=key)
    assert minted.status_code == 403
    assert (await client.get(KEYS, headers=key)).status_code == 403
    for path in ("/api/v1/me", "/api/v1/orgs"):
        assert (await client.get(path, headers=key)).status_code == 401, path
    # Nor can it bring in (or promote) the admin who would mint keys for it.
    crowned = await client.patch(
        f"/api/v1/orgs/lab/members/{owner.id}", json={"role": "admin"}, headers=key
    )
    assert crowned.status_code == 403
    invited = await client.post(
        "/api/v1/orgs/lab/invitations",
        headers=key,
        json={"email": "new-admin@example.com", "role": "admin"},
    )
    assert invited.status_code == 403
    assert len(await listed_keys(client, owner)) == 1


async def test_people_powers_are_not_given_to_keys(
    client: httpx.AsyncClient, owner: Person
) -> None:
    for scope in ("members:manage", "invitations:manage", "attempts:take", "api_keys:manage"):
        refused = await client.post(KEYS, json={"name": "k", "scopes": [scope]}, headers=owner.auth)
        assert refused.status_code == 422, scope
        assert refused.json()["errors"][0]["field"] == "body.scopes"


async def test_malformed_key_requests_are_422_naming_the_field(
    client: httpx.AsyncClient, owner: Person
) -> None:
    for body, field in [
        ({"name": "k", "scopes": []}, "body.scopes"),
        ({"name": "k", "scopes": ["root"]}, "body.scopes.0"),
        ({"name": "", "scopes": ["org:read"]}, "body.name"),
        ({"name": "k", "scopes": ["org:read"], "expires_in_days": 0}, "body.expires_in_days"),
    ]:
        response = await client.post(KEYS, json=body, headers=owner.auth)
        assert response.status_code == 422, body
        assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_a_revoked_key_stops_working_at_once(
    client: httpx.AsyncClient, owner: Person, clock: FrozenClock
) -> None:
    made = await create_api_key(client, "lab", owner, ["org:read"])
    assert (await client.get("/api/v1/orgs/lab", headers=bearer(made["secret"]))).status_code == 200
    clock.advance(timedelta(minutes=5))
    for _ in range(2):  # revoking twice is harmless
        gone = await client.delete(f"{KEYS}/{made['id']}", headers=owner.auth)
        assert gone.status_code == 204
    refused = await client.get("/api/v1/orgs/lab", headers=bearer(made["secret"]))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert (await listed_keys(client, owner))[made["id"]]["revoked_at"] == "2026-11-23T09:05:00Z"
    revocations = await read_audit_log(client, "lab", owner.auth, action="api_key.revoked")
    assert [e["target_id"] for e in revocations] == [made["id"]]


async def test_a_key_expires_after_its_days(
    client: httpx.AsyncClient, owner: Person, clock: FrozenClock
) -> None:
    made = await create_api_key(client, "lab", owner, ["org:read"], expires_in_days=1)
    key = bearer(made["secret"])
    clock.advance(timedelta(days=1) - timedelta(seconds=1))
    assert (await client.get("/api/v1/orgs/lab", headers=key)).status_code == 200
    clock.advance(timedelta(seconds=1))
    assert (await client.get("/api/v1/orgs/lab", headers=key)).status_code == 401


async def test_a_key_without_expiry_keeps_working(
    client: httpx.AsyncClient, owner: Person, clock: FrozenClock
) -> None:
    made = await create_api_key(client, "lab", owner, ["org:read"])
    assert made["expires_at"] is None
    clock.advance(timedelta(days=3650))
    assert (await client.get("/api/v1/orgs/lab", headers=bearer(made["secret"]))).status_code == 200


async def test_a_key_is_unknown_to_every_other_organisation(
    client: httpx.AsyncClient, owner: Person
) -> None:
    rival = await sign_up(client, "rival")
    await make_org(client, rival, slug="rival")
    key = bearer(
        (await create_api_key(client, "lab", owner, ["org:read", "members:read"]))["secret"]
    )
    for path in ("/api/v1/orgs/rival", "/api/v1/orgs/rival/members", "/api/v1/orgs/nowhere"):
        response = await client.get(path, headers=key)
        assert (response.status_code, response.json()["type"]) == (
            404,
            "urn:studyhall:problem:org-not-found",
        ), path


async def test_an_unknown_secret_is_401(client: httpx.AsyncClient, owner: Person) -> None:
    made = await create_api_key(client, "lab", owner, ["org:read"])
    forged = made["secret"][:-2] + ("xx" if not made["secret"].endswith("xx") else "yy")
    assert (await client.get("/api/v1/orgs/lab", headers=bearer(forged))).status_code == 401


async def test_last_used_is_recorded_at_most_once_a_minute(
    client: httpx.AsyncClient, owner: Person, clock: FrozenClock
) -> None:
    made = await create_api_key(client, "lab", owner, ["org:read", "org:update"])
    key = bearer(made["secret"])
    assert made["last_used_at"] is None

    async def last_used() -> object:
        return (await listed_keys(client, owner))[made["id"]]["last_used_at"]

    clock.advance(timedelta(minutes=10))  # 09:10
    assert (await client.get("/api/v1/orgs/lab", headers=key)).status_code == 200
    assert await last_used() == "2026-11-23T09:10:00Z"
    clock.advance(timedelta(seconds=59))
    assert (await client.get("/api/v1/orgs/lab", headers=key)).status_code == 200
    assert await last_used() == "2026-11-23T09:10:00Z"  # within the minute: not written
    clock.advance(timedelta(seconds=1))
    assert (await client.get("/api/v1/orgs/lab", headers=key)).status_code == 200
    assert await last_used() == "2026-11-23T09:11:00Z"
    clock.advance(timedelta(minutes=5))  # a write request records it as part of its own work
    renamed = await client.patch("/api/v1/orgs/lab", json={"name": "Lab 2"}, headers=key)
    assert renamed.status_code == 200
    assert await last_used() == "2026-11-23T09:16:00Z"


async def test_what_a_key_does_is_audited_as_the_key(
    client: httpx.AsyncClient, owner: Person
) -> None:
    made = await create_api_key(client, "lab", owner, ["org:update"])
    response = await client.patch(
        "/api/v1/orgs/lab", json={"name": "Robot Lab"}, headers=bearer(made["secret"])
    )
    assert response.status_code == 200
    [event] = await read_audit_log(client, "lab", owner.auth, action="org.updated")
    assert (event["actor_api_key_id"], event["actor_user_id"]) == (made["id"], None)
    assert event["summary"] == {"name": ["Lab", "Robot Lab"]}
    [created] = await read_audit_log(client, "lab", owner.auth, action="api_key.created")
    assert (created["actor_user_id"], created["target_id"]) == (owner.id, made["id"])
    assert created["summary"] == {"name": "robot", "scopes": ["org:update"]}


@pytest.mark.parametrize("role", ["author", "reviewer", "instructor", "learner"])
async def test_only_owners_and_admins_manage_keys(
    client: httpx.AsyncClient, owner: Person, role: str
) -> None:
    member = await sign_up(client)
    await add_member(client, "lab", owner, member, role)
    made = await create_api_key(client, "lab", owner, ["org:read"])
    attempts = [
        await client.post(KEYS, json={"name": "k", "scopes": ["org:read"]}, headers=member.auth),
        await client.get(KEYS, headers=member.auth),
        await client.delete(f"{KEYS}/{made['id']}", headers=member.auth),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403]
    assert (await listed_keys(client, owner))[made["id"]]["revoked_at"] is None


async def test_another_orgs_key_cannot_be_revoked_from_here(
    client: httpx.AsyncClient, owner: Person
) -> None:
    rival = await sign_up(client, "rival")
    await make_org(client, rival, slug="rival")
    theirs = await create_api_key(client, "rival", rival, ["org:read"])
    response = await client.delete(f"{KEYS}/{theirs['id']}", headers=owner.auth)
    assert response.status_code == 404
    still = await client.get("/api/v1/orgs/rival", headers=bearer(theirs["secret"]))
    assert still.status_code == 200


async def _admin_with_a_key(
    client: httpx.AsyncClient, owner: Person, scopes: list[str]
) -> tuple[Person, dict[str, object]]:
    admin = await sign_up(client, "keymaker")
    await add_member(client, "lab", owner, admin, "admin")
    key = await create_api_key(client, "lab", admin, scopes)
    return admin, key


async def test_a_key_shows_who_made_it(client: httpx.AsyncClient, owner: Person) -> None:
    admin, key = await _admin_with_a_key(client, owner, ["org:read"])
    assert key["created_by"] == admin.id
    assert (await listed_keys(client, owner))[str(key["id"])]["created_by"] == admin.id


async def test_a_key_stops_when_its_maker_leaves_the_organisation(
    client: httpx.AsyncClient, owner: Person
) -> None:
    admin, key = await _admin_with_a_key(client, owner, ["org:read", "questions:read"])
    headers = bearer(str(key["secret"]))
    assert (await client.get("/api/v1/orgs/lab", headers=headers)).status_code == 200
    removed = await client.delete(f"/api/v1/orgs/lab/members/{admin.id}", headers=owner.auth)
    assert removed.status_code == 204, removed.text
    for path in ("/api/v1/orgs/lab", "/api/v1/orgs/lab/questions"):
        refused = await client.get(path, headers=headers)
        assert refused.status_code == 401, refused.text
        assert "no longer a member" in refused.json()["detail"]


async def test_a_key_acts_with_no_more_than_its_makers_current_role(
    client: httpx.AsyncClient, owner: Person
) -> None:
    admin, key = await _admin_with_a_key(client, owner, ["org:read", "questions:read"])
    headers = bearer(str(key["secret"]))
    assert (await client.get("/api/v1/orgs/lab/questions", headers=headers)).status_code == 200
    demoted = await client.patch(
        f"/api/v1/orgs/lab/members/{admin.id}", json={"role": "learner"}, headers=owner.auth
    )
    assert demoted.status_code == 200, demoted.text
    # A learner may read the organisation but not its question bank; neither may the key now.
    assert (await client.get("/api/v1/orgs/lab", headers=headers)).status_code == 200
    refused = await client.get("/api/v1/orgs/lab/questions", headers=headers)
    assert refused.status_code == 403, refused.text
    promoted = await client.patch(
        f"/api/v1/orgs/lab/members/{admin.id}", json={"role": "reviewer"}, headers=owner.auth
    )
    assert promoted.status_code == 200, promoted.text
    assert (await client.get("/api/v1/orgs/lab/questions", headers=headers)).status_code == 200
