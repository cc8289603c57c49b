"""Request-body size limits, enforced before a body is read.

Every request body is bounded: a body that declares a size above its route's limit is refused
(413) before a byte of it is read, and a chunked body is cut off at the first chunk past the
limit, so no body costs the server more memory than the limit. Most routes take small JSON
or form bodies and share one limit (`STUDYHALL_BODY_MAX_BYTES`); routes that stream a file
(imports, media) are a class of their own with their own, larger limit.

Starlette's own body-limit middleware applies one limit to everything below it; here the
limit depends on the route, which is known only after routing, so it is looked up at the
first read of the body, when routing is done.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from studyhall.kit.errors import PayloadTooLarge, problem_response

# (method, route path) -> the largest body the route accepts, in bytes.
RouteLimits = Mapping[tuple[str, str], int]


class BodyTooLarge(HTTPException):
    """The body is above the route's limit. An HTTPException, so that FastAPI's body reading
    passes it on unchanged and the problem handlers answer it (413, problem+json)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"The request body may be at most {limit} bytes; send less, or split it."
        )
        self.limit = limit


class BodyLimitMiddleware:
    """Refuses request bodies above their route's limit (413) without reading them."""

    def __init__(self, app: ASGIApp, *, default: int, routes: RouteLimits) -> None:
        self.app = app
        self.default = default
        self.routes = routes

    def limit_of(self, scope: Scope) -> int:
        """The limit of the route this request was routed to (the default before routing)."""
        route = scope.get("route")
        path = getattr(route, "path", None)
        return self.routes.get((scope["method"], path), self.default) if path else self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        size = int(declared) if declared.isdigit() else None
        received = 0
        started = False

        async def receive_within_limit() -> Message:
            nonlocal received
            limit = self.limit_of(scope)
            if size is not None and size > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def send_marked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive_within_limit, send_marked)
        except BodyTooLarge as exc:
            # Raised where nothing answered it (outside a route's handlers).
            if started:
                raise
            response = problem_response(PayloadTooLarge(exc.detail))
            await response(scope, receive, send)
