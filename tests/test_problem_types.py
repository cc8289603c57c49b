"""Problem types are stable identifiers: unique, and each one documented for integrators."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import studyhall
from studyhall.kit.errors import Problem

API_DOC = Path(__file__).parents[1] / "docs" / "api.md"


def all_problem_classes() -> list[type[Problem]]:
    for module in pkgutil.walk_packages(studyhall.__path__, "studyhall."):
        if ".migrations" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: list[type[Problem]] = []
    pending = [Problem]
    while pending:
        for subclass in pending.pop().__subclasses__():
            found.append(subclass)
            pending.append(subclass)
    return found


def test_each_problem_type_means_one_thing() -> None:
    by_slug: dict[str, tuple[int, str]] = {}
    for cls in all_problem_classes():
        meaning = (cls.status, cls.title)
        assert by_slug.setdefault(cls.slug, meaning) == meaning, f"{cls.slug} reused by {cls}"


def test_each_problem_type_is_documented() -> None:
    documented = API_DOC.read_text()
    missing = sorted({c.slug for c in all_problem_classes() if f"`{c.slug}`" not in documented})
    assert not missing, f"document these in docs/api.md: {missing}"
