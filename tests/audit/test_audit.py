"""The audit log: every write leaves one record, in its own transaction; admins read it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.factories import (
    Person,
    add_member,
    bearer,
    create_api_key,
    make_org,
    read_audit_log,
    rename_org,
    sign_up,
)

CLIENT_IP = "203.0.113.7"  # the test client's address (tests/conftest.py)
AUDIT = "/api/v1/orgs/{}/audit"


async def stored_events(app: FastAPI, **where: str) -> list[dict[str, Any]]:
    """Audit rows straight from the database, oldest first (this sees rows with no org too)."""
    clause = " AND ".join(f"{column} = :{column}" for column in where) or "1 = 1"
    async with app.state.db.unit_of_work(write=False) as session:
        query = text(f"SELECT * FROM audit_events WHERE {clause} ORDER BY id")  # noqa: S608
        rows = [dict(row) for row in (await session.execute(query, where)).mappings()]
    for row in rows:  # a JSON column read without its ORM type comes back as text
        if isinstance(row["summary"], str):
            row["summary"] = json.loads(row["summary"])
    return rows


def as_uuid(value: object) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(str(value))


async def test_a_write_records_actor_org_action_target_time_address_and_summary(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    ada = await sign_up(client, "ada")
    response = await client.post(
        "/api/v1/orgs",
        json={"slug": "lab", "name": "Lab"},
        headers={**ada.auth, "X-Request-ID": "req-create-lab-0001"},
    )
    org_id = response.json()["id"]
    [event] = await read_audit_log(client, "lab", ada.auth, action="org.created")
    assert {k: v for k, v in event.items() if k != "id"} == {
        "action": "org.created",
        "actor_user_id": ada.id,
        "actor_api_key_id": None,
        "target_type": "org",
        "target_id": org_id,
        "client_ip": CLIENT_IP,
        "request_id": "req-create-lab-0001",
        "summary": {"slug": "lab", "name": "Lab"},
        "created_at": "2026-11-23T09:00:00Z",
    }
    [row] = await stored_events(app, action="org.created")
    assert as_uuid(row["org_id"]) == uuid.UUID(org_id)


async def test_every_kind_of_write_is_audited_with_who_and_where(
    client: httpx.AsyncClient,
) -> None:
    owner, ben = await sign_up(client, "owner"), await sign_up(client, "ben")
    await make_org(client, owner, slug="lab")
    await rename_org(client, "lab", owner, "Laboratory")
    await add_member(client, "lab", owner, ben, "learner")  # invitation + acceptance
    await client.patch(
        f"/api/v1/orgs/lab/members/{ben.id}", json={"role": "author"}, headers=owner.auth
    )
    stale = await client.post(
        "/api/v1/orgs/lab/invitations", json={"email": "x@example.com"}, headers=owner.auth
    )
    await client.delete(f"/api/v1/orgs/lab/invitations/{stale.json()['id']}", headers=owner.auth)
    key = await create_api_key(client, "lab", owner, ["org:read"])
    await client.delete(f"/api/v1/orgs/lab/api-keys/{key['id']}", headers=owner.auth)
    await client.delete(f"/api/v1/orgs/lab/members/{ben.id}", headers=owner.auth)

    events = await read_audit_log(client, "lab", owner.auth)
    assert [e["action"] for e in reversed(events)] == [
        "org.created",
        "member.added",
        "org.updated",
        "invitation.created",
        "member.added",
        "invitation.accepted",
        "member.role_changed",
        "invitation.created",
        "invitation.revoked",
        "api_key.created",
        "api_key.revoked",
        "member.removed",
    ]
    for event in events:
        assert event["client_ip"] == CLIENT_IP
        assert event["request_id"]
        assert event["actor_user_id"] in {owner.id, ben.id}
        assert event["target_type"]
        assert event["target_id"]


async def test_a_refused_request_leaves_no_audit_record(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner, admin = await sign_up(client), await sign_up(client)
    await make_org(client, owner, slug="lab")
    await add_member(client, "lab", owner, admin, "admin")
    before = await stored_events(app)
    refusals = [
        await client.patch(
            f"/api/v1/orgs/lab/members/{owner.id}", json={"role": "admin"}, headers=owner.auth
        ),  # last owner
        await client.delete(f"/api/v1/orgs/lab/members/{owner.id}", headers=owner.auth),
        await client.patch(
            f"/api/v1/orgs/lab/members/{owner.id}", json={"role": "learner"}, headers=admin.auth
        ),  # owners only
        await client.post(
            "/api/v1/orgs/lab/api-keys",
            json={"name": "k", "scopes": ["api_keys:manage"]},
            headers=owner.auth,
        ),
        await client.post(
            "/api/v1/orgs", json={"slug": "lab", "name": "Again"}, headers=admin.auth
        ),
    ]
    assert [r.status_code for r in refusals] == [409, 409, 403, 422, 409]
    assert await stored_events(app) == before
    assert await read_audit_log(client, "lab", owner.auth, action="member.role_changed") == []


async def test_failed_logins_are_audited_without_an_organisation(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    ada = await sign_up(client, "ada")
    await make_org(client, ada, slug="lab")
    for email in (ada.email, "nobody@example.com"):
        response = await client.post(
            "/api/v1/auth/login", json={"email": email, "password": "wrong-guess-1234"}
        )
        assert response.status_code == 401
    rows = await stored_events(app, action="auth.login_failed")
    assert [(as_uuid(r["target_id"]), r["summary"]) for r in rows] == [
        (uuid.UUID(ada.id), {"reason": "wrong password"}),
        (None, {"reason": "unknown account"}),
    ]
    for row in rows:
        assert (row["org_id"], row["actor_user_id"], row["client_ip"]) == (None, None, CLIENT_IP)
        assert "wrong-guess" not in str(row)
        assert "nobody@" not in str(row)
    assert await read_audit_log(client, "lab", ada.auth, action="auth.") == []


async def test_forwarded_for_is_not_believed_by_default(client: httpx.AsyncClient) -> None:
    ada = await sign_up(client)
    await client.post(
        "/api/v1/orgs",
        json={"slug": "lab", "name": "Lab"},
        headers={**ada.auth, "X-Forwarded-For": "198.51.100.1"},
    )
    [event] = await read_audit_log(client, "lab", ada.auth, action="org.created")
    assert event["client_ip"] == CLIENT_IP


class TestBehindOneProxy:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"trusted_proxy_hops": 1}

    async def test_the_address_the_proxy_saw_is_recorded(self, client: httpx.AsyncClient) -> None:
        ada = await sign_up(client)
        await client.post(
            "/api/v1/orgs",
            json={"slug": "lab", "name": "Lab"},
            headers={**ada.auth, "X-Forwarded-For": "192.0.2.9, 198.51.100.1"},
        )
        [event] = await read_audit_log(client, "lab", ada.auth, action="org.created")
        # The hop our own proxy appended; what the client itself claimed is not believed.
        assert event["client_ip"] == "198.51.100.1"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("admin", 200),
        ("author", 403),
        ("reviewer", 403),
        ("instructor", 403),
        ("learner", 403),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
async def test_only_owners_and_admins_read_the_log(
    client: httpx.AsyncClient, role: str, status: int
) -> None:
    owner, reader = await sign_up(client), await sign_up(client)
    await make_org(client, owner, slug="lab")
    if role == "owner":
        reader = owner
    elif role not in ("outsider", "anonymous"):
        await add_member(client, "lab", owner, reader, role)
    headers = {} if role == "anonymous" else reader.auth
    response = await client.get(AUDIT.format("lab"), headers=headers)
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["items"]
    else:
        assert "items" not in response.json()


async def test_a_key_reads_the_log_only_with_audit_read(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client)
    await make_org(client, owner, slug="lab")
    reader = await create_api_key(client, "lab", owner, ["audit:read"])
    other = await create_api_key(client, "lab", owner, ["org:read", "members:read"])
    allowed = await client.get(AUDIT.format("lab"), headers=bearer(reader["secret"]))
    refused = await client.get(AUDIT.format("lab"), headers=bearer(other["secret"]))
    assert (allowed.status_code, refused.status_code) == (200, 403)


async def test_each_organisation_sees_only_its_own_events(client: httpx.AsyncClient) -> None:
    ada, bob = await sign_up(client), await sign_up(client)
    mine, theirs = await make_org(client, ada, slug="mine"), await make_org(client, bob)
    await rename_org(client, theirs["slug"], bob, "Secret plans")
    events = await read_audit_log(client, "mine", ada.auth)
    assert {e["target_id"] for e in events} <= {mine["id"], ada.id}
    assert "Secret plans" not in str(events)


@pytest.mark.parametrize("value", ["0.5", "1700000000", "-3", "1e9"])
async def test_audit_times_are_date_times_not_numbers(
    client: httpx.AsyncClient, owner: Person, value: str
) -> None:
    """A bare number is not a time (read as seconds since 1970 it would filter silently)."""
    for name in ("since", "until"):
        response = await client.get(f"/api/v1/orgs/acme/audit?{name}={value}", headers=owner.auth)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == [f"query.{name}"]
    fine = await client.get(
        "/api/v1/orgs/acme/audit?until=2026-11-23T09:00:00Z", headers=owner.auth
    )
    assert fine.status_code == 200, fine.text
