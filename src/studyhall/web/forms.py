"""Reading HTML forms and turning validation failures into messages beside their fields."""

from __future__ import annotations

from pydantic import ValidationError
from starlette.requests import Request

from studyhall.kit.errors import Problem


async def form_of(request: Request) -> dict[str, str]:
    """The form's text fields (the last value of each; lists are read with `form_lists`)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def form_lists(request: Request) -> dict[str, list[str]]:
    form = await request.form()
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


def field_errors(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    """{field name: message}, the field named by the first part of each error's location."""
    out: dict[str, str] = {}
    for error in exc.errors():
        location = [str(p) for p in error["loc"]]
        name = prefix + ".".join(location) if location else "form"
        message = str(error["msg"]).removeprefix("Value error, ")
        out.setdefault(name, message)
        out.setdefault(location[0] if location else "form", message)
    return out


def problem_errors(problem: Problem, default: str = "form") -> dict[str, str]:
    """A problem's field errors by field name (`body.password` -> `password`)."""
    if not problem.errors:
        return {default: problem.detail or problem.title}
    return {e.field.removeprefix("body.").split(".")[0]: e.message for e in problem.errors}
