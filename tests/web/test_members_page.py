"""The members page keeps a refused change on the page: demoting the only owner is explained
beside the owner's role, not on an error page."""

from __future__ import annotations

import re

import httpx

from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form


async def test_demoting_the_only_owner_is_explained_beside_them(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.owner.email)
    page = await post_form(
        client, f"/o/school/admin/members/{school.owner.id}/role", {"role": "admin"},
        page="/o/school/admin/members",
    )  # fmt: skip
    assert page.status_code == 409
    assert '<table id="members"' in page.text  # the members page itself, not an error page
    message = re.search(rf'id="member-{school.owner.id}-error">([^<]+)<', page.text)
    assert message, page.text[-3000:]
    assert "at least one owner" in message.group(1)
    assert "Make someone else an owner first." in message.group(1)
    row = re.search(rf'data-email="{re.escape(school.owner.email)}".*?</tr>', page.text, re.S)
    assert row
    assert 'value="owner" selected' in row.group(0)  # still the owner
