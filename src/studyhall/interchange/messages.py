"""Why a question was refused, in an author's words: the question model's validation errors
(pydantic's "List should have at least 2 items after validation, not 1" at
`body.single_choice.options`) become "the options: at least 2 options are needed, the file
gives 1". The import report and the web page show these."""

from __future__ import annotations

from typing import Any

from pydantic_core import ErrorDetails

from studyhall.bank.content import QuestionType

NAMES = {
    "stem": "question text", "explanation": "explanation", "options": "options",
    "items": "items", "premises": "premises", "responses": "responses", "pairs": "pairs",
    "accepted_answers": "accepted answers", "text": "text", "feedback": "feedback",
    "tags": "tags", "value": "value", "tolerance": "tolerance", "min": "minimum",
    "max": "maximum", "unit": "unit", "pattern": "pattern", "correct_answer": "right answer",
    "difficulty": "difficulty", "references": "references", "source": "source",
    "feedback_true": "feedback for true", "feedback_false": "feedback for false",
    "credit": "credit", "title": "title", "url": "link", "penalty": "penalty",
    "scoring": "scoring", "id": "id", "topic_id": "topic",
}  # fmt: skip
SINGULAR = {
    "options": "option", "items": "item", "premises": "premise", "responses": "response",
    "accepted_answers": "accepted answer", "tags": "tag", "references": "reference",
}  # fmt: skip
_TYPES = {t.value for t in QuestionType}


def _subject(loc: tuple[int | str, ...]) -> tuple[str, str | None]:
    """What the error is about ("the text of option 2"), and the list it is about, if any."""
    parts: list[str] = []
    listed: str | None = None
    for part in loc:
        if isinstance(part, int):
            if parts and listed is not None:
                parts[-1] = f"{SINGULAR.get(listed, listed)} {part + 1}"
            continue
        if part == "body" or part in _TYPES or part.startswith("function-"):
            continue
        parts.append(NAMES.get(part, part.replace("_", " ")))
        listed = part if part in SINGULAR or part == "pairs" else None
    if not parts:
        return "the question", None
    parts.reverse()
    return "the " + " of ".join(parts), listed


def author_words(error: ErrorDetails) -> str:
    """One validation error as a sentence an author understands."""
    subject, listed = _subject(tuple(error["loc"]))
    kind, ctx = error["type"], error.get("ctx") or {}
    noun = NAMES.get(listed or "", "entries")
    match kind:
        case "too_short":
            return (
                f"{subject}: at least {ctx.get('min_length')} {noun} are needed, the file "
                f"gives {ctx.get('actual_length')}"
            )
        case "too_long":
            return (
                f"{subject}: at most {ctx.get('max_length')} {noun} are allowed, the file "
                f"gives {ctx.get('actual_length')}"
            )
        case "string_too_short" | "missing":
            return f"{subject} is {'empty' if kind == 'string_too_short' else 'missing'}"
        case "string_too_long":
            return f"{subject} is longer than {ctx.get('max_length')} characters"
        case "greater_than_equal" | "greater_than" | "less_than_equal" | "less_than":
            return f"{subject} must be {_bound(kind, ctx)}"
        case "finite_number":
            return f"{subject} must be a finite number"
        case "string_pattern_mismatch":
            return f"{subject} may hold only letters, digits, - and _"
        case "union_tag_invalid" | "union_tag_not_found" | "literal_error":
            return "the question type is not one Studyhall holds"
        case "extra_forbidden":
            return f"{subject} is not something a question holds"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{subject}: {message}" if subject != "the question" else message


def _bound(kind: str, ctx: dict[str, Any]) -> str:
    words = {
        "greater_than_equal": ("at least", "ge"), "greater_than": ("more than", "gt"),
        "less_than_equal": ("at most", "le"), "less_than": ("less than", "lt"),
    }  # fmt: skip
    phrase, key = words[kind]
    return f"{phrase} {ctx.get(key)}"
