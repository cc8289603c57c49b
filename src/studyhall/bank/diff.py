"""What changed between two versions of a question, for reviewers.

A field-level diff of the content (every leaf that differs, by its path, as validation errors
name fields: `body.options.1.text`), and a unified line diff of the two long texts.
"""

from __future__ import annotations

import difflib
from typing import Any
from uuid import UUID

from studyhall.bank.schemas import FieldChange, VersionDiff
from studyhall.bank.service import get_question, version_by_number
from studyhall.kit.context import Context

_MISSING = object()


def field_changes(old: Any, new: Any, path: str = "") -> list[FieldChange]:
    """Leaf-by-leaf differences; a field present on one side only is one change."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[FieldChange] = []
        for key in [*old, *(k for k in new if k not in old)]:
            changes += _pair(old.get(key, _MISSING), new.get(key, _MISSING), _join(path, key))
        return changes
    if isinstance(old, list) and isinstance(new, list):
        changes = []
        for index in range(max(len(old), len(new))):
            before = old[index] if index < len(old) else _MISSING
            after = new[index] if index < len(new) else _MISSING
            changes += _pair(before, after, _join(path, index))
        return changes
    return (
        [] if old == new and type(old) is type(new) else [FieldChange(path=path, old=old, new=new)]
    )


def _pair(old: Any, new: Any, path: str) -> list[FieldChange]:
    if old is _MISSING or new is _MISSING:
        return [
            FieldChange(
                path=path,
                old=None if old is _MISSING else old,
                new=None if new is _MISSING else new,
            )
        ]
    return field_changes(old, new, path)


def _join(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)


def text_diff(old: str, new: str, *, name: str, old_number: int, new_number: int) -> str:
    """A unified diff of two Markdown texts (empty when they are equal)."""
    lines = difflib.unified_diff(
        [line + "\n" for line in old.splitlines()],
        [line + "\n" for line in new.splitlines()],
        fromfile=f"v{old_number}/{name}",
        tofile=f"v{new_number}/{name}",
    )
    return "".join(lines)


async def diff_versions(
    ctx: Context, org_id: UUID, question_id: UUID, *, from_number: int | None, to_number: int | None
) -> VersionDiff:
    """Version `to` (the head by default) against version `from` (the one before `to` by
    default)."""
    view = await get_question(ctx, org_id, question_id)
    to_number = view.head.number if to_number is None else to_number
    from_number = max(to_number - 1, 1) if from_number is None else from_number
    old = await version_by_number(ctx, org_id, question_id, from_number)
    new = await version_by_number(ctx, org_id, question_id, to_number)
    texts = {
        name: text_diff(
            str(old.content.get(name, "")),
            str(new.content.get(name, "")),
            name=name,
            old_number=old.number,
            new_number=new.number,
        )
        for name in ("stem", "explanation")
    }
    return VersionDiff(
        question_id=question_id,
        from_version=old.number,
        to_version=new.number,
        changes=field_changes(old.content, new.content),
        stem_diff=texts["stem"],
        explanation_diff=texts["explanation"],
    )
