"""The web app: server-rendered pages (Jinja2 + HTMX) over the same services as the API.

`install(app)` mounts the pages, the static files and the CSRF check of cookie-authenticated
API writes. Nothing imports this package but `studyhall.app`.
"""

from __future__ import annotations

from fastapi import FastAPI

from studyhall.web.csrf import ApiCsrfMiddleware
from studyhall.web.static import CachedStaticFiles

PAGE_MODULES = (
    "public",
    "learner",
    "author",
    "syllabus",
    "interchange",
    "admin",
    "webhooks",
    "media",
    "jobs",
)


def install(app: FastAPI) -> None:
    import importlib

    for name in PAGE_MODULES:
        module = importlib.import_module(f"studyhall.web.{name}")
        app.include_router(module.router)
    app.mount("/static", CachedStaticFiles(), name="static")
    app.add_middleware(ApiCsrfMiddleware)
