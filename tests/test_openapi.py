"""The OpenAPI document is honest: summaries, and the errors each endpoint can really give."""

from __future__ import annotations

import re

import httpx

from studyhall.web.rendering import CONTENT_SECURITY_POLICY
from tests.test_tenancy import EXPECTED_RULES

PROBLEM = "application/problem+json"


async def test_openapi_document_and_docs_page_are_served(client: httpx.AsyncClient) -> None:
    document = await client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    assert document.json()["info"]["title"] == "Studyhall"
    page = await client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "openapi.json" in page.text


async def test_every_operation_has_a_summary_and_declares_its_errors(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/api/v1/openapi.json")).json()["paths"]
    missing = []
    for path, operations in paths.items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            if not operation.get("summary"):
                missing.append(f"{where}: no summary")
            declared = set(operation["responses"])
            rule = EXPECTED_RULES[(method.upper(), path)]
            needed = set()
            # The HTTP parser's 400 (an unreadable or overlong request line) can reach any.
            needed.add("400")
            if rule != "public":
                needed.add("401")
            if rule.startswith("org:"):
                needed |= {"403", "404"}
            if operation.get("parameters") or operation.get("requestBody"):
                needed.add("422")
            if gaps := needed - declared:
                missing.append(f"{where}: undeclared {sorted(gaps)}")
            for status, response in operation["responses"].items():
                if status[0] in "45" and PROBLEM not in response.get("content", {}):
                    missing.append(f"{where}: {status} is not problem+json")
    assert not missing, "\n".join(missing)


async def test_the_problem_shape_is_a_component(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/api/v1/openapi.json")).json()["components"]["schemas"]
    problem = schemas["ProblemDetail"]
    assert {"type", "title", "status"} <= set(problem["required"])
    assert "HTTPValidationError" not in schemas


async def test_the_docs_page_loads_only_our_own_locked_assets_under_our_csp(
    client: httpx.AsyncClient,
) -> None:
    """Swagger UI comes from the locked npm package, served by us, never from a CDN."""
    page = await client.get("/api/v1/docs")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text  # no inline script: the CSP would refuse it
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    files = [a.split("?", 1)[0] for a in assets]
    assert any(f.endswith("/swagger-ui-bundle.js") for f in files), assets
    assert any(f.endswith("/swagger-ui.css") for f in files), assets
    for asset in assets:
        assert asset.startswith("/static/"), f"{asset} is not served by us"
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 100, asset


async def test_405_lists_every_method_the_path_has(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/api/v1/openapi.json")).json()["paths"]
    wrong, asked = [], 0
    for path, operations in paths.items():
        documented = {m.upper() for m in operations}
        url = re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)
        url = url.replace("/orgs/00000000-0000-4000-8000-000000000000", "/orgs/acme")
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - documented):
            response = await client.request(method, url)
            if response.status_code != 405:
                continue
            asked += 1
            allowed = {m.strip() for m in response.headers["allow"].split(",")}
            if missing := documented - allowed:
                wrong.append(f"{method} {path}: Allow {sorted(allowed)} lacks {sorted(missing)}")
    assert asked > 20
    assert not wrong, "\n".join(wrong)


async def test_security_schemes_are_declared_and_each_operation_names_its_own(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearerAuth"]["description"],
    }
    assert schemes["sessionCookie"]["in"] == "cookie"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            rule = EXPECTED_RULES[(method.upper(), path)]
            named = {name for entry in operation.get("security", []) for name in entry}
            if rule == "public":
                assert operation.get("security") in (None, []), f"{method} {path}"
            else:
                assert "bearerAuth" in named, f"{method} {path} names {named}"
