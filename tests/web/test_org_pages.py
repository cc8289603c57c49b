"""Creating an organisation from the web: the first person on a fresh server signs up and
starts one, becoming its owner; a taken or malformed short name is refused beside its field;
where the operator keeps creation to site administrators, others get no form and a 403."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import make_org, sign_up
from tests.web.helpers import browser_sign_in, post_form


async def test_a_new_person_creates_an_organisation_and_owns_it(
    client: httpx.AsyncClient,
) -> None:
    person = await sign_up(client, "founder")
    await browser_sign_in(client, person.email)
    start = await client.get("/dashboard")
    assert "Create an organisation" in start.text
    made = await post_form(
        client, "/orgs/new", {"name": "Night School", "slug": "Night-School"}, page="/dashboard"
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == "/o/night-school"
    dashboard = await client.get("/o/night-school")
    assert "Night School" in dashboard.text
    assert "Create the first track" in dashboard.text  # the owner may, and is shown how
    members = await client.get("/o/night-school/admin/members")
    assert "owner" in members.text
    audit = await client.get("/o/night-school/admin/audit?action=org.")
    assert "org.created" in audit.text


async def test_a_taken_or_malformed_short_name_is_refused_beside_its_field(
    client: httpx.AsyncClient,
) -> None:
    other = await sign_up(client, "other")
    await make_org(client, other, slug="taken")
    person = await sign_up(client, "second")
    await browser_sign_in(client, person.email)
    taken = await post_form(
        client, "/orgs/new", {"name": "Mine", "slug": "taken"}, page="/dashboard"
    )
    assert taken.status_code == 409
    assert 'id="slug-error"' in taken.text
    assert "already used" in taken.text
    assert 'value="Mine"' in taken.text
    malformed = await post_form(
        client, "/orgs/new", {"name": "Mine", "slug": "-no spaces-"}, page="/dashboard"
    )
    assert malformed.status_code == 422
    assert "Use lower-case letters, digits and dashes" in malformed.text
    assert "Mine" not in (await client.get("/dashboard")).text.split("Create an organisation")[0]


@pytest.mark.parametrize("settings_overrides", [{"org_creation": "admins"}])
async def test_where_only_site_admins_may_create_others_are_refused(
    client: httpx.AsyncClient,
) -> None:
    person = await sign_up(client, "visitor")
    await browser_sign_in(client, person.email)
    page = await client.get("/dashboard")
    assert "Create an organisation" not in page.text
    refused = await post_form(
        client, "/orgs/new", {"name": "Nope", "slug": "nope"}, page="/dashboard"
    )
    assert refused.status_code == 403
    assert "Only site administrators" in refused.text
