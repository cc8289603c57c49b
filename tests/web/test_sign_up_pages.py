"""Signing up signs you in, and an invitation's address is filled in on the sign-up form."""

from __future__ import annotations

import html
import re

import httpx

from tests.factories import PASSWORD
from tests.web.conftest import School
from tests.web.helpers import post_form


async def test_signing_up_signs_you_in(client: httpx.AsyncClient) -> None:
    made = await post_form(
        client,
        "/sign-up",
        {"email": "ida@example.com", "password": PASSWORD, "display_name": "Ida"},
    )
    assert made.status_code == 303, made.text[:1500]
    assert made.headers["location"] == "/dashboard"
    dashboard = await client.get("/dashboard")
    assert dashboard.status_code == 200  # no second trip through the sign-in form
    assert "Sign out" in dashboard.text


async def test_an_invited_address_is_filled_in_and_the_invitation_follows(
    client: httpx.AsyncClient, school: School
) -> None:
    invited = await client.post(
        "/api/v1/orgs/school/invitations", json={"email": "newbie@example.com", "role": "learner"},
        headers=school.owner.auth,
    )  # fmt: skip
    assert invited.status_code == 201, invited.text
    offer = await client.get(f"/invitations/accept?token={invited.json()['token']}")
    link = re.search(r'href="(/sign-up\?[^"]+)">Create an account', offer.text)
    assert link
    form = await client.get(html.unescape(link.group(1)))
    assert re.search(r'<input id="email" name="email"[^>]*value="newbie@example.com"', form.text)
    target = re.search(r'name="next" value="([^"]+)"', form.text)
    assert target
    made = await post_form(client, "/sign-up", {
        "email": "newbie@example.com", "password": PASSWORD, "display_name": "Newbie",
        "next": html.unescape(target.group(1))}, page=html.unescape(link.group(1)))  # fmt: skip
    assert made.status_code == 303
    back = await client.get(made.headers["location"])
    assert "Accept and join" in back.text


async def test_the_sign_up_form_is_throttled_like_the_api(client: httpx.AsyncClient) -> None:
    """Without email to confirm an address, the form must say when one is taken (the person
    should sign in instead), so asking about one address is throttled as the API's sign-up is:
    five tries an address within the login window, then 429 with the wait."""
    fields = {"email": "taken@example.com", "password": PASSWORD, "display_name": "T"}
    first = await post_form(client, "/sign-up", fields)
    assert first.status_code == 303
    client.cookies.clear()
    answers = [(await post_form(client, "/sign-up", fields)).status_code for _ in range(5)]
    assert answers[:4] == [409] * 4, answers
    assert answers[4] == 429, answers
    refused = await post_form(client, "/sign-up", fields)
    assert "Try again in" in refused.text
