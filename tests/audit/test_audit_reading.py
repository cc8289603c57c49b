"""Reading the audit log: filters, and cursor pages that serve every event exactly once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyhall.kit.clock import FrozenClock
from studyhall.kit.pagination import encode_cursor
from tests.conftest import TEST_SECRET
from tests.factories import Person, make_org, read_audit_log, rename_org, sign_up

AUDIT = "/api/v1/orgs/{}/audit"


async def pages_of(
    client: httpx.AsyncClient, url: str, headers: dict[str, str]
) -> list[list[dict[str, Any]]]:
    """The items of each page, from `url` along the `next` links to the last page."""
    pages: list[list[dict[str, Any]]] = []
    next_url: str | None = url
    while next_url is not None:
        assert len(pages) < 100, "the next links never end"
        response = await client.get(next_url, headers=headers)
        assert response.status_code == 200, response.text
        pages.append(response.json()["items"])
        next_url = response.json().get("next")
    return pages


@pytest.fixture
async def history(client: httpx.AsyncClient, clock: FrozenClock) -> dict[str, Any]:
    """`lab`: created by the owner at 09:00, ben invited at 10:00 and joined at 11:00, promoted
    at 12:00, the org renamed at 13:00."""
    owner, ben = await sign_up(client, "owner"), await sign_up(client, "ben")
    await make_org(client, owner, slug="lab", name="Lab")
    clock.advance(timedelta(hours=1))
    invite = await client.post(
        "/api/v1/orgs/lab/invitations", json={"email": ben.email}, headers=owner.auth
    )
    clock.advance(timedelta(hours=1))
    await client.post(
        "/api/v1/invitations/accept", json={"token": invite.json()["token"]}, headers=ben.auth
    )
    clock.advance(timedelta(hours=1))
    await client.patch(
        f"/api/v1/orgs/lab/members/{ben.id}", json={"role": "admin"}, headers=owner.auth
    )
    clock.advance(timedelta(hours=1))
    await rename_org(client, "lab", ben, "Big Lab")
    return {"owner": owner, "ben": ben, "invitation": invite.json()["id"]}


async def actions(client: httpx.AsyncClient, reader: Person, **params: object) -> list[str]:
    return [e["action"] for e in await read_audit_log(client, "lab", reader.auth, **params)]


async def test_filter_by_action_exactly_or_by_prefix(
    client: httpx.AsyncClient, history: dict[str, Any]
) -> None:
    owner = history["owner"]
    assert await actions(client, owner, action="member.added") == ["member.added"] * 2
    assert await actions(client, owner, action="member.") == [
        "member.role_changed",
        "member.added",
        "member.added",
    ]
    assert await actions(client, owner, action="member") == []  # no dot: exact name only
    # LIKE wildcards in a prefix are literal characters, not patterns.
    assert await actions(client, owner, action="%.") == []
    assert await actions(client, owner, action="_rg.") == []


async def test_filter_by_actor_and_target(
    client: httpx.AsyncClient, history: dict[str, Any]
) -> None:
    owner, ben = history["owner"], history["ben"]
    assert await actions(client, owner, actor=ben.id) == [
        "org.updated",
        "invitation.accepted",
        "member.added",
    ]
    assert await actions(client, owner, actor=ben.id, action="member.") == ["member.added"]
    assert await actions(client, owner, target_type="invitation") == [
        "invitation.accepted",
        "invitation.created",
    ]
    assert await actions(client, owner, target_id=ben.id) == ["member.role_changed", "member.added"]
    assert await actions(client, owner, target_id=history["invitation"]) == [
        "invitation.accepted",
        "invitation.created",
    ]
    assert await actions(client, owner, actor=str(uuid.uuid4())) == []


async def test_filter_by_time_window(client: httpx.AsyncClient, history: dict[str, Any]) -> None:
    owner = history["owner"]
    window = {"since": "2026-11-23T11:00:00Z", "until": "2026-11-23T13:00:00+00:00"}
    assert await actions(client, owner, **window) == [
        "member.role_changed",
        "invitation.accepted",
        "member.added",
    ]
    # The same instants written in another zone select the same events.
    assert await actions(
        client, owner, since="2026-11-23T12:00:00+01:00", until="2026-11-23T08:00:00-05:00"
    ) == ["member.role_changed", "invitation.accepted", "member.added"]
    assert await actions(client, owner, since="2026-11-23T13:00:01Z") == []


@pytest.mark.parametrize("name", ["since", "until"])
async def test_a_time_without_a_zone_is_422(
    client: httpx.AsyncClient, history: dict[str, Any], name: str
) -> None:
    response = await client.get(
        AUDIT.format("lab"), params={name: "2026-11-23T11:00:00"}, headers=history["owner"].auth
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [f"query.{name}"]


async def test_malformed_filters_are_422_naming_the_field(
    client: httpx.AsyncClient, history: dict[str, Any]
) -> None:
    for params, field in [
        ({"actor": "ben"}, "query.actor"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"since": "yesterday"}, "query.since"),
    ]:
        response = await client.get(
            AUDIT.format("lab"), params=params, headers=history["owner"].auth
        )
        assert response.status_code == 422, params
        assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_pages_follow_next_links_to_every_event_once_newest_first(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    owner = await sign_up(client)
    await make_org(client, owner, slug="lab")
    for i in range(13):
        clock.advance(timedelta(minutes=1))
        await rename_org(client, "lab", owner, f"Lab {i}")
    everything = (
        await client.get(AUDIT.format("lab"), params={"limit": 200}, headers=owner.auth)
    ).json()
    assert len(everything["items"]) == 15
    assert everything.get("next") is None

    pages = await pages_of(client, AUDIT.format("lab") + "?limit=4", owner.auth)
    sizes, served = [len(page) for page in pages], [e for page in pages for e in page]
    assert sizes == [4, 4, 4, 3]
    assert served == everything["items"]
    assert [e["id"] for e in served] == sorted((e["id"] for e in served), reverse=True)
    times = [e["created_at"] for e in served]
    assert times == sorted(times, reverse=True)


async def test_next_links_keep_the_filters_and_ignore_newer_events(
    client: httpx.AsyncClient, history: dict[str, Any]
) -> None:
    owner = history["owner"]
    first = await client.get(
        AUDIT.format("lab"), params={"action": "member.", "limit": 2}, headers=owner.auth
    )
    assert [e["action"] for e in first.json()["items"]] == ["member.role_changed", "member.added"]
    await client.patch(
        f"/api/v1/orgs/lab/members/{history['ben'].id}",
        json={"role": "learner"},
        headers=owner.auth,
    )  # written meanwhile
    rest = await client.get(first.json()["next"], headers=owner.auth)
    assert [e["action"] for e in rest.json()["items"]] == ["member.added"]
    assert rest.json().get("next") is None


async def test_a_tampered_or_foreign_cursor_is_400_naming_the_cursor(
    client: httpx.AsyncClient, history: dict[str, Any]
) -> None:
    owner = history["owner"]
    page = await client.get(AUDIT.format("lab"), params={"limit": 1}, headers=owner.auth)
    cursor = httpx.URL(page.json()["next"]).params["cursor"]
    tampered = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")
    for bad in (
        tampered,
        encode_cursor("another-secret", [10**6]),
        encode_cursor(TEST_SECRET, ["not-an-id"]),
        encode_cursor(TEST_SECRET, [1, 2]),
        "not a cursor",
    ):
        response = await client.get(AUDIT.format("lab"), params={"cursor": bad}, headers=owner.auth)
        assert response.status_code == 400, bad
        body = response.json()
        assert body["type"] == "urn:studyhall:problem:invalid-cursor"
        assert body["errors"][0]["field"] == "query.cursor"


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(renames=st.integers(0, 12), limit=st.integers(1, 6))
async def test_any_page_size_serves_every_event_exactly_once_newest_first(
    client: httpx.AsyncClient, renames: int, limit: int
) -> None:
    owner = await sign_up(client)  # a new person and organisation for each example
    org = (await make_org(client, owner))["slug"]
    for i in range(renames):
        await rename_org(client, org, owner, f"Name {i}")
    pages = await pages_of(client, AUDIT.format(org) + f"?limit={limit}", owner.auth)
    served = [event["id"] for page in pages for event in page]
    assert len(served) == renames + 2  # org.created and the owner's member.added too
    assert served == sorted(set(served), reverse=True)
    assert all(len(page) == limit for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= limit
