"""Errors as RFC 9457 problem details.

A domain error knows its HTTP status, its stable `type` and its title, so endpoints raise it
and declare it, and the OpenAPI document stays honest. Nothing else reaches a client: unknown
routes, wrong methods, validation failures and crashes are all turned into problem+json here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from studyhall.kit.logging import current_request_id

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:studyhall:problem:"

log = structlog.get_logger(__name__)


class FieldError(BaseModel):
    field: str = Field(description="Path of the failing field, e.g. `body.members.0.role`.")
    message: str


class ProblemDetail(BaseModel):
    """The body of every error response (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


class Problem(Exception):
    """Base of every error a client may see. Subclasses set status, slug and title."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"
    # A refusal that is itself a fact to keep (a failed login) commits the unit of work.
    keep_writes: ClassVar[bool] = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Iterable[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = [FieldError(field=f, message=m) for f, m in errors]
        self.headers = dict(headers or {})

    @classmethod
    def type_uri(cls) -> str:
        return TYPE_BASE + cls.slug

    def body(self, instance: str | None = None) -> ProblemDetail:
        return ProblemDetail(
            type=self.type_uri(),
            title=self.title,
            status=self.status,
            detail=self.detail or self.title,
            instance=instance,
            request_id=current_request_id(),
            errors=self.errors or None,
        )


class BadRequest(Problem):
    pass


class InvalidInput(Problem):
    status = 422
    slug = "validation"
    title = "The request is not valid"


class Unauthenticated(Problem):
    status = 401
    slug = "unauthenticated"
    title = "Authentication required"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="studyhall"'})
        super().__init__(detail, **kwargs)


class Forbidden(Problem):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class NotFound(Problem):
    status = 404
    slug = "not-found"
    title = "Not found"


class MethodNotAllowed(Problem):
    status = 405
    slug = "method-not-allowed"
    title = "Method not allowed"


class Conflict(Problem):
    status = 409
    slug = "conflict"
    title = "Conflict"


class PreconditionFailed(Problem):
    status = 412
    slug = "precondition-failed"
    title = "The resource changed since you read it"


class PayloadTooLarge(Problem):
    status = 413
    slug = "too-large"
    title = "The request body is too large"


class TooManyRequests(Problem):
    status = 429
    slug = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": str(max(1, retry_after))})
        super().__init__(detail, **kwargs)
        self.retry_after = max(1, retry_after)


class ServiceUnavailable(Problem):
    status = 503
    slug = "unavailable"
    title = "Service unavailable"


class InternalError(Problem):
    status = 500
    slug = "internal"
    title = "Internal server error"


_BY_STATUS: dict[int, type[Problem]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthenticated,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PreconditionFailed,
        PayloadTooLarge,
        TooManyRequests,
        ServiceUnavailable,
        InternalError,
    )
}


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    return JSONResponse(
        problem.body(instance).model_dump(exclude_none=True),
        status_code=problem.status,
        headers=problem.headers,
        media_type=PROBLEM_JSON,
    )


def responses(*problems: type[Problem]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the problems an endpoint may raise."""
    out: dict[int | str, dict[str, Any]] = {}
    for cls in problems:
        entry = out.setdefault(cls.status, {"model": ProblemDetail, "description": cls.title})
        if entry["description"] != cls.title:
            entry["description"] += f"; {cls.title}"
        entry["content"] = {
            PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
        }
    return out


def _field_path(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc, request)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        (_field_path(err.get("loc", ())), str(err.get("msg", "invalid"))) for err in exc.errors()
    ]
    fields = ", ".join(dict.fromkeys(f for f, _ in errors))
    return problem_response(InvalidInput(f"Invalid fields: {fields}", errors=errors), request)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    cls = _BY_STATUS.get(exc.status_code)
    if cls is None:  # a status raised by the framework that we have no class for (rare)
        try:
            title = HTTPStatus(exc.status_code).phrase
        except ValueError:
            title = "Error"
        cls = _BY_STATUS[exc.status_code] = type(
            "HTTPProblem", (Problem,), {"status": exc.status_code, "slug": "http", "title": title}
        )
    detail = exc.detail if isinstance(exc.detail, str) and exc.status_code != 404 else None
    if exc.status_code == 404:
        detail = "There is nothing at this address."
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # The router answers from the first route whose path matched, and names only that
        # route's methods; a path served by several routes (GET and POST apart) has more.
        methods = _methods_at(request.app.routes, request.url.path)
        if methods:
            headers["Allow"] = ", ".join(sorted(methods))
    problem = cls(detail, headers=headers)
    return problem_response(problem, request)


def _methods_at(routes: Iterable[Any], path: str) -> set[str]:
    """Every method some route offers at `path` (into included routers too)."""
    found: set[str] = set()
    for route in routes:
        if (inner := getattr(route, "original_router", None)) is not None:
            found |= _methods_at(inner.routes, path)
            continue
        pattern, methods = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if pattern is not None and methods and pattern.match(path):
            found |= set(methods)
    return found


async def _on_crash(request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the log, tagged with the request id; the client gets the id only.
    log.exception("unhandled error", error_type=type(exc).__name__)
    problem = InternalError(
        "Something went wrong on our side. Quote the request id if you report it."
    )
    response = problem_response(problem, request)
    if request_id := current_request_id():
        response.headers["X-Request-ID"] = request_id
    return response


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_crash)
