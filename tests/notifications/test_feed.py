"""The calendar feed as a calendar app fetches it: no session, a secret address that can be
replaced, private to one learner of one organisation."""

from __future__ import annotations

import dataclasses

import httpx
from icalendar import Calendar

from tests.factories import read_audit_log, running
from tests.notifications.helpers import FEED, feed_token, page, press, school


async def fetch(client: httpx.AsyncClient, token: str) -> httpx.Response:
    client.cookies.clear()  # a calendar app has no session
    return await client.get(f"/calendar/{token}.ics")


async def test_the_feed_answers_without_a_session_as_private_icalendar(
    client: httpx.AsyncClient,
) -> None:
    acme = await school(client)
    token = await feed_token(client, acme.learner, "acme")
    response = await fetch(client, token)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    assert "private" in response.headers["cache-control"]
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert "Acme" in str(calendar["X-WR-CALNAME"])


async def test_asking_twice_keeps_one_address(client: httpx.AsyncClient) -> None:
    acme = await school(client)
    first = await feed_token(client, acme.learner, "acme")
    assert await feed_token(client, acme.learner, "acme") == first


async def test_replacing_the_address_makes_the_old_one_404(client: httpx.AsyncClient) -> None:
    acme = await school(client)
    old = await feed_token(client, acme.learner, "acme")
    await press(client, acme.learner, "/o/acme/reminders/feed/rotate")
    shown = await page(client, acme.learner, "acme")
    assert old not in shown.text
    new = await feed_token(client, acme.learner, "acme")
    assert new != old
    gone = await fetch(client, old)
    assert gone.status_code == 404
    assert gone.headers["content-type"].startswith("application/problem+json")
    assert (await fetch(client, new)).status_code == 200
    actions = [e["action"] for e in await read_audit_log(client, "acme", acme.owner.auth)]
    assert {"calendar_feed.created", "calendar_feed.rotated"} <= set(actions)


async def test_tokens_that_are_not_a_feed_get_404_not_an_error(client: httpx.AsyncClient) -> None:
    for token in ["nothing", "shc_" + "a" * 43, "shc_" + "x" * 5000, "shs_abc"]:
        response = await fetch(client, token)
        assert response.status_code == 404, (token[:20], response.status_code)
    # A NUL is refused at the door, as in every path (kit/boundary.py), with its problem.
    response = await fetch(client, "shc_%00")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_learner_who_left_the_organisation_has_no_feed(client: httpx.AsyncClient) -> None:
    acme = await school(client)
    token = await feed_token(client, acme.learner, "acme")
    removed = await client.delete(
        f"/api/v1/orgs/acme/members/{acme.learner.id}", headers=acme.owner.auth
    )
    assert removed.status_code == 204, removed.text
    assert (await fetch(client, token)).status_code == 404


async def test_another_orgs_token_shows_only_that_org(client: httpx.AsyncClient) -> None:
    acme = await school(client, "acme", "Acme Academy")
    globex = await school(client, "globex", "Globex Institute")
    mine = await feed_token(client, acme.learner, "acme")
    theirs = await feed_token(client, globex.learner, "globex")
    body = (await fetch(client, theirs)).text
    assert "Globex Institute" in body
    assert "Acme" not in body
    assert mine not in body
    # Their page shows their address only, never this organisation's.
    assert mine not in (await page(client, globex.learner, "globex")).text
    # An outsider cannot reach this organisation's reminders page at all.
    outsider = await client.get("/o/acme/reminders", headers=globex.learner.auth)
    assert outsider.status_code == 404
    assert mine not in outsider.text


async def test_after_the_secret_key_is_dropped_the_address_works_and_can_be_replaced(
    client: httpx.AsyncClient, db_url: str
) -> None:
    """The address is sealed under the secret key so the page can show it again; a server
    whose key was replaced (the old one dropped) cannot, but the address, found by its hash,
    keeps working, and replacing it shows a new one."""
    acme = await school(client)
    token = await feed_token(client, acme.learner, "acme")
    async with running(db_url, secret_key="another-secret-key-long-enough-for-production") as (
        _,
        other,
    ):
        # That server runs on the real clock: the learner signs in there anew.
        login = {"email": acme.learner.email, "password": acme.learner.password}
        signed = await other.post("/api/v1/auth/login", json=login)
        assert signed.status_code == 200, signed.text
        other.cookies.clear()
        learner = dataclasses.replace(acme.learner, token=signed.json()["token"])
        shown = await other.get("/o/acme/reminders", headers=learner.auth)
        assert shown.status_code == 200, shown.text
        assert "can no longer show it" in shown.text
        assert token not in shown.text
        assert (await other.get(f"/calendar/{token}.ics")).status_code == 200
        await press(other, learner, "/o/acme/reminders/feed/rotate")
        found = FEED.search((await page(other, learner, "acme")).text)
        assert found
        assert found.group(1) != token
        assert (await other.get(f"/calendar/{token}.ics")).status_code == 404
