"""What the real server (`studyhall serve`, uvicorn) answers before the app sees a request:
even a request it cannot read gets a problem+json answer, as every other error does."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

import httpx

from tests.web.browser.conftest import Server


async def _raw_get(server: Server, target: str) -> tuple[int, dict[str, str], bytes]:
    """A GET sent as bytes (HTTP clients refuse to send a URL this long)."""
    address = urlsplit(server.url)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=30)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines)}
    return int(status_line.split()[1]), headers, body


async def test_a_query_string_too_long_to_read_gets_a_problem_answer(server: Server) -> None:
    status, headers, body = await _raw_get(server, "/api/v1/orgs?q=" + "a" * 1_000_000)
    assert status == 400, body[:200]
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["type"] == "urn:studyhall:problem:bad-request"
    assert "too long" in problem["detail"]
    async with httpx.AsyncClient(base_url=server.url) as client:
        assert (await client.get("/healthz")).status_code == 200  # the server carries on
