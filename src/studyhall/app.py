"""create_app(settings) -> the ASGI application: routers, middleware, error handling."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from studyhall import __version__
from studyhall.accounts import endpoints as accounts_endpoints
from studyhall.accounts.passwords import configure_hasher
from studyhall.accounts.permissions import SESSION_COOKIE
from studyhall.audit import endpoints as audit_endpoints
from studyhall.bank import endpoints as bank_endpoints
from studyhall.bank import media_endpoints, search_endpoints
from studyhall.bank.storage import LocalMediaStorage
from studyhall.config import Settings
from studyhall.exams import attempts_endpoints, syllabus_endpoints, tracks_endpoints
from studyhall.interchange import endpoints as interchange_endpoints
from studyhall.jobs import carrier as job_carrier
from studyhall.jobs import endpoints as jobs_endpoints
from studyhall.jobs import registry as job_registry
from studyhall.jobs.worker import Worker
from studyhall.kit.access import AccessRule
from studyhall.kit.boundary import bound_integer_parameters, check_request
from studyhall.kit.clock import Clock, SystemClock
from studyhall.kit.db import Database
from studyhall.kit.errors import ProblemDetail, install_problem_handlers
from studyhall.kit.limits import BodyLimitMiddleware
from studyhall.kit.logging import configure_logging
from studyhall.kit.middleware import RequestContextMiddleware
from studyhall.notifications import endpoints as notifications_endpoints
from studyhall.ops import endpoints as ops_endpoints
from studyhall.orgs import endpoints as orgs_endpoints
from studyhall.planning import endpoints as planning_endpoints
from studyhall.reviews import endpoints as reviews_endpoints
from studyhall.web import install as install_web
from studyhall.web.rendering import CONTENT_SECURITY_POLICY, static_url
from studyhall.webhooks import endpoints as webhooks_endpoints

API_DESCRIPTION = """
Studyhall's REST API. Authenticate with `Authorization: Bearer <token>`: a session token from
`POST /api/v1/auth/login`, or an organisation's API key on routes under `/api/v1/orgs/{org}`.
Every error is `application/problem+json` (RFC 9457); validation errors list the failing fields.
Lists use cursor pagination: follow the `next` link.
"""


# Routes are matched in this order, one by one: answer saves, the requests learners make
# most, come first (routes do not overlap, so the order changes nothing else).
ROUTERS = (
    attempts_endpoints,
    ops_endpoints,
    accounts_endpoints,
    orgs_endpoints,
    audit_endpoints,
    tracks_endpoints,
    syllabus_endpoints,
    bank_endpoints,
    search_endpoints,
    media_endpoints,
    interchange_endpoints,
    webhooks_endpoints,
    jobs_endpoints,
    notifications_endpoints,
    planning_endpoints,
    reviews_endpoints,
)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    configure_logs: bool = True,
    worker: bool = False,
) -> FastAPI:
    """The application; `worker=True` (embedded mode, `studyhall serve`) also runs the job
    worker and event dispatcher inside this process for as long as the app runs."""
    settings = settings or Settings()
    if configure_logs:
        configure_logging(settings.log_level, json=settings.log_json)
    configure_hasher(
        time_cost=settings.argon2_time_cost,
        memory_cost_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    db = Database(settings.resolved_database_url)
    job_registry.load(settings.job_modules)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Jobs committed here are handed to huey (carrier.py), where workers take them.
        async with (
            httpx.AsyncClient(follow_redirects=False) as http,
            job_carrier.attach(db, settings),
        ):
            runtime = job_registry.Runtime(db, app.state.clock, settings, http)
            app.state.job_runtime = runtime
            embedded = Worker(runtime) if worker else None
            running = asyncio.create_task(embedded.run()) if embedded else None
            checkpointer = db.checkpointer()
            checkpoints = asyncio.create_task(checkpointer.run()) if checkpointer else None
            try:
                yield
            finally:
                if checkpoints is not None:
                    checkpoints.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await checkpoints
                if embedded is not None and running is not None:
                    await embedded.stop()
                    await running
        await db.dispose()

    app = FastAPI(
        title="Studyhall",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by `_docs_page`, from our own assets
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        lifespan=lifespan,
        # Before every route's own dependencies: text no route may store, integers out of
        # range (kit/boundary.py).
        dependencies=[Depends(check_request)],
    )
    app.state.settings = settings
    app.state.db = db
    app.state.clock = clock or SystemClock()
    app.state.media_storage = LocalMediaStorage(settings.data_dir / "media")

    install_problem_handlers(app)
    for module in ROUTERS:
        app.include_router(module.router)
    install_web(app)  # pages, static files, CSRF check of cookie-authenticated API writes
    app.add_route("/api/v1/docs", _docs_page, include_in_schema=False)
    app.add_middleware(
        BodyLimitMiddleware, default=settings.body_max_bytes, routes=upload_limits(settings)
    )
    app.add_middleware(RequestContextMiddleware, https_only=settings.is_production)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


# The routes that stream a file themselves, a class of their own: each keeps its own limit
# (the file's setting, plus room for the multipart envelope), checked again as it streams.
IMPORT_ROUTES = (
    "/api/v1/orgs/{org}/tracks/{track_id}/imports",
    "/o/{org}/tracks/{track_id}/import",
)
MEDIA_ROUTES = ("/api/v1/orgs/{org}/media", "/o/{org}/media")
SYLLABUS_ROUTES = (
    "/api/v1/orgs/{org}/tracks/{track_id}/syllabus/proposals",
    "/o/{org}/tracks/{track_id}/syllabus/import",
)


def upload_limits(settings: Settings) -> dict[tuple[str, str], int]:
    """The body limit of each upload route; every other route has `body_max_bytes`."""
    # A backstop at twice the route's own limit (the file plus its envelope): the route's
    # check, made as each chunk arrives, always comes first and answers with its own, more
    # telling problem (import-too-large, media-too-large), whatever the chunk size.
    imports = 2 * (settings.import_max_bytes + interchange_endpoints.ENVELOPE)
    media = 2 * (settings.media_max_bytes + media_endpoints.ENVELOPE)
    limits = {("POST", path): imports for path in IMPORT_ROUTES}
    limits.update({("POST", path): media for path in MEDIA_ROUTES})
    notices = 2 * (settings.syllabus_pdf_max_bytes + syllabus_endpoints.ENVELOPE)
    limits.update({("POST", path): notices for path in SYLLABUS_ROUTES})
    return limits


async def _docs_page(request: Request) -> HTMLResponse:
    """Swagger UI from the locked npm package (scripts/vendor-assets.sh), served by us under
    the pages' Content-Security-Policy: no CDN, no floating version, no inline script."""
    vendor = "vendor/swagger-ui"
    html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Studyhall API</title>
<link rel="icon" href="{static_url("favicon.svg")}" type="image/svg+xml">
<link rel="stylesheet" href="{static_url(f"{vendor}/swagger-ui.css")}">
</head>
<body>
<div id="swagger-ui" data-openapi="/api/v1/openapi.json"></div>
<script src="{static_url(f"{vendor}/swagger-ui-bundle.js")}"></script>
<script src="{static_url("js/api-docs.js")}"></script>
</body>
</html>
"""
    return HTMLResponse(html, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})


SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A session token (`shs_…`) from `POST /api/v1/auth/login`, or an "
        "organisation's API key (`shk_…`) on routes under `/api/v1/orgs/{org}`.",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The web app's session; writes also need the `X-CSRF-Token` header.",
    },
}


def _access_rules(dependant: Dependant) -> Iterator[AccessRule]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, AccessRule):
            yield dependency.call
        yield from _access_rules(dependency)


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (inner := getattr(route, "original_router", None)) is not None:
            yield from _api_routes(inner.routes)


def _declare_security(app: FastAPI, schema: dict[str, Any]) -> None:
    """The security schemes, and on each operation the ones it accepts (none when public),
    read from the access rule each route declares."""
    schema["components"]["securitySchemes"] = SECURITY_SCHEMES
    for route in _api_routes(app.routes):
        rules = [rule.describe() for rule in _access_rules(route.dependant)]
        if not rules or rules[0] == "public":
            continue
        for method in route.methods or ():
            operation = schema["paths"].get(route.path, {}).get(method.lower())
            if operation is not None:
                operation["security"] = [{"bearerAuth": []}, {"sessionCookie": []}]


UNREADABLE = "The request could not be read (request line or headers malformed or too long)"


def _declare_unreadable_requests(schema: dict[str, Any]) -> None:
    """Every operation can answer 400: the HTTP parser refuses a request line or headers it
    cannot read (a query string of a megabyte) before any route runs (kit/http_protocol)."""
    problem = {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
    }
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            response = operation.setdefault("responses", {}).setdefault(
                "400", {"description": UNREADABLE}
            )
            if UNREADABLE not in response["description"]:
                response["description"] += f"; {UNREADABLE}"
            response["content"] = problem


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with its own validation-error shape replaced by our problem type."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ProblemDetail"] = ProblemDetail.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    components.update(components["ProblemDetail"].pop("$defs", {}))
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                if status == "422":
                    response["description"] = "The request is not valid"
                    response["content"] = {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/ProblemDetail"}
                        }
                    }
    bound_integer_parameters(schema)
    _declare_unreadable_requests(schema)
    _declare_security(app, schema)
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    app.openapi_schema = schema
    return schema
