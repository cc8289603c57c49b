"""What the boundary refuses before any route sees it, walked over the whole API.

PostgreSQL cannot store U+0000 in text, and a lone surrogate is not text at all; other C0
control characters in a name or a stem are never what a person meant. Every text field of
every write, and every path and query value, is therefore refused at the boundary with a 422
that names the field, on both engines. Integers in paths and queries are bounded to the
range a database integer holds. The routes and fields come from the OpenAPI document, so a
route added later is walked too.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI

from studyhall.orgs.roles import Role
from tests.test_tenancy import SAMPLES, _payload, build_world
from tests.walk.world import World

BAD_TEXT = ["nul\x00here", "bell\x07", "escape\x1b[31m", "lone \ud800 surrogate"]
WRITES = ("post", "put", "patch", "delete")
INT32_MAX = 2**31 - 1


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][name]
    return schema


def text_fields(
    document: dict[str, Any],
    schema: dict[str, Any],
    path: tuple[str | int, ...] = (),
    wanted: tuple[str, ...] = ("string",),
) -> Iterator[tuple[str | int, ...]]:
    """The path of every string (or other `wanted` type) in a request schema (through
    objects, arrays and unions; an array's first item stands for all; a free-form object
    gets a key of our own)."""
    if len(path) > 8:
        return
    schema = _resolve(document, schema)
    for union in ("anyOf", "oneOf", "allOf"):
        for variant in schema.get(union, []):
            yield from text_fields(document, variant, path, wanted)
    kind = schema.get("type")
    if kind in wanted:
        yield path
    elif kind == "array" and "items" in schema:
        yield from text_fields(document, schema["items"], (*path, 0), wanted)
    elif kind == "object" or "properties" in schema:
        for name, sub in schema.get("properties", {}).items():
            yield from text_fields(document, sub, (*path, name), wanted)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            yield from text_fields(document, extra, (*path, "key"), wanted)


def _with(body: Any, path: tuple[str | int, ...], value: str) -> Any:
    """`body` with `value` at `path`, making the containers the path needs."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(body) if isinstance(body, list) and body else [{} if rest else ""]
        items[0] = _with(items[0], rest, value)
        return items
    out = dict(body) if isinstance(body, dict) else {}
    out[head] = _with(out.get(head, {} if rest else ""), rest, value)
    return out


def _field(location: str, path: tuple[str | int, ...]) -> str:
    return ".".join([location, *(str(p) for p in path)])


def _sample(world: World, method: str, path: str) -> tuple[dict[str, str], Any]:
    params, body = SAMPLES[(method.upper(), path)](world)
    params.pop("?", None)
    return params, copy.deepcopy(body)


def _url(path: str, params: dict[str, str], **override: str) -> str:
    values = {"org": "home", **params, **override}
    return path.format(**{name: quote(value, safe="") for name, value in values.items()})


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _names_field(response: httpx.Response, field: str) -> str | None:
    """None if the answer is a 422 naming `field`, else what is wrong."""
    if response.status_code != 422:
        return f"{response.status_code} {response.text[:160]}"
    fields = [error["field"] for error in response.json().get("errors") or []]
    # A list names its item (`query.difficulty.0`).
    named = any(f == field or f.startswith(f"{field}.") for f in fields)
    return None if named else f"422 naming {fields}, not {field}"


async def test_every_text_field_of_every_write_refuses_control_characters(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    world = await build_world(client)
    owner = world.members[Role.OWNER].auth
    document = await _document(client)
    wrong, walked = [], 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            schema = (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            if method not in WRITES or schema is None:
                continue
            params, sample = _sample(world, method, path)
            for field in dict.fromkeys(text_fields(document, schema)):
                for bad in BAD_TEXT[:1] if walked > 40 else BAD_TEXT:
                    walked += 1
                    body = _with(sample, field, bad)
                    # Escaped as JSON allows (\u0000), the only way such text can come.
                    response = await client.request(
                        method,
                        _url(path, params),
                        content=json.dumps(body),
                        headers={**owner, "Content-Type": "application/json"},
                    )
                    if problem := _names_field(response, _field("body", field)):
                        wrong.append(f"{method.upper()} {path} body.{field} {bad!r}: {problem}")
    assert walked > 50, "the walk must see the API's text fields"
    assert not wrong, "\n".join(wrong)
    await _the_org_still_answers(client, world)


async def test_every_path_and_query_text_refuses_control_characters(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world(client)
    owner = world.members[Role.OWNER].auth
    document = await _document(client)
    wrong, walked = [], 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            params, body = _sample(world, method, path)
            payload = {} if body is None else _payload(body)
            for parameter in operation.get("parameters", []):
                name, where = parameter["name"], parameter["in"]
                if where not in ("path", "query"):
                    continue
                walked += 1
                if where == "path":
                    url = _url(path, params, **{name: "x\x00y"})
                else:
                    url = _url(path, params) + f"?{quote(name)}=x%00y"
                response = await client.request(method, url, headers=owner, **payload)
                if problem := _names_field(response, f"{where}.{name}"):
                    wrong.append(f"{method.upper()} {path} {where}.{name}: {problem}")
    assert walked > 30, "the walk must see the API's parameters"
    assert not wrong, "\n".join(wrong)
    await _the_org_still_answers(client, world)


async def test_every_integer_parameter_is_bounded(client: httpx.AsyncClient) -> None:
    world = await build_world(client)
    owner = world.members[Role.OWNER].auth
    document = await _document(client)
    wrong, walked = [], 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            params, body = _sample(world, method, path)
            payload = {} if body is None else _payload(body)
            for parameter in operation.get("parameters", []):
                name, where = parameter["name"], parameter["in"]
                if '"integer"' not in str(parameter["schema"]).replace("'", '"'):
                    continue
                declared = _integer_schema(parameter["schema"])
                if declared.get("maximum", INT32_MAX + 1) > INT32_MAX:
                    wrong.append(f"{method.upper()} {path} {where}.{name}: no maximum declared")
                for value in (2**31, 2**63, -(2**31) - 1, 10**30):
                    walked += 1
                    if where == "path":
                        url = _url(path, params, **{name: str(value)})
                    else:
                        url = _url(path, params) + f"?{name}={value}"
                    response = await client.request(method, url, headers=owner, **payload)
                    if problem := _names_field(response, f"{where}.{name}"):
                        wrong.append(f"{method.upper()} {path} {where}.{name}={value}: {problem}")
    assert walked >= 4 * 10, "the walk must see the API's integer parameters"
    assert not wrong, "\n".join(wrong)


def _integer_schema(schema: dict[str, Any]) -> dict[str, Any]:
    for variant in schema.get("anyOf", [schema]):
        if variant.get("type") == "integer":
            return variant
        if variant.get("type") == "array":
            return _integer_schema(variant["items"])
    return schema


async def test_page_forms_refuse_control_characters(client: httpx.AsyncClient) -> None:
    page = await client.get("/sign-in")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = await client.post(
        "/sign-in",
        data={"csrf_token": token, "email": "a\x00@example.com", "password": "x"},
    )
    assert response.status_code == 422, response.text
    assert "form.email" in response.text


async def _the_org_still_answers(client: httpx.AsyncClient, world: World) -> None:
    """Nothing was stored: the org's lists, search and export answer as before."""
    owner = world.members[Role.OWNER].auth
    for url in (
        "/api/v1/orgs/home/questions",
        "/api/v1/orgs/home/questions?q=stem",
        "/api/v1/orgs/home/tracks",
        "/api/v1/orgs/home/members",
        "/api/v1/orgs/home/audit",
        f"/api/v1/orgs/home/tracks/{world.ids['track']}/export?format=json",
    ):
        response = await client.get(url, headers=owner)
        assert response.status_code == 200, f"{url}: {response.text[:200]}"


def _json_bodies(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if method in WRITES and "application/json" in content:
                yield method, path, content["application/json"]["schema"]


async def test_no_number_of_any_write_takes_true_or_false(client: httpx.AsyncClient) -> None:
    """JSON's booleans are not numbers: `false` is not 0 seconds, nor a maximum of 0."""
    world = await build_world(client)
    owner = world.members[Role.OWNER].auth
    document = await _document(client)
    wrong, walked = [], []
    for method, path, schema in _json_bodies(document):
        params, sample = _sample(world, method, path)
        for field in dict.fromkeys(text_fields(document, schema, (), ("integer", "number"))):
            walked.append(f"{path} {field}")
            response = await client.request(
                method, _url(path, params), json=_with(sample, field, False), headers=owner
            )
            if problem := _names_field(response, _field("body", field)):
                wrong.append(f"{method.upper()} {path} body.{field}: {problem}")
    assert any("time_spent_ms" in w for w in walked), walked
    assert any("max" in w for w in walked), walked
    assert not wrong, "\n".join(wrong)
