from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from studyhall.accounts.models import AuthSession, User
from studyhall.kit.clock import FrozenClock
from studyhall.kit.security import hash_token
from tests.factories import PASSWORD, sign_up

PROBLEM = "application/problem+json"


async def test_register_then_login_then_me(client: httpx.AsyncClient) -> None:
    person = await sign_up(client, "ada")
    me = await client.get("/api/v1/me", headers=person.auth)
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.com"
    assert me.json()["memberships"] == []


async def test_login_sets_an_httponly_lax_session_cookie_that_works(
    client: httpx.AsyncClient,
) -> None:
    person = await sign_up(client, "grace")
    response = await client.post(
        "/api/v1/auth/login", json={"email": person.email, "password": PASSWORD}
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    client.cookies.clear()
    client.cookies.set("studyhall_session", response.json()["token"])
    assert (await client.get("/api/v1/me")).status_code == 200


async def test_me_without_token_is_401_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_logout_ends_the_session(client: httpx.AsyncClient) -> None:
    person = await sign_up(client)
    assert (await client.post("/api/v1/auth/logout", headers=person.auth)).status_code == 204
    assert (await client.get("/api/v1/me", headers=person.auth)).status_code == 401


async def test_email_is_case_insensitive_and_unique(client: httpx.AsyncClient) -> None:
    await sign_up(client, "linus")
    again = await client.post(
        "/api/v1/auth/register",
        json={"email": "LINUS@Example.com", "password": PASSWORD, "display_name": "L"},
    )
    assert again.status_code == 202  # the same answer as for a free address (no hint)
    login = await client.post(
        "/api/v1/auth/login", json={"email": "Linus@EXAMPLE.com", "password": PASSWORD}
    )
    assert login.status_code == 200


async def test_weak_passwords_are_refused_with_every_reason(client: httpx.AsyncClient) -> None:
    for password, reason in [
        ("short", "10 characters"),
        ("password1234", "common"),
        ("hopper@example.com", "email"),
    ]:
        response = await client.post(
            "/api/v1/auth/register",
            json={"email": "hopper@example.com", "password": password, "display_name": "G"},
        )
        assert response.status_code == 422, password
        errors = response.json()["errors"]
        assert errors[0]["field"] == "body.password"
        assert any(reason in e["message"] for e in errors), errors


async def test_invalid_body_names_each_failing_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/register", json={"email": "not-an-email"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"body.email", "body.password", "body.display_name"}


async def test_malformed_json_is_a_problem_not_a_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


async def test_wrong_password_and_unknown_email_look_the_same(client: httpx.AsyncClient) -> None:
    person = await sign_up(client)
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": person.email, "password": "not-the-password"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "whatever12"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["type"] == unknown.json()["type"]
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_session_last_used_time_is_kept_without_writing_on_every_read(
    app: FastAPI, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    person = await sign_up(client)

    async def last_used() -> object:
        async with app.state.db.unit_of_work() as session:
            return await session.scalar(select(AuthSession.last_used_at))

    first = await last_used()
    clock.advance(timedelta(minutes=1))
    await client.get("/api/v1/me", headers=person.auth)
    assert await last_used() == first
    clock.advance(timedelta(minutes=10))
    await client.get("/api/v1/me", headers=person.auth)
    assert await last_used() == clock.now()


async def test_sessions_expire(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    person = await sign_up(client)
    clock.advance(timedelta(days=15))  # the default lifetime is 14 days
    assert (await client.get("/api/v1/me", headers=person.auth)).status_code == 401


async def test_tokens_are_stored_only_as_hashes(app: FastAPI, client: httpx.AsyncClient) -> None:
    person = await sign_up(client)
    async with app.state.db.unit_of_work() as session:
        stored = (await session.scalars(select(AuthSession.token_hash))).all()
        password_hash = await session.scalar(select(User.password_hash))
    assert person.token not in stored
    assert stored == [hash_token(person.token)]
    assert password_hash is not None
    assert password_hash.startswith("$argon2id$")


class TestOrganisationCreationForAdminsOnly:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"org_creation": "admins"}

    async def test_only_site_admins_create_organisations(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        person = await sign_up(client)
        refused = await client.post(
            "/api/v1/orgs", json={"slug": "acme", "name": "Acme"}, headers=person.auth
        )
        assert refused.status_code == 403
        assert refused.json()["type"] == "urn:studyhall:problem:org-creation-restricted"
        async with app.state.db.unit_of_work() as session:
            user = await session.scalar(select(User).where(User.email == person.email))
            assert user is not None
            user.is_superuser = True
        me = await client.get("/api/v1/me", headers=person.auth)
        assert me.json()["site_admin"] is True
        made = await client.post(
            "/api/v1/orgs", json={"slug": "acme", "name": "Acme"}, headers=person.auth
        )
        assert made.status_code == 201
