"""Request bodies above the configured size are refused with 413 before they are read.

A body that declares its size too large is refused without reading a byte of it; a chunked
body (no declared size) is cut off as soon as it passes the limit, so a body that never ends
costs the server no more than the limit. File uploads (imports, media) keep their own,
larger limits.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from studyhall.app import upload_limits
from tests.factories import PASSWORD, Person

LIMIT = 4096
CHUNK = 1024


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"body_max_bytes": LIMIT}


class Endless:
    """A request body that does not end before the server gives up on it, counting what the
    server pulled (it stops at 1 MiB, far past the limit, so that a server without a limit
    fails the test instead of reading forever)."""

    def __init__(self, prefix: bytes = b"") -> None:
        self.prefix = prefix
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.prefix:
            self.sent += len(self.prefix)
            yield self.prefix
        while self.sent < 1024 * 1024:
            self.sent += CHUNK
            yield b" " * CHUNK


def _refused(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert str(LIMIT) in body["detail"]
    return body


async def test_a_declared_size_above_the_limit_is_refused_unread(
    client: httpx.AsyncClient,
) -> None:
    body = Endless(b'{"email": "a@example.com", "password": "')
    response = await client.post(
        "/api/v1/auth/login",
        content=body,
        headers={"Content-Type": "application/json", "Content-Length": str(200 * 1024 * 1024)},
    )
    _refused(response)
    assert body.sent <= CHUNK * 2  # at most what the transport pulled before asking


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/auth/login", "application/json"),
        ("/api/v1/auth/register", "application/json"),
        ("/sign-in", "application/x-www-form-urlencoded"),
    ],
)
async def test_a_chunked_body_that_never_ends_is_cut_at_the_limit(
    client: httpx.AsyncClient, path: str, content_type: str
) -> None:
    body = Endless(b'{"email": "' if content_type.endswith("json") else b"email=")
    response = await client.post(path, content=body, headers={"Content-Type": content_type})
    _refused(response)
    assert body.sent <= LIMIT + 2 * CHUNK


async def test_bodies_within_the_limit_still_work(client: httpx.AsyncClient, owner: Person) -> None:
    login = await client.post(
        "/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text


def _png(size: int) -> bytes:
    """A PNG of about `size` bytes (noise does not compress)."""
    import random

    side = int((size / 3) ** 0.5) + 1
    noise = random.Random(7).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), noise).save(out, format="PNG")
    return out.getvalue()


async def test_uploads_keep_their_own_larger_limits(
    client: httpx.AsyncClient, author: Person, track: dict[str, Any]
) -> None:
    image = _png(4 * LIMIT)
    assert len(image) > 2 * LIMIT
    media = await client.post(
        "/api/v1/orgs/acme/media", files={"file": ("big.png", image)}, headers=author.auth
    )
    assert media.status_code == 201, media.text
    gift = "".join(f"::Q{i}:: What is {i} + 1? {{={i + 1}}}\n\n" for i in range(400)).encode()
    assert len(gift) > 2 * LIMIT
    imported = await client.post(
        f"/api/v1/orgs/acme/tracks/{track['id']}/imports",
        files={"file": ("many.gift", gift)},
        data={"dry_run": "true"},
        headers=author.auth,
    )
    assert imported.status_code == 202, imported.text


def test_every_upload_route_of_the_limit_table_exists(app: FastAPI) -> None:
    """A renamed upload route would silently fall back to the small limit."""
    from starlette.routing import BaseRoute

    def paths(routes: list[BaseRoute]) -> set[tuple[str, str]]:
        found = set()
        for route in routes:
            if (inner := getattr(route, "original_router", None)) is not None:
                found |= paths(inner.routes)
            for method in getattr(route, "methods", None) or ():
                found.add((method, getattr(route, "path", "")))
        return found

    assert set(upload_limits(app.state.settings)) <= paths(app.routes)
