"""Registration does not tell whether an address has an account, and cannot be used to ask
quickly: the answer for a taken address is the answer for a free one, and attempts are
throttled per address asked about and per client address."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from studyhall.kit.clock import FrozenClock
from tests.factories import PASSWORD, sign_up

REGISTER = "/api/v1/auth/register"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"registration_max_per_email": 3, "registration_max_per_address": 6}


def _form(email: str, password: str = PASSWORD) -> dict[str, str]:
    return {"email": email, "password": password, "display_name": "Someone"}


def _shape(response: httpx.Response) -> tuple[int, dict[str, object]]:
    body = dict(response.json())
    body.pop("email", None)  # the address asked about, echoed
    return response.status_code, body


async def test_a_taken_address_gets_the_answer_a_free_one_gets(client: httpx.AsyncClient) -> None:
    taken = await sign_up(client, "ada")
    free = await client.post(REGISTER, json=_form("grace@example.com"))
    again = await client.post(REGISTER, json=_form("ADA@example.com", "another-pass-phrase-9"))
    assert _shape(again) == _shape(free)
    assert again.status_code == 202, again.text
    assert set(again.headers) - {"x-request-id", "content-length"} == set(free.headers) - {
        "x-request-id",
        "content-length",
    }
    # Nothing changed for the account that exists: its own password still signs in.
    login = await client.post(REGISTER.replace("register", "login"), json=_form(taken.email))
    assert login.status_code == 200
    hijack = await client.post(
        REGISTER.replace("register", "login"),
        json={"email": taken.email, "password": "another-pass-phrase-9"},
    )
    assert hijack.status_code == 401
    # The free address did get its account.
    fresh = await client.post(
        REGISTER.replace("register", "login"),
        json={"email": "grace@example.com", "password": PASSWORD},
    )
    assert fresh.status_code == 200


async def test_asking_about_one_address_again_and_again_is_throttled(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    for _ in range(3):
        assert (await client.post(REGISTER, json=_form("target@example.com"))).status_code == 202
    refused = await client.post(REGISTER, json=_form("Target@Example.com"))
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["retry-after"]) > 0
    clock.advance(timedelta(hours=1))
    assert (await client.post(REGISTER, json=_form("target@example.com"))).status_code == 202


async def test_one_client_asking_about_many_addresses_is_throttled(
    client: httpx.AsyncClient,
) -> None:
    for n in range(6):
        response = await client.post(REGISTER, json=_form(f"probe{n}@example.com"))
        assert response.status_code == 202, response.text
    refused = await client.post(REGISTER, json=_form("probe-last@example.com"))
    assert refused.status_code == 429, refused.text
