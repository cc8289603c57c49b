"""What no route may receive, refused once for all of them, before any route code runs.

Text: U+0000 cannot be stored in PostgreSQL text (one such character in a question made the
organisation's lists fail for everyone); a lone surrogate cannot be encoded at all; the other
C0 control characters (escape, bell, backspace…) are never what a person typed and can hide
text in a terminal or a log. So every text value a request carries — each JSON string and
object key, form field, path segment and query value — is refused if it holds one, with a
422 naming the field. Tab, line feed and carriage return stay: stems and explanations are
written on several lines.

Integers in paths and queries are bounded to the range of a 32-bit database integer (the
column type of version numbers, positions and ids): a larger one can name nothing, and
PostgreSQL would refuse it with an error rather than find nothing.

One app-wide dependency does both (`check_request`), so a route added later is covered
without doing anything; `bound_integer_parameters` writes the same bounds into the OpenAPI
document so it says what the server does.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin
from urllib.parse import parse_qsl

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import Request

from studyhall.kit.errors import InvalidInput

INT_MIN, INT_MAX = -(2**31), 2**31 - 1

# C0 controls except tab, LF and CR, and the surrogate code points (never text on their own).
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
# JSON can only carry those characters escaped, so a body without `\u` holds none of them.
_JSON_ESCAPE = re.compile(rb"\\u", re.IGNORECASE)


def refused_character(text: str) -> str | None:
    """Why `text` may not be stored (the first refused character, named), or None."""
    found = _REFUSED.search(text)
    if found is None:
        return None
    code = ord(found.group())
    if 0xD800 <= code <= 0xDFFF:
        return f"contains U+{code:04X}, half of a character; send the whole character"
    return f"contains the control character U+{code:04X}, which text may not hold"


def _printable(key: str) -> str:
    return key.encode("unicode_escape", "backslashreplace").decode("ascii")


def _json_text(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        if why := refused_character(value):
            yield where, why
    elif isinstance(value, dict):
        for key, item in value.items():
            if why := refused_character(key):
                yield f"{where}.{_printable(key)}", f"the name {why}"
            yield from _json_text(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_text(item, f"{where}.{index}")


def _pairs_text(pairs: Iterator[tuple[str, str]], where: str) -> Iterator[tuple[str, str]]:
    for name, value in pairs:
        if why := refused_character(name):
            yield f"{where}.{_printable(name)}", f"the name {why}"
        elif why := refused_character(value):
            yield f"{where}.{name}", why


def _is_integer(annotation: Any) -> bool:
    if annotation is int:
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_integer(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list, tuple, set, frozenset):
        return any(_is_integer(arg) for arg in get_args(annotation))
    return False


def _integer_parameters(dependant: Dependant) -> Iterator[tuple[str, str]]:
    """(`path` or `query`, name) of each integer parameter of a route, its dependencies'
    included."""
    for where, fields in (("path", dependant.path_params), ("query", dependant.query_params)):
        for field in fields:
            if _is_integer(field.field_info.annotation):
                yield where, field.alias
    for sub in dependant.dependencies:
        yield from _integer_parameters(sub)


_INTEGERS: dict[int, tuple[tuple[str, str], ...]] = {}


def _integers_of(route: APIRoute) -> tuple[tuple[str, str], ...]:
    found = _INTEGERS.get(id(route))
    if found is None:
        found = _INTEGERS[id(route)] = tuple(dict.fromkeys(_integer_parameters(route.dependant)))
    return found


def _out_of_range(values: list[str], where: str) -> Iterator[tuple[str, str]]:
    for value in values:
        try:
            number = int(value.strip())
        except ValueError:
            continue  # not an integer at all: the route's own validation says so
        if not INT_MIN <= number <= INT_MAX:
            yield where, f"must be between {INT_MIN} and {INT_MAX}"
            return


async def _body_text(request: Request, route: APIRoute | None) -> list[tuple[str, str]]:
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        # Bounded by the body limit; the form is kept on the request for the page to read.
        body = await request.body()
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return list(_pairs_text(iter(pairs), "form"))
    if route is None or route.body_field is None:
        return []  # a route that reads no JSON (uploads stream their own bodies)
    if kind != "application/json" and not kind.endswith("+json"):
        return []
    raw = await request.body()  # read already by the route, before its dependencies
    texts, flags = _JSON_ESCAPE.search(raw), b"true" in raw or b"false" in raw
    if not (texts or flags):
        return []
    try:
        document = json.loads(raw)
    except ValueError:
        return []  # malformed JSON: the route's own validation says so
    errors = list(_json_text(document, "body")) if texts else []
    if flags and (schema := _body_schema(request, route)) is not None:
        openapi = request.app.openapi()
        errors += _flags_as_numbers(openapi, schema, document, "body")
    return errors


def _body_schema(request: Request, route: APIRoute) -> dict[str, Any] | None:
    """The JSON schema of the route's body, from the app's OpenAPI document."""
    operation = request.app.openapi()["paths"].get(route.path, {}).get(request.method.lower())
    content = (operation or {}).get("requestBody", {}).get("content", {})
    schema: dict[str, Any] | None = content.get("application/json", {}).get("schema")
    return schema


def _variants(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema and its union members, references resolved."""
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    found = [schema]
    for union in ("anyOf", "oneOf", "allOf"):
        for member in schema.get(union, []):
            found += _variants(document, member)
    return found


def _flags_as_numbers(
    document: dict[str, Any], schema: dict[str, Any], value: Any, where: str
) -> Iterator[tuple[str, str]]:
    """`true`/`false` where the schema wants a number: JSON says a boolean is not a number,
    though pydantic's lax mode would read it as 1 or 0."""
    variants = _variants(document, schema)
    kinds = {variant.get("type") for variant in variants}
    if isinstance(value, bool):
        if kinds & {"integer", "number"} and "boolean" not in kinds:
            yield where, "must be a number, not true or false"
    elif isinstance(value, dict):
        for key, item in value.items():
            for variant in variants:
                if (sub := variant.get("properties", {}).get(key)) is not None:
                    yield from _flags_as_numbers(document, sub, item, f"{where}.{key}")
                    break
    elif isinstance(value, list):
        items = [v["items"] for v in variants if isinstance(v.get("items"), dict)]
        for index, item in enumerate(value):
            if items:
                yield from _flags_as_numbers(document, items[0], item, f"{where}.{index}")


async def check_request(request: Request) -> None:
    """Refuse (422, each field named) refused characters in any text the request carries and
    integers out of range in its path and query. Runs before every route's own dependencies."""
    route = request.scope.get("route")
    route = route if isinstance(route, APIRoute) else None
    errors = list(_pairs_text(iter(request.path_params.items()), "path"))
    errors += _pairs_text(iter(request.query_params.multi_items()), "query")
    if route is not None:
        for where, name in _integers_of(route):
            values = (
                [str(request.path_params.get(name, ""))]
                if where == "path"
                else request.query_params.getlist(name)
            )
            errors += _out_of_range(values, f"{where}.{name}")
    errors += await _body_text(request, route)
    if errors:
        fields = ", ".join(dict.fromkeys(field for field, _ in errors))
        raise InvalidInput(f"Invalid fields: {fields}", errors=dict(errors).items())


def bound_integer_parameters(document: dict[str, Any]) -> None:
    """Write the integer bounds `check_request` enforces into an OpenAPI document."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                _bound(parameter.get("schema", {}))


def _bound(schema: dict[str, Any]) -> None:
    for variant in schema.get("anyOf", []):
        _bound(variant)
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        _bound(schema["items"])
    if schema.get("type") == "integer":
        schema["maximum"] = min(schema.get("maximum", INT_MAX), INT_MAX)
        schema["minimum"] = max(schema.get("minimum", INT_MIN), INT_MIN)
