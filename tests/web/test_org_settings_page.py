"""Renaming an organisation from its settings page: the new name is saved (and audited, as
through the API) while the address stays; a blank or too long name is refused beside its
field; a member without `org:update` gets neither the tab nor the page."""

from __future__ import annotations

import httpx

from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form

SETTINGS = "/o/school/admin/settings"


async def test_an_owner_renames_the_organisation(client: httpx.AsyncClient, school: School) -> None:
    await browser_sign_in(client, school.owner.email)
    members = await client.get("/o/school/admin/members")
    assert f'href="{SETTINGS}"' in members.text
    page = await client.get(SETTINGS)
    assert page.status_code == 200
    assert 'value="Page School"' in page.text

    saved = await post_form(client, SETTINGS, {"name": "  Evening School  "})
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"{SETTINGS}?done=saved"
    after = await client.get(saved.headers["location"])
    assert "name is saved" in after.text
    assert 'value="Evening School"' in after.text  # trimmed, as the API does
    org = await client.get("/api/v1/orgs/school", headers=school.owner.auth)
    assert (org.json()["slug"], org.json()["name"]) == ("school", "Evening School")
    audit = await client.get(
        "/api/v1/orgs/school/audit", params={"action": "org.updated"}, headers=school.owner.auth
    )
    assert [e["action"] for e in audit.json()["items"]] == ["org.updated"]


async def test_a_bad_name_is_refused_beside_its_field(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.owner.email)
    for name in ("   ", "x" * 201):
        refused = await post_form(client, SETTINGS, {"name": name})
        assert refused.status_code == 422
        assert 'aria-describedby="name-error"' in refused.text
        assert 'id="name-error"' in refused.text
    org = await client.get("/api/v1/orgs/school", headers=school.owner.auth)
    assert org.json()["name"] == "Page School"


async def test_an_author_has_no_settings(client: httpx.AsyncClient, school: School) -> None:
    await browser_sign_in(client, school.author.email)
    assert (await client.get(SETTINGS)).status_code == 403
    refused = await post_form(client, SETTINGS, {"name": "Mine now"}, page="/o/school")
    assert refused.status_code == 403
    org = await client.get("/api/v1/orgs/school", headers=school.owner.auth)
    assert org.json()["name"] == "Page School"
