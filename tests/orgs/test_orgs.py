"""Organisations: creating one, finding one's own, reading and renaming them."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.factories import add_member, make_org, read_audit_log, sign_up

PROBLEM = "application/problem+json"


async def test_the_creator_becomes_the_owner(client: httpx.AsyncClient) -> None:
    ada = await sign_up(client, "ada")
    response = await client.post(
        "/api/v1/orgs", json={"slug": "maths-dept", "name": "  Maths  "}, headers=ada.auth
    )
    assert response.status_code == 201, response.text
    org = response.json()
    assert (org["slug"], org["name"], org["role"]) == ("maths-dept", "Maths", "owner")
    assert org["created_at"] == "2026-11-23T09:00:00Z"

    members = await client.get("/api/v1/orgs/maths-dept/members", headers=ada.auth)
    assert [(m["user_id"], m["role"]) for m in members.json()] == [(ada.id, "owner")]
    me = await client.get("/api/v1/me", headers=ada.auth)
    assert me.json()["memberships"] == [
        {"org_slug": "maths-dept", "org_name": "Maths", "role": "owner"}
    ]


async def test_my_orgs_lists_every_membership_with_its_role_and_nothing_else(
    client: httpx.AsyncClient,
) -> None:
    ada, bob, eve = [await sign_up(client, name) for name in ("ada", "bob", "eve")]
    await make_org(client, ada, slug="alpha", name="Alpha")
    await make_org(client, bob, slug="beta", name="Beta")
    await make_org(client, eve, slug="gamma", name="Gamma")
    await add_member(client, "beta", bob, ada, "learner")

    mine = await client.get("/api/v1/orgs", headers=ada.auth)
    assert mine.status_code == 200
    assert [(o["slug"], o["name"], o["role"]) for o in mine.json()] == [
        ("alpha", "Alpha", "owner"),
        ("beta", "Beta", "learner"),
    ]
    bobs = await client.get("/api/v1/orgs", headers=bob.auth)
    assert [(o["slug"], o["role"]) for o in bobs.json()] == [("beta", "owner")]


async def test_a_person_in_no_organisation_gets_an_empty_list(client: httpx.AsyncClient) -> None:
    loner = await sign_up(client)
    response = await client.get("/api/v1/orgs", headers=loner.auth)
    assert (response.status_code, response.json()) == (200, [])


async def test_organisation_routes_need_a_signed_in_caller(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client)
    await make_org(client, owner, slug="closed")
    client.cookies.clear()
    for method, path in [
        ("POST", "/api/v1/orgs"),
        ("GET", "/api/v1/orgs"),
        ("GET", "/api/v1/orgs/closed"),
        ("PATCH", "/api/v1/orgs/closed"),
    ]:
        response = await client.request(method, path, json={"slug": "x", "name": "X"})
        assert response.status_code == 401, (method, path)
        assert response.headers["content-type"] == PROBLEM
    expired = {"Authorization": "Bearer shs_not-a-session-we-ever-issued"}
    assert (await client.get("/api/v1/orgs/closed", headers=expired)).status_code == 401


async def test_a_taken_slug_is_409_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    ada, bob = await sign_up(client, "ada"), await sign_up(client, "bob")
    await make_org(client, ada, slug="physics", name="Ada's Physics")
    response = await client.post(
        "/api/v1/orgs", json={"slug": "physics", "name": "Bob's"}, headers=bob.auth
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == "urn:studyhall:problem:org-slug-taken"
    assert [e["field"] for e in body["errors"]] == ["body.slug"]
    assert (await client.get("/api/v1/orgs", headers=bob.auth)).json() == []
    kept = await client.get("/api/v1/orgs/physics", headers=ada.auth)
    assert kept.json()["name"] == "Ada's Physics"


async def test_the_same_slug_taken_twice_at_once_is_one_201_and_one_409(
    client: httpx.AsyncClient,
) -> None:
    """Both requests may pass the "is it free?" check before either commits; the database's
    unique constraint must then still answer 409 naming the field, not 500."""
    ada, bob = await sign_up(client, "ada"), await sign_up(client, "bob")
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/orgs", json={"slug": "race", "name": p.email}, headers=p.auth)
            for p in (ada, bob)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
    refused = next(r for r in responses if r.status_code == 409).json()
    assert refused["type"] == "urn:studyhall:problem:org-slug-taken"
    assert [e["field"] for e in refused["errors"]] == ["body.slug"]
    owners = [len((await client.get("/api/v1/orgs", headers=p.auth)).json()) for p in (ada, bob)]
    assert sorted(owners) == [0, 1]


BAD_SLUGS = [
    "",
    "Physics",
    "has space",
    "-leading",
    "trailing-",
    "dot.ted",
    "under_score",
    "ümlaut",
    "a" * 65,
    "line\nbreak",
    "tab\t",
    "slash/es",
]


async def test_a_malformed_slug_is_422_naming_the_field(client: httpx.AsyncClient) -> None:
    ada = await sign_up(client)
    for slug in BAD_SLUGS:
        response = await client.post(
            "/api/v1/orgs", json={"slug": slug, "name": "N"}, headers=ada.auth
        )
        assert response.status_code == 422, slug
        assert response.headers["content-type"] == PROBLEM
        assert [e["field"] for e in response.json()["errors"]] == ["body.slug"], slug
    assert (await client.get("/api/v1/orgs", headers=ada.auth)).json() == []


@pytest.mark.parametrize("slug", ["a", "7", "a-b", "2026-cohort", "x" * 64])
async def test_well_formed_slugs_are_accepted(client: httpx.AsyncClient, slug: str) -> None:
    ada = await sign_up(client)
    assert (await make_org(client, ada, slug=slug))["slug"] == slug
    assert (await client.get(f"/api/v1/orgs/{slug}", headers=ada.auth)).status_code == 200


async def test_a_blank_or_missing_name_is_422_naming_the_field(client: httpx.AsyncClient) -> None:
    ada = await sign_up(client)
    for body in ({"slug": "ok", "name": "   "}, {"slug": "ok"}, {"slug": "ok", "name": "n" * 201}):
        response = await client.post("/api/v1/orgs", json=body, headers=ada.auth)
        assert response.status_code == 422, body
        assert [e["field"] for e in response.json()["errors"]] == ["body.name"]


async def test_every_member_reads_the_org_and_outsiders_cannot_tell_it_exists(
    client: httpx.AsyncClient,
) -> None:
    owner, learner, outsider = (await sign_up(client), await sign_up(client), await sign_up(client))
    org = await make_org(client, owner, slug="chem", name="Chemistry")
    await add_member(client, "chem", owner, learner, "learner")

    seen = await client.get("/api/v1/orgs/chem", headers=learner.auth)
    assert seen.status_code == 200
    assert seen.json() == {
        "id": org["id"],
        "slug": "chem",
        "name": "Chemistry",
        "created_at": "2026-11-23T09:00:00Z",
    }
    hidden = await client.get("/api/v1/orgs/chem", headers=outsider.auth)
    missing = await client.get("/api/v1/orgs/no-such-org", headers=outsider.auth)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["type"] == missing.json()["type"] == "urn:studyhall:problem:org-not-found"
    assert hidden.json()["detail"] == missing.json()["detail"]


@pytest.mark.parametrize("role", ["owner", "admin"])
async def test_owners_and_admins_rename_and_the_change_is_audited(
    client: httpx.AsyncClient, role: str
) -> None:
    owner, editor = await sign_up(client), await sign_up(client)
    await make_org(client, owner, slug="bio", name="Biology")
    if role == "admin":
        await add_member(client, "bio", owner, editor, "admin")
    else:
        editor = owner
    response = await client.patch(
        "/api/v1/orgs/bio", json={"name": " Life Sciences "}, headers=editor.auth
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Life Sciences"
    assert (await client.get("/api/v1/orgs/bio", headers=owner.auth)).json()["name"] == (
        "Life Sciences"
    )
    [event] = await read_audit_log(client, "bio", owner.auth, action="org.updated")
    assert event["actor_user_id"] == editor.id
    assert event["summary"] == {"name": ["Biology", "Life Sciences"]}


@pytest.mark.parametrize("role", ["author", "reviewer", "instructor", "learner"])
async def test_other_members_cannot_rename(client: httpx.AsyncClient, role: str) -> None:
    owner, member = await sign_up(client), await sign_up(client)
    await make_org(client, owner, slug="art", name="Art")
    await add_member(client, "art", owner, member, role)
    response = await client.patch("/api/v1/orgs/art", json={"name": "Mine"}, headers=member.auth)
    assert response.status_code == 403
    assert response.json()["type"] == "urn:studyhall:problem:forbidden"
    assert (await client.get("/api/v1/orgs/art", headers=member.auth)).json()["name"] == "Art"
    assert await read_audit_log(client, "art", owner.auth, action="org.updated") == []


async def test_a_rename_that_changes_nothing_is_not_audited(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client)
    await make_org(client, owner, slug="same", name="Same")
    assert (
        await client.patch("/api/v1/orgs/same", json={"name": "Same"}, headers=owner.auth)
    ).status_code == 200
    assert await read_audit_log(client, "same", owner.auth, action="org.updated") == []


async def test_an_invalid_rename_is_422_and_keeps_the_name(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client)
    await make_org(client, owner, slug="geo", name="Geography")
    response = await client.patch("/api/v1/orgs/geo", json={"name": ""}, headers=owner.auth)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.name"]
    assert (await client.get("/api/v1/orgs/geo", headers=owner.auth)).json()["name"] == "Geography"
