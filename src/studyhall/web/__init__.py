"""The web app: server-rendered pages (Jinja2 + HTMX) over the same services as the API.

`install(app)` mounts the pages, the static files and the CSRF check of cookie-authenticated
API writes. Nothing imports this package but `studyhall.app`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from studyhall.web.csrf import ApiCsrfMiddleware
from studyhall.web.static import CachedStaticFiles

PAGE_MODULES = (
    "public",
    "learner",
    "plans",
    "plan_adherence",
    "reviews",
    "author",
    "syllabus",
    "interchange",
    "admin",
    "webhooks",
    "media",
    "jobs",
    "reminders",
)


def install(app: FastAPI) -> None:
    import importlib

    for name in PAGE_MODULES:
        module = importlib.import_module(f"studyhall.web.{name}")
        app.include_router(module.router)
    app.mount("/static", CachedStaticFiles(), name="static")
    app.add_middleware(ApiCsrfMiddleware)
    _answer_unknown_pages_with_a_page(app)


def _answer_unknown_pages_with_a_page(app: FastAPI) -> None:
    """A browser sent to an address that is no page (a mistyped or cut link) gets the error
    page, not the API's problem JSON; the API and other clients keep the JSON."""
    from studyhall.kit.errors import NotFound
    from studyhall.web.access import error_page

    api_answer: Any = app.exception_handlers[HTTPException]

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        wants_page = (
            exc.status_code == 404
            and request.method in ("GET", "HEAD")
            and not request.url.path.startswith(("/api/", "/static/"))
            and "text/html" in request.headers.get("accept", "")
        )
        if not wants_page:
            response: Response = await api_answer(request, exc)
            return response
        return await error_page(request, NotFound("There is nothing at this address."))

    app.add_exception_handler(HTTPException, on_http)
