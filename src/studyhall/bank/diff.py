"""What changed between two versions of a question, for reviewers.

For the API: a field-level diff of the content (every leaf that differs, by its path, as
validation errors name fields: `body.options.1.text`), and a unified line diff of the two long
texts. For people (the versions page): the same changes labelled in an author's words
("Option B text", "Matching premise 2", "Topic"), values as they were written (topic names,
response texts, True/False), and each text's changed words marked inline, side by side.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
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


async def _two_versions(
    ctx: Context, org_id: UUID, question_id: UUID, *, from_number: int | None, to_number: int | None
) -> tuple[Any, Any]:
    view = await get_question(ctx, org_id, question_id)
    to_number = view.head.number if to_number is None else to_number
    from_number = max(to_number - 1, 1) if from_number is None else from_number
    old = await version_by_number(ctx, org_id, question_id, from_number)
    new = await version_by_number(ctx, org_id, question_id, to_number)
    return old, new


async def diff_versions(
    ctx: Context, org_id: UUID, question_id: UUID, *, from_number: int | None, to_number: int | None
) -> VersionDiff:
    """Version `to` (the head by default) against version `from` (the one before `to` by
    default)."""
    old, new = await _two_versions(
        ctx, org_id, question_id, from_number=from_number, to_number=to_number
    )
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


@dataclass(frozen=True)
class Segment:
    """A run of text, `changed` when only its side has it (deleted before, inserted after)."""

    text: str
    changed: bool


@dataclass(frozen=True)
class ReadableChange:
    """One thing an author changed: what to call it, and both sides (empty when absent)."""

    label: str
    before: tuple[Segment, ...]
    after: tuple[Segment, ...]

    @property
    def before_text(self) -> str:
        return "".join(s.text for s in self.before)

    @property
    def after_text(self) -> str:
        return "".join(s.text for s in self.after)


@dataclass(frozen=True)
class ReadableDiff:
    from_version: int
    to_version: int
    changes: list[ReadableChange]


# Words, runs of spaces and single marks: fine enough to show "very " inserted in a sentence,
# coarse enough that a changed word is marked whole, not letter by letter.
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TOP = {
    "stem": "Question text", "explanation": "Explanation", "topic_id": "Topic", "tags": "Tags",
    "difficulty": "Difficulty", "source": "Source", "references": "References", "body": "Answer",
}  # fmt: skip
_BODY = {
    "type": "Question type", "shuffle": "Options shuffled", "scoring": "Scoring",
    "penalty": "Penalty for a wrong pick", "correct_answer": "Right answer",
    "feedback_true": "Feedback for True", "feedback_false": "Feedback for False",
    "value": "Right value", "tolerance": "Tolerance (±)", "min": "Minimum", "max": "Maximum",
    "unit": "Unit", "case_sensitive": "Case matters", "normalize_whitespace":
    "Extra spaces ignored", "pattern": "Pattern", "partial_credit": "Partial credit",
    "options": "Options", "items": "Ordering items", "premises": "Matching premises",
    "responses": "Matching responses", "pairs": "Matching pairs",
    "accepted_answers": "Accepted answers",
}  # fmt: skip
_LISTED = {
    "items": "Ordering item", "premises": "Matching premise", "responses": "Matching response",
    "accepted_answers": "Accepted answer",
}  # fmt: skip
_OPTION_PART = {"text": "text", "correct": "is right", "feedback": "feedback"}
TYPE_NAMES = {
    "single_choice": "Single choice", "multiple_response": "Multiple response",
    "true_false": "True / false", "numeric": "Numeric", "short_text": "Short text",
    "ordering": "Ordering", "matching": "Matching",
}  # fmt: skip


def inline_diff(old: str, new: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """Both texts cut into runs, the runs only one side has marked `changed`; joining each
    side's runs gives its text back."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    before: list[Segment] = []
    after: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        _append(before, "".join(a[i1:i2]), tag != "equal")
        _append(after, "".join(b[j1:j2]), tag != "equal")
    return tuple(before), tuple(after)


def _append(runs: list[Segment], text: str, changed: bool) -> None:
    if not text:
        return
    if runs and runs[-1].changed == changed:
        runs[-1] = Segment(runs[-1].text + text, changed)
    else:
        runs.append(Segment(text, changed))


def _label(parts: list[str], content: Mapping[str, Any]) -> str | None:
    """What an author calls the field at `parts`; None for what they never see (ids)."""
    if parts[-1] == "id":
        return None
    if parts[0] != "body":
        if parts[0] == "references" and len(parts) > 1:
            part = {"title": " title", "url": " link"}.get(parts[2], "") if len(parts) > 2 else ""
            return f"Reference {int(parts[1]) + 1}{part}"
        return _TOP.get(parts[0], parts[0].replace("_", " ").capitalize())
    if len(parts) == 1:
        return _TOP["body"]
    name = parts[1]
    if name == "pairs" and len(parts) > 2:
        premises = [p.get("id") for p in content.get("body", {}).get("premises", [])]
        number = premises.index(parts[2]) + 1 if parts[2] in premises else "?"
        return f"Matching premise {number}: right response"
    if name == "options" and len(parts) > 2:
        letter = _LETTERS[int(parts[2]) % len(_LETTERS)]
        part = _OPTION_PART.get(parts[3], parts[3]) if len(parts) > 3 else ""
        return f"Option {letter} {part}".strip()
    if name in _LISTED and len(parts) > 2:
        return f"{_LISTED[name]} {int(parts[2]) + 1}"
    return _BODY.get(name, name.replace("_", " ").capitalize())


def _written(
    parts: list[str], value: Any, content: Mapping[str, Any], topics: Mapping[str, str]
) -> str:
    """A value as the author wrote or chose it."""
    if value is None:
        return ""
    if parts == ["topic_id"]:
        return topics.get(str(value), "another topic")
    if parts == ["body", "type"]:
        return TYPE_NAMES.get(str(value), str(value))
    if parts[:2] == ["body", "correct_answer"]:
        return "True" if value else "False"
    if parts[:2] == ["body", "scoring"]:
        return "partial credit" if value == "partial" else "all or nothing"
    if parts[:2] == ["body", "pairs"] and len(parts) > 2:
        responses = {
            r.get("id"): r.get("text", "") for r in content.get("body", {}).get("responses", [])
        }
        return str(responses.get(value, ""))
    return _plain(value)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        if "text" in value:  # an option, item, premise or accepted answer
            return str(value["text"]) + (" (right answer)" if value.get("correct") else "")
        if "title" in value:  # a reference
            return str(value["title"]) + (f" <{value['url']}>" if value.get("url") else "")
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items() if k not in ("id", "type"))
    return str(value)


def readable_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], *, topic_names: Mapping[str, str]
) -> list[ReadableChange]:
    """What changed from `old` content to `new`, one row per thing an author wrote or chose,
    in the order the editor shows them; tags are one row."""
    rows: list[tuple[int, ReadableChange]] = []
    if old.get("tags", []) != new.get("tags", []):
        old_tags, new_tags = ", ".join(old.get("tags", [])), ", ".join(new.get("tags", []))
        rows.append((_RANK["tags"], ReadableChange("Tags", *inline_diff(old_tags, new_tags))))
    for change in field_changes(dict(old), dict(new)):
        parts = change.path.split(".")
        side = new if change.new is not None else old
        label = None if parts[0] == "tags" else _label(parts, side)
        if label is None:
            continue
        before = _written(parts, change.old, old, topic_names)
        after = _written(parts, change.new, new, topic_names)
        if before != after:
            row = ReadableChange(label, *inline_diff(before, after))
            rows.append((_RANK.get(parts[0], len(_RANK)), row))
    return [row for _, row in sorted(rows, key=lambda ranked: ranked[0])]  # stable: body order


# The editor's order: the stem, the answer, then the explanation and the rest.
_RANK = {
    name: n
    for n, name in enumerate(
        ["stem", "body", "explanation", "topic_id", "tags", "difficulty", "references", "source"]
    )
}


async def readable_diff(
    ctx: Context,
    org_id: UUID,
    question_id: UUID,
    *,
    from_number: int | None,
    to_number: int | None,
    topic_names: Mapping[str, str],
) -> ReadableDiff:
    """`diff_versions` for people: labelled rows, both sides with their changed words."""
    old, new = await _two_versions(
        ctx, org_id, question_id, from_number=from_number, to_number=to_number
    )
    changes = readable_changes(old.content, new.content, topic_names=topic_names)
    return ReadableDiff(from_version=old.number, to_version=new.number, changes=changes)
