"""Login throttling: per account and per client address, 429 with Retry-After."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from studyhall.kit.clock import FrozenClock
from tests.factories import PASSWORD, sign_up


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {
        "login_max_failures_per_account": 3,
        "login_max_failures_per_address": 5,
        "login_window_seconds": 600,
    }


async def _fail(client: httpx.AsyncClient, email: str, ip: str | None = None) -> httpx.Response:
    headers = {"x-forwarded-for": ip} if ip else {}
    return await client.post(
        "/api/v1/auth/login", json={"email": email, "password": "wrong-pass"}, headers=headers
    )


async def test_an_account_is_throttled_after_its_failures(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    person = await sign_up(client)
    for _ in range(3):
        assert (await _fail(client, person.email)).status_code == 401
    clock.advance(timedelta(seconds=100))
    throttled = await client.post(
        "/api/v1/auth/login", json={"email": person.email, "password": PASSWORD}
    )
    # Even the right password waits: otherwise guessing would simply go on.
    assert throttled.status_code == 429
    assert throttled.headers["content-type"] == "application/problem+json"
    assert throttled.json()["type"] == "urn:studyhall:problem:login-throttled"
    # The oldest failure leaves the 600 s window 500 s from now.
    assert 499 <= int(throttled.headers["retry-after"]) <= 501
    clock.advance(timedelta(seconds=501))
    ok = await client.post("/api/v1/auth/login", json={"email": person.email, "password": PASSWORD})
    assert ok.status_code == 200


async def test_success_forgives_the_accounts_earlier_failures(client: httpx.AsyncClient) -> None:
    person = await sign_up(client)
    for _ in range(2):
        await _fail(client, person.email)
    ok = await client.post("/api/v1/auth/login", json={"email": person.email, "password": PASSWORD})
    assert ok.status_code == 200
    for _ in range(2):
        assert (await _fail(client, person.email)).status_code == 401


async def test_one_address_is_throttled_across_accounts(client: httpx.AsyncClient) -> None:
    # Spraying one password over many accounts from one address is stopped too.
    statuses = [(await _fail(client, f"victim{i}@example.com")).status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]


async def test_throttled_attempts_are_not_counted_as_failures(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    person = await sign_up(client)
    for _ in range(3):
        await _fail(client, person.email)
    for _ in range(5):
        assert (await _fail(client, person.email)).status_code == 429
    clock.advance(timedelta(seconds=601))
    ok = await client.post("/api/v1/auth/login", json={"email": person.email, "password": PASSWORD})
    assert ok.status_code == 200


class TestBehindAProxy:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"login_max_failures_per_address": 2, "trusted_proxy_hops": 1}

    async def test_the_forwarded_address_is_throttled_not_the_proxy(
        self, client: httpx.AsyncClient
    ) -> None:
        for _ in range(2):
            await _fail(client, "a@example.com", ip="198.51.100.1")
        assert (await _fail(client, "b@example.com", ip="198.51.100.1")).status_code == 429
        assert (await _fail(client, "c@example.com", ip="198.51.100.2")).status_code == 401


async def test_a_burst_of_parallel_guesses_gets_no_more_verdicts_than_the_limit(
    client: httpx.AsyncClient,
) -> None:
    person = await sign_up(client)
    guesses = [
        client.post("/api/v1/auth/login", json={"email": person.email, "password": f"guess-{n}-x"})
        for n in range(8)
    ]
    statuses = sorted(r.status_code for r in await asyncio.gather(*guesses))
    assert statuses == [401] * 3 + [429] * 5
