"""The question editor's form: every question type as a few plain fields, to and from the
bank's content contract (`bank.content.QuestionContent`).

Choices are written one per line, `*` marking the right ones and `||` adding feedback;
short-text answers one per line, `%50% ` before one worth half the marks (GIFT's own way
of writing partial credit); ordering items one per line in the right order; matching pairs
as `premise => response` (a line `=> response` adds a distractor). Ids are given by position
(a, b, c …): learners never see them, and the exam screen names options by position anyway.
"""

from __future__ import annotations

import re
import string
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from studyhall.bank.content import QuestionContent, QuestionType
from studyhall.web.forms import lower_first, person_message

TYPES = [
    (QuestionType.SINGLE_CHOICE, "Single choice"),
    (QuestionType.MULTIPLE_RESPONSE, "Multiple response"),
    (QuestionType.TRUE_FALSE, "True / false"),
    (QuestionType.NUMERIC, "Numeric"),
    (QuestionType.SHORT_TEXT, "Short text"),
    (QuestionType.ORDERING, "Ordering"),
    (QuestionType.MATCHING, "Matching"),
]
# Which form field shows a message about which part of a body.
FIELD_OF_BODY_PART = {
    "options": "options", "scoring": "options", "penalty": "options", "shuffle": "options",
    "correct_answer": "tf_correct", "feedback_true": "tf_correct", "feedback_false": "tf_correct",
    "value": "numeric", "tolerance": "numeric", "min": "numeric", "max": "numeric",
    "unit": "numeric", "accepted_answers": "accepted", "pattern": "accepted",
    "case_sensitive": "accepted", "items": "items", "partial_credit": "items",
    "premises": "pairs", "responses": "pairs", "pairs": "pairs",
}  # fmt: skip
# Parts that share one message spot with others: the message names the part it is about.
LABEL_OF_BODY_PART = {
    "value": "Value", "tolerance": "± tolerance", "min": "Minimum", "max": "Maximum",
    "unit": "Unit", "pattern": "Pattern",
}  # fmt: skip
TYPE_FIELD = {
    "single_choice": "options", "multiple_response": "options", "true_false": "tf_correct",
    "numeric": "numeric", "short_text": "accepted", "ordering": "items", "matching": "pairs",
}  # fmt: skip


def _ids() -> list[str]:
    return list(string.ascii_lowercase) + [f"x{n}" for n in range(1, 30)]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


_CREDIT = re.compile(r"^%(\d+(?:\.\d+)?)%\s*(.*)$")


def _accepted(line: str) -> dict[str, Any]:
    """`%50% Kitten` is an answer worth half the marks; a plain line is worth all of them."""
    found = _CREDIT.match(line)
    if found is None or float(found.group(1)) >= 100:
        return {"text": found.group(2) if found else line}
    return {"text": found.group(2), "credit": float(found.group(1)) / 100}


def _accepted_line(answer: dict[str, Any]) -> str:
    credit = answer.get("credit", 1)
    return answer["text"] if credit >= 1 else f"%{round(credit * 100, 5):g}% {answer['text']}"


def _number(text: str) -> float | str | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text  # left for validation to name


def content_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The content as the bank's contract reads it, before validation."""
    kind = form.get("type", "single_choice")
    body: dict[str, Any] = {"type": kind}
    if kind in ("single_choice", "multiple_response"):
        options = []
        for oid, line in zip(_ids(), _lines(form.get("options", "")), strict=False):
            correct = line.startswith("*")
            text, _, feedback = line.lstrip("*").strip().partition("||")
            option: dict[str, Any] = {"id": oid, "text": text.strip(), "correct": correct}
            if feedback.strip():
                option["feedback"] = feedback.strip()
            options.append(option)
        body["options"] = options
        if kind == "multiple_response":
            body["scoring"] = "partial" if form.get("partial") == "on" else "all_or_nothing"
    elif kind == "true_false":
        body["correct_answer"] = form.get("tf_correct") == "true"
    elif kind == "numeric":
        for name in ("value", "tolerance", "min", "max"):
            number = _number(form.get(f"num_{name}", ""))
            if number is not None:
                body[name] = number
        if form.get("num_unit", "").strip():
            body["unit"] = form["num_unit"].strip()
    elif kind == "short_text":
        body["accepted_answers"] = [_accepted(t) for t in _lines(form.get("accepted", ""))]
        body["case_sensitive"] = form.get("case_sensitive") == "on"
        if form.get("pattern", "").strip():
            body["pattern"] = form["pattern"].strip()
    elif kind == "ordering":
        body["items"] = [
            {"id": i, "text": t}
            for i, t in zip(_ids(), _lines(form.get("items", "")), strict=False)
        ]
        body["partial_credit"] = form.get("partial") == "on"
    elif kind == "matching":
        premises: list[dict[str, str]] = []
        responses: list[dict[str, str]] = []
        pairs: dict[str, str] = {}
        response_ids: dict[str, str] = {}
        for line in _lines(form.get("pairs", "")):
            left, _, right = line.partition("=>")
            left, right = left.strip(), right.strip()
            rid = response_ids.get(right)
            if right and rid is None:
                rid = response_ids[right] = f"r{len(response_ids) + 1}"
                responses.append({"id": rid, "text": right})
            if left:
                pid = f"p{len(premises) + 1}"
                premises.append({"id": pid, "text": left})
                if rid:
                    pairs[pid] = rid
        body.update(premises=premises, responses=responses, pairs=pairs)
        body["partial_credit"] = form.get("partial") == "on"
    tags = [t.strip() for t in form.get("tags", "").split(",") if t.strip()]
    return {
        "stem": form.get("stem", "").strip(),
        "body": body,
        "explanation": form.get("explanation", "").strip(),
        "topic_id": form.get("topic_id", ""),
        "tags": tags,
        "difficulty": int(form["difficulty"]) if form.get("difficulty", "").isdigit() else 3,
    }


def form_from_content(content: dict[str, Any]) -> dict[str, str]:
    """The editor's fields for stored content (the inverse of `content_from_form`)."""
    body = content.get("body", {})
    kind = body.get("type", "single_choice")
    form = {
        "type": kind,
        "stem": content.get("stem", ""),
        "explanation": content.get("explanation", ""),
        "topic_id": str(content.get("topic_id", "")),
        "tags": ", ".join(content.get("tags", [])),
        "difficulty": str(content.get("difficulty", 3)),
    }
    if kind in ("single_choice", "multiple_response"):
        form["options"] = "\n".join(
            ("* " if o.get("correct") else "") + o["text"]
            + (f" || {o['feedback']}" if o.get("feedback") else "")
            for o in body.get("options", [])
        )  # fmt: skip
        form["partial"] = "on" if body.get("scoring") == "partial" else ""
    elif kind == "true_false":
        form["tf_correct"] = "true" if body.get("correct_answer") else "false"
    elif kind == "numeric":
        for name in ("value", "tolerance", "min", "max"):
            if body.get(name) is not None:
                form[f"num_{name}"] = f"{body[name]:g}"
        form["num_unit"] = body.get("unit") or ""
    elif kind == "short_text":
        form["accepted"] = "\n".join(map(_accepted_line, body.get("accepted_answers", [])))
        form["case_sensitive"] = "on" if body.get("case_sensitive") else ""
        form["pattern"] = body.get("pattern") or ""
    elif kind == "ordering":
        form["items"] = "\n".join(i["text"] for i in body.get("items", []))
        form["partial"] = "on" if body.get("partial_credit") else ""
    elif kind == "matching":
        responses = {r["id"]: r["text"] for r in body.get("responses", [])}
        pairs = body.get("pairs", {})
        lines = [f"{p['text']} => {responses.get(pairs.get(p['id'], ''), '')}"
                 for p in body.get("premises", [])]  # fmt: skip
        used = set(pairs.values())
        lines += [f"=> {text}" for rid, text in responses.items() if rid not in used]
        form["pairs"] = "\n".join(lines)
        form["partial"] = "on" if body.get("partial_credit") else ""
    return form


def parse(form: dict[str, str]) -> tuple[QuestionContent | None, dict[str, str]]:
    """The validated content, or the messages to show beside each field."""
    if form.get("type") == "matching":
        for number, line in enumerate(_lines(form.get("pairs", "")), start=1):
            if "=>" not in line:  # `->`, `=`, a tab: the premise would have no response
                return None, {"pairs": f"Write each pair as premise => response (line {number})."}
    # The topic is a choice from the syllabus: none chosen is said beside it, with the rest.
    errors = {} if _is_uuid(form.get("topic_id", "")) else {"topic_id": NO_TOPIC}
    try:
        content = QuestionContent.model_validate(content_from_form(form))
    except ValidationError as exc:
        return None, {**errors, **errors_by_field(exc, form.get("type", ""))}
    return (None, errors) if errors else (content, {})


NO_TOPIC = "Choose the topic this question is about."


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def errors_by_field(exc: ValidationError, kind: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(p) for p in error["loc"]]
        message = person_message(error)
        if loc and loc[0] == "body":
            part = loc[2] if len(loc) > 2 else ""
            name = FIELD_OF_BODY_PART.get(part, TYPE_FIELD.get(kind, "type"))
            if part in LABEL_OF_BODY_PART:
                message = f"{LABEL_OF_BODY_PART[part]}: {lower_first(message)}"
            if len(loc) > 3 and loc[3].isdigit():
                message = f"{message.removesuffix('.')} (line {int(loc[3]) + 1})."
        else:
            name = loc[0] if loc else "form"
        errors.setdefault(name, message)
    return errors


def problem_field(path: str, kind: str) -> str:
    """A service's field path (`body.topic_id`) as the editor's field name."""
    parts = path.split(".")
    if parts[:1] == ["body"]:
        parts = parts[1:]
    if parts and parts[0] == "body":
        return FIELD_OF_BODY_PART.get(parts[1] if len(parts) > 1 else "", TYPE_FIELD.get(kind, ""))
    return parts[0] if parts else "form"
