"""Tenant-owned rows are queried only through `studyhall.kit.tenancy`.

A lint over the source tree: a `select()`, `update()`, `delete()` or `session.get()` naming a
model with an `org_id` column anywhere else fails here, so a query cannot forget its
organisation filter without someone seeing this test fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import studyhall
from studyhall.kit.db import Base
from studyhall.models import metadata

SOURCE = Path(studyhall.__file__).parent
ALLOWED_FILES = {SOURCE / "kit" / "tenancy.py"}
QUERY_FUNCTIONS = {"select", "update", "delete", "get"}

TENANT_MODELS = {
    mapper.class_.__name__
    for mapper in Base.registry.mappers
    if "org_id" in mapper.class_.__table__.columns
}


def unscoped_queries(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in QUERY_FUNCTIONS:
            continue
        for arg in node.args:
            if isinstance(arg, ast.Name) and arg.id in TENANT_MODELS:
                found.append((node.lineno, f"{name}({arg.id})"))
    return found


def test_the_tenant_models_are_known() -> None:
    assert {"Membership", "Invitation", "ApiKey", "AuditEvent"} <= TENANT_MODELS
    assert all(
        "org_id" in t.columns
        for t in metadata.sorted_tables
        if t.name in {"memberships", "invitations", "api_keys"}
    )


def test_no_tenant_query_bypasses_the_scoping_helper() -> None:
    offenders = [
        f"{path.relative_to(SOURCE)}:{line}: {call}"
        for path in sorted(SOURCE.rglob("*.py"))
        if path not in ALLOWED_FILES
        for line, call in unscoped_queries(ast.parse(path.read_text(), str(path)))
    ]
    assert not offenders, "use studyhall.kit.tenancy (scoped/get_scoped):\n" + "\n".join(offenders)


def test_the_lint_catches_an_unscoped_query() -> None:
    code = "async def f(s):\n    return await s.scalars(select(Membership).where(x == 1))\n"
    assert unscoped_queries(ast.parse(code)) == [(2, "select(Membership)")]
