"""Public pages: landing, sign up with the password rules, sign in and out, CSRF, headers."""

from __future__ import annotations

import httpx

from tests.factories import PASSWORD, sign_up
from tests.web.helpers import post_form, token_of


async def test_landing_page_says_what_studyhall_is_with_a_strict_policy(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert "question banks" in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in page.text
    assert "style=" not in page.text
    assert "studyhall_csrf" in page.headers["set-cookie"]


async def test_sign_up_then_sign_in_lands_on_the_dashboard(client: httpx.AsyncClient) -> None:
    created = await post_form(
        client,
        "/sign-up",
        {"email": "ada@example.com", "password": PASSWORD, "display_name": "Ada"},
    )
    assert created.status_code == 303, created.text
    signed_in = await post_form(
        client, "/sign-in", {"email": "ada@example.com", "password": PASSWORD}
    )
    assert signed_in.status_code == 303
    assert "studyhall_session" in signed_in.headers["set-cookie"]
    dashboard = await client.get("/dashboard")
    assert dashboard.status_code == 200
    assert "not a member of any organisation" in dashboard.text


async def test_a_weak_password_is_refused_beside_its_field(client: httpx.AsyncClient) -> None:
    page = await post_form(
        client, "/sign-up", {"email": "bo@example.com", "password": "short", "display_name": "Bo"}
    )
    assert page.status_code == 422
    assert 'id="password-error"' in page.text
    assert "at least 10 characters" in page.text


async def test_the_password_checklist_follows_what_is_typed(client: httpx.AsyncClient) -> None:
    token = await token_of(client, "/sign-up")
    headers = {"X-CSRF-Token": token, "HX-Request": "true"}
    weak = await client.post(
        "/sign-up/password-rules", data={"password": "password", "email": "x@example.com"},
        headers=headers,
    )  # fmt: skip
    assert weak.text.count('class="todo"') == 2  # too short, and common
    strong = await client.post(
        "/sign-up/password-rules", data={"password": PASSWORD, "email": "x@example.com"},
        headers=headers,
    )  # fmt: skip
    assert strong.text.count('class="ok"') == 3


async def test_a_form_without_the_token_is_refused(client: httpx.AsyncClient) -> None:
    await token_of(client, "/sign-in")  # the browser has its CSRF cookie
    response = await client.post("/sign-in", data={"email": "a@example.com", "password": "x"})
    assert response.status_code == 403
    assert "CSRF" in response.text


async def test_wrong_password_says_so_on_the_form(client: httpx.AsyncClient) -> None:
    person = await sign_up(client, "cy")
    page = await post_form(client, "/sign-in", {"email": person.email, "password": "wrong-one!"})
    assert page.status_code == 401
    assert 'role="alert"' in page.text


async def test_signed_in_pages_send_strangers_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fdashboard"


async def test_next_never_leaves_the_site(client: httpx.AsyncClient) -> None:
    person = await sign_up(client, "dee")
    response = await post_form(
        client,
        "/sign-in",
        {"email": person.email, "password": PASSWORD, "next": "//evil.example/"},
    )
    assert response.headers["location"] == "/dashboard"


async def test_cookie_api_writes_need_the_csrf_header_but_bearer_calls_do_not(
    client: httpx.AsyncClient,
) -> None:
    person = await sign_up(client, "eve")
    await post_form(client, "/sign-in", {"email": person.email, "password": PASSWORD})
    refused = await client.post("/api/v1/orgs", json={"slug": "eve", "name": "Eve"})
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("csrf-token-invalid")
    token = await token_of(client, "/dashboard")
    made = await client.post(
        "/api/v1/orgs", json={"slug": "eve", "name": "Eve"}, headers={"X-CSRF-Token": token}
    )
    assert made.status_code == 201, made.text
    client.cookies.clear()
    bearer = await client.post(
        "/api/v1/orgs", json={"slug": "eve2", "name": "Eve 2"}, headers=person.auth
    )
    assert bearer.status_code == 201


async def test_sign_out_ends_the_session(client: httpx.AsyncClient) -> None:
    person = await sign_up(client, "fay")
    await post_form(client, "/sign-in", {"email": person.email, "password": PASSWORD})
    out = await post_form(client, "/sign-out", {}, page="/dashboard")
    assert out.status_code == 303
    assert (await client.get("/dashboard")).status_code == 303


async def test_static_files_are_cached_for_a_year(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/app.css")
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
