"""Driving pages the way a browser does: GET a page, read its CSRF token, post its form."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.factories import PASSWORD

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


async def token_of(client: httpx.AsyncClient, path: str = "/") -> str:
    page = await client.get(path)
    found = TOKEN.search(page.text)
    assert found, f"{path} carries no CSRF token: {page.status_code} {page.text[:200]}"
    return found.group(1)


async def post_form(
    client: httpx.AsyncClient, path: str, data: dict[str, Any], *, page: str | None = None
) -> httpx.Response:
    """Post `data` with the token from `page` (default: the path itself)."""
    token = await token_of(client, page or path)
    return await client.post(path, data={**data, "csrf_token": token})


async def browser_sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> None:
    response = await post_form(client, "/sign-in", {"email": email, "password": password})
    assert response.status_code == 303, response.text
