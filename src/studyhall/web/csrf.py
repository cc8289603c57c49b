"""CSRF protection for everything a browser sends with its session cookie.

A browser attaches cookies to requests other sites make it send, so a write that is
authenticated by the cookie alone must prove it came from one of our pages. Each browser holds
a random `studyhall_csrf` cookie (HttpOnly); pages carry `token = HMAC(secret, csrf cookie,
session cookie)` in every form (`csrf_token`) and in a meta tag that scripts and HTMX send as
the `X-CSRF-Token` header. Binding to the session cookie means a token stops working when the
session ends; binding to the random cookie protects the sign-in and sign-up forms too.

A request with `Authorization: Bearer` is not checked: no other site can make a browser send
that header, so API clients with tokens and keys are unaffected.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from studyhall.accounts.permissions import SESSION_COOKIE
from studyhall.kit.errors import Forbidden, problem_response

CSRF_COOKIE = "studyhall_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# API writes that the session cookie does not authenticate (the credentials are in the JSON
# body, which another site cannot send without a CORS preflight we never grant).
UNAUTHENTICATED_API_WRITES = frozenset(
    {"/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/invitations/preview"}
)


class CsrfRefused(Forbidden):
    slug = "csrf-token-invalid"
    title = "The form or request did not carry this browser's CSRF token"


def browser_secret(request: Request) -> str:
    """This browser's random CSRF cookie, made (and set on the response by the page) if new."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing:
        return existing
    made: str | None = getattr(request.state, "new_csrf_cookie", None)
    if made is None:
        made = request.state.new_csrf_cookie = secrets.token_urlsafe(32)
    return made


def token_for(secret_key: str, browser: str, session: str) -> str:
    message = f"{browser}\x00{session}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def page_token(request: Request) -> str:
    """The token this request's page embeds for its next write."""
    # A sign-in made by this very request (its new session cookie) binds the next token.
    session = getattr(request.state, "new_session_cookie", None)
    if session is None:
        session = request.cookies.get(SESSION_COOKIE, "")
    return token_for(request.app.state.settings.secret_key, browser_secret(request), session)


def needs_check(scope_method: str, headers: dict[str, str]) -> bool:
    return scope_method not in SAFE_METHODS and "authorization" not in headers


def valid(request: Request, given: str | None) -> bool:
    browser = request.cookies.get(CSRF_COOKIE)
    if not browser or not given:
        return False
    expected = token_for(
        request.app.state.settings.secret_key, browser, request.cookies.get(SESSION_COOKIE, "")
    )
    return hmac.compare_digest(expected, given)


async def check_form(request: Request) -> None:
    """For page routes: an unsafe request without a bearer token must carry the token, in the
    `X-CSRF-Token` header (HTMX, scripts) or the form's `csrf_token` field."""
    if not needs_check(request.method, dict(request.headers)):
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        given = field if isinstance(field, str) else None
    if not valid(request, given):
        raise CsrfRefused("Reload the page and try again.")


class ApiCsrfMiddleware:
    """For the JSON API: a write authenticated by the session cookie (no `Authorization`
    header) must carry `X-CSRF-Token`. Headers only, so no request body is read here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith("/api/") and path not in UNAUTHENTICATED_API_WRITES:
            request = Request(scope)
            if (
                needs_check(request.method, dict(request.headers))
                and SESSION_COOKIE in request.cookies
                and not valid(request, request.headers.get(CSRF_HEADER))
            ):
                refused = CsrfRefused(
                    "A write with the session cookie needs the page's `X-CSRF-Token` header; "
                    "API clients send `Authorization: Bearer` instead."
                )
                await problem_response(refused, request)(scope, receive, send)
                return
        await self.app(scope, receive, send)
