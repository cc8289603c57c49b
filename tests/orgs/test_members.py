"""Members and roles: who may see and change whom, the owner rules, and the audit trail."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.factories import Person, add_member, make_org, read_audit_log, sign_up

OWNERS_ONLY = "urn:studyhall:problem:owners-only"
LAST_OWNER = "urn:studyhall:problem:last-owner"


async def org_with(client: httpx.AsyncClient, **roles: str) -> tuple[Person, dict[str, Person]]:
    """Organisation `club` with an owner and one member per keyword (`name=role`)."""
    owner = await sign_up(client)
    await make_org(client, owner, slug="club", name="Club")
    people = {}
    for name, role in roles.items():
        people[name] = await sign_up(client)
        await add_member(client, "club", owner, people[name], role)
    return owner, people


async def roles_in_club(client: httpx.AsyncClient, viewer: Person) -> dict[str, str]:
    response = await client.get("/api/v1/orgs/club/members", headers=viewer.auth)
    assert response.status_code == 200, response.text
    return {m["user_id"]: m["role"] for m in response.json()}


def member_url(person: Person | str) -> str:
    return f"/api/v1/orgs/club/members/{getattr(person, 'id', person)}"


async def test_the_member_list_shows_each_person_with_their_role(
    client: httpx.AsyncClient,
) -> None:
    owner, people = await org_with(client, ann="instructor", ben="learner")
    response = await client.get("/api/v1/orgs/club/members", headers=owner.auth)
    listed = {m["user_id"]: (m["email"], m["role"]) for m in response.json()}
    assert listed == {
        owner.id: (owner.email, "owner"),
        people["ann"].id: (people["ann"].email, "instructor"),
        people["ben"].id: (people["ben"].email, "learner"),
    }
    assert all(m["joined_at"] == "2026-11-23T09:00:00Z" for m in response.json())


# What each role may do, written out from the product rules (not read from roles.py, so a
# change to the table there must be made here too, on purpose).
CAN = {
    "owner": {"members", "rename", "audit", "invitations", "api-keys"},
    "admin": {"members", "rename", "audit", "invitations", "api-keys"},
    "instructor": {"members"},
    "author": set(),
    "reviewer": set(),
    "learner": set(),
}


@pytest.mark.parametrize("role", list(CAN))
async def test_each_role_has_exactly_its_permissions(client: httpx.AsyncClient, role: str) -> None:
    owner, people = await org_with(client, **({} if role == "owner" else {"me": role}))
    me = people.get("me", owner)
    attempts = [
        ("read", "GET", "/api/v1/orgs/club", None),
        ("members", "GET", "/api/v1/orgs/club/members", None),
        ("rename", "PATCH", "/api/v1/orgs/club", {"name": "Club"}),
        ("audit", "GET", "/api/v1/orgs/club/audit", None),
        ("invitations", "GET", "/api/v1/orgs/club/invitations", None),
        ("api-keys", "GET", "/api/v1/orgs/club/api-keys", None),
    ]
    allowed = CAN[role] | {"read"}
    for name, method, path, body in attempts:
        response = await client.request(method, path, json=body, headers=me.auth)
        assert response.status_code == (200 if name in allowed else 403), (role, name)


async def test_a_role_change_shows_in_the_list_and_is_audited(client: httpx.AsyncClient) -> None:
    owner, people = await org_with(client, ben="learner")
    ben = people["ben"]
    response = await client.patch(member_url(ben), json={"role": "author"}, headers=owner.auth)
    assert response.status_code == 200, response.text
    assert (response.json()["user_id"], response.json()["role"]) == (ben.id, "author")
    assert (await roles_in_club(client, owner))[ben.id] == "author"

    [event] = await read_audit_log(client, "club", owner.auth, action="member.role_changed")
    assert event["summary"] == {"role": ["learner", "author"]}
    assert (event["actor_user_id"], event["target_type"], event["target_id"]) == (
        owner.id,
        "user",
        ben.id,
    )


async def test_setting_the_role_a_member_already_has_changes_and_records_nothing(
    client: httpx.AsyncClient,
) -> None:
    owner, people = await org_with(client, ben="learner")
    response = await client.patch(
        member_url(people["ben"]), json={"role": "learner"}, headers=owner.auth
    )
    assert (response.status_code, response.json()["role"]) == (200, "learner")
    assert await read_audit_log(client, "club", owner.auth, action="member.role_changed") == []


async def test_an_unknown_role_is_422_naming_the_field(client: httpx.AsyncClient) -> None:
    owner, people = await org_with(client, ben="learner")
    for body in ({"role": "superuser"}, {"role": "OWNER"}, {}):
        response = await client.patch(member_url(people["ben"]), json=body, headers=owner.auth)
        assert response.status_code == 422, body
        assert [e["field"] for e in response.json()["errors"]] == ["body.role"]
    assert (await roles_in_club(client, owner))[people["ben"].id] == "learner"


async def test_admins_manage_non_owners(client: httpx.AsyncClient) -> None:
    owner, people = await org_with(client, adm="admin", ben="learner", cat="author")
    adm = people["adm"]
    promoted = await client.patch(
        member_url(people["ben"]), json={"role": "admin"}, headers=adm.auth
    )
    assert promoted.status_code == 200
    removed = await client.delete(member_url(people["cat"]), headers=adm.auth)
    assert removed.status_code == 204
    assert await roles_in_club(client, owner) == {
        owner.id: "owner",
        adm.id: "admin",
        people["ben"].id: "admin",
    }


async def test_only_owners_grant_change_or_remove_the_owner_role(
    client: httpx.AsyncClient,
) -> None:
    owner, people = await org_with(client, adm="admin", ben="learner")
    adm, ben = people["adm"], people["ben"]
    refusals = [
        await client.patch(member_url(ben), json={"role": "owner"}, headers=adm.auth),
        await client.patch(member_url(adm), json={"role": "owner"}, headers=adm.auth),
        await client.patch(member_url(owner), json={"role": "admin"}, headers=adm.auth),
        await client.delete(member_url(owner), headers=adm.auth),
    ]
    for response in refusals:
        assert response.status_code == 403, response.request.url
        assert response.json()["type"] == OWNERS_ONLY
    before = {owner.id: "owner", adm.id: "admin", ben.id: "learner"}
    assert await roles_in_club(client, owner) == before
    changes = await read_audit_log(client, "club", owner.auth, action="member.")
    assert {e["action"] for e in changes} == {"member.added"}

    granted = await client.patch(member_url(ben), json={"role": "owner"}, headers=owner.auth)
    assert (granted.status_code, granted.json()["role"]) == (200, "owner")


async def test_members_without_members_manage_change_nothing(client: httpx.AsyncClient) -> None:
    owner, people = await org_with(client, ins="instructor", ben="learner")
    for actor in (people["ins"], people["ben"]):
        patch = await client.patch(
            member_url(people["ben"]), json={"role": "admin"}, headers=actor.auth
        )
        delete = await client.delete(member_url(people["ins"]), headers=actor.auth)
        assert (patch.status_code, delete.status_code) == (403, 403)
    assert await roles_in_club(client, owner) == {
        owner.id: "owner",
        people["ins"].id: "instructor",
        people["ben"].id: "learner",
    }


async def test_the_last_owner_can_be_neither_demoted_nor_removed(
    client: httpx.AsyncClient,
) -> None:
    owner, _ = await org_with(client, ben="learner")
    demote = await client.patch(member_url(owner), json={"role": "admin"}, headers=owner.auth)
    remove = await client.delete(member_url(owner), headers=owner.auth)
    for response in (demote, remove):
        assert response.status_code == 409
        assert response.json()["type"] == LAST_OWNER
    assert (await roles_in_club(client, owner))[owner.id] == "owner"
    changes = await read_audit_log(client, "club", owner.auth, action="member.")
    assert {e["action"] for e in changes} == {"member.added"}


async def test_with_two_owners_one_may_demote_the_other_but_not_the_last(
    client: httpx.AsyncClient,
) -> None:
    first, people = await org_with(client, second="owner")
    second = people["second"]
    demoted = await client.patch(member_url(first), json={"role": "learner"}, headers=second.auth)
    assert (demoted.status_code, demoted.json()["role"]) == (200, "learner")
    # `second` is now the only owner: neither they nor anyone else may demote them.
    again = await client.patch(member_url(second), json={"role": "admin"}, headers=second.auth)
    assert (again.status_code, again.json()["type"]) == (409, LAST_OWNER)
    by_former = await client.patch(member_url(second), json={"role": "admin"}, headers=first.auth)
    assert by_former.status_code == 403
    assert await roles_in_club(client, second) == {first.id: "learner", second.id: "owner"}
    [event] = await read_audit_log(client, "club", second.auth, action="member.role_changed")
    assert event["summary"] == {"role": ["owner", "learner"]}


async def test_an_owner_may_remove_another_owner(client: httpx.AsyncClient) -> None:
    first, people = await org_with(client, second="owner")
    response = await client.delete(member_url(people["second"]), headers=first.auth)
    assert response.status_code == 204
    assert await roles_in_club(client, first) == {first.id: "owner"}


async def test_two_owners_demoting_each_other_at_once_leave_one_owner(
    client: httpx.AsyncClient,
) -> None:
    first, people = await org_with(client, second="owner")
    second = people["second"]
    responses = await asyncio.gather(
        client.patch(member_url(second), json={"role": "admin"}, headers=first.auth),
        client.patch(member_url(first), json={"role": "admin"}, headers=second.auth),
    )
    # The loser is refused either as no longer an owner (it read its role after the winner
    # committed) or by the last-owner rule (it read it before, then waited on the winner's lock).
    refused = [r.json()["type"] for r in responses if r.status_code != 200]
    assert len(refused) == 1, refused
    assert refused[0] in {OWNERS_ONLY, LAST_OWNER}
    roles = await roles_in_club(client, first if responses[1].status_code != 200 else second)
    assert sorted(roles.values()) == ["admin", "owner"]


async def test_removing_a_member_takes_away_their_access_and_is_audited(
    client: httpx.AsyncClient,
) -> None:
    owner, people = await org_with(client, ben="instructor")
    ben = people["ben"]
    assert (await client.delete(member_url(ben), headers=owner.auth)).status_code == 204
    assert ben.id not in await roles_in_club(client, owner)
    gone = await client.get("/api/v1/orgs/club", headers=ben.auth)
    assert (gone.status_code, gone.json()["type"]) == (404, "urn:studyhall:problem:org-not-found")
    assert (await client.get("/api/v1/orgs", headers=ben.auth)).json() == []
    [event] = await read_audit_log(client, "club", owner.auth, action="member.removed")
    assert (event["target_id"], event["summary"]) == (ben.id, {"role": "instructor"})
    again = await client.delete(member_url(ben), headers=owner.auth)
    assert again.status_code == 404


async def test_people_who_are_not_members_here_are_not_found(client: httpx.AsyncClient) -> None:
    owner, _ = await org_with(client)
    elsewhere = await sign_up(client)
    await make_org(client, elsewhere, slug="other")
    for user_id in (elsewhere.id, str(uuid.uuid4())):
        patch = await client.patch(member_url(user_id), json={"role": "admin"}, headers=owner.auth)
        delete = await client.delete(member_url(user_id), headers=owner.auth)
        assert (patch.status_code, delete.status_code) == (404, 404)
    other = await client.get("/api/v1/orgs/other/members", headers=elsewhere.auth)
    assert [m["role"] for m in other.json()] == ["owner"]  # untouched
    malformed = await client.delete(member_url("not-a-uuid"), headers=owner.auth)
    assert malformed.status_code == 422
    assert [e["field"] for e in malformed.json()["errors"]] == ["path.user_id"]


async def test_members_of_another_org_cannot_manage_this_one(client: httpx.AsyncClient) -> None:
    owner, people = await org_with(client, ben="learner")
    stranger = await sign_up(client)
    await make_org(client, stranger, slug="theirs")
    for response in (
        await client.get("/api/v1/orgs/club/members", headers=stranger.auth),
        await client.patch(
            member_url(people["ben"]), json={"role": "admin"}, headers=stranger.auth
        ),
        await client.delete(member_url(people["ben"]), headers=stranger.auth),
    ):
        assert response.status_code == 404
    assert (await roles_in_club(client, owner))[people["ben"].id] == "learner"
