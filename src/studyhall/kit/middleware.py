"""Request id, access log, security headers and the last-resort 500, as one pure ASGI middleware.

Pure ASGI (no body copies). Crashes are answered here, inside the request's context, because
Starlette's own last-resort handler runs outside every user middleware: its 500 would carry
neither the request id nor the security headers, and its log line would lose the id.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from studyhall.kit.errors import InternalError, problem_response
from studyhall.kit.logging import bind_request_id, reset_request_id

log = structlog.get_logger("studyhall.access")
crash_log = structlog.get_logger("studyhall.errors")

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    # A window this site opens, or that opens it, gets no handle on the other (tabnabbing,
    # cross-window leaks); nothing here needs one.
    "Cross-Origin-Opener-Policy": "same-origin",
    # No page uses these features; denying them means injected content cannot either.
    "Permissions-Policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
        "bluetooth=(), hid=(), midi=(), display-capture=(), interest-cohort=()"
    ),
}
# Two years, the preload list's minimum; only in production, where TLS is in front of us
# (a development server on plain HTTP would lock a browser out of localhost otherwise).
HSTS = "max-age=63072000; includeSubDomains"


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _SAFE_REQUEST_ID.match(candidate) else None
    return None


class RequestContextMiddleware:
    """Gives every request an id (a caller's own, if well-formed), echoes and logs it."""

    def __init__(self, app: ASGIApp, *, https_only: bool = False) -> None:
        self.app = app
        self.https_only = https_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = bind_request_id(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if self.https_only:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if scope["path"].startswith("/api/"):
                    # API answers are one caller's data, and some carry secrets shown once
                    # (session tokens, API keys, invitation tokens, signing secrets): no
                    # browser or proxy cache may keep them. A route that serves something
                    # cacheable (media) says so itself.
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            if response_started:
                raise  # too late for a problem body; the server closes the connection
            # The traceback goes to the log, tagged with the request id; the client gets the id.
            crash_log.exception("unhandled error", error_type=type(exc).__name__)
            problem = InternalError(
                "Something went wrong on our side. Quote the request id if you report it."
            )
            await problem_response(problem, Request(scope))(scope, receive, send_with_headers)
        finally:
            route = scope.get("route")
            log.info(
                "request",
                method=scope["method"],
                route=getattr(route, "path", "unmatched"),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            reset_request_id(token)
