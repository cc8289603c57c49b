"""Admin pages through plain HTTP: roles, invitations (link shown once), API keys (secret
shown once, usable), the audit log with filters."""

from __future__ import annotations

import re

import httpx

from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form


async def test_an_admin_changes_a_role_and_the_audit_log_shows_it(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.owner.email)
    page = await client.get("/o/school/admin/members")
    assert school.learner.email in page.text
    changed = await post_form(
        client, f"/o/school/admin/members/{school.learner.id}/role", {"role": "author"},
        page="/o/school/admin/members",
    )  # fmt: skip
    assert changed.status_code == 303
    members = await client.get(changed.headers["location"])
    row = re.search(rf'data-email="{re.escape(school.learner.email)}".*?</tr>', members.text, re.S)
    assert row
    assert 'value="author" selected' in row.group(0)
    audit = await client.get("/o/school/admin/audit?action=member.")
    assert "member.role_changed" in audit.text or "member." in audit.text
    filtered = await client.get("/o/school/admin/audit?actor=nobody@example.com")
    assert "No member has this email address." in filtered.text


async def test_invitation_link_and_api_key_secret_are_shown_once(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.owner.email)
    invited = await post_form(
        client, "/o/school/admin/invitations", {"email": "new@example.com", "role": "reviewer"}
    )
    assert invited.status_code == 201
    link = re.search(r'id="invitation-link">([^<]+)<', invited.text)
    assert link
    assert "/invite#" in link.group(1)
    assert link.group(1) not in (await client.get("/o/school/admin/invitations")).text
    made = await post_form(
        client, "/o/school/admin/api-keys", {"name": "ci", "scopes": "questions:read"}
    )
    assert made.status_code == 201
    secret = re.search(r'id="api-key-secret">([^<]+)<', made.text)
    assert secret
    assert secret.group(1) not in (await client.get("/o/school/admin/api-keys")).text
    client.cookies.clear()
    found = await client.get(
        "/api/v1/orgs/school/questions", headers={"Authorization": f"Bearer {secret.group(1)}"}
    )
    assert found.status_code == 200


async def test_a_learner_cannot_open_the_admin_pages(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    assert (await client.get("/o/school/admin/members")).status_code == 403
    assert (await client.get("/o/school/admin/audit")).status_code == 403
