"""What a learner's answer is worth: checking it against the question, and scoring it.

Pure functions over the content contract in `studyhall.bank.content`, so the exam screen,
submission, review and statistics all agree on what "right" means. A score is a float in
[0, 1]; only partial-credit questions ever give something strictly in between.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import regex
from pydantic import ValidationError

from studyhall.bank.content import (
    ANSWER_SHAPES,
    Body,
    BooleanAnswer,
    ChoiceAnswer,
    ChoicesAnswer,
    Matching,
    MultipleResponse,
    NumberAnswer,
    Numeric,
    OrderAnswer,
    Ordering,
    PairsAnswer,
    ShortText,
    SingleChoice,
    Strict,
    TextAnswer,
    TrueFalse,
)
from studyhall.kit.errors import InvalidInput

# Slack for float arithmetic: 1.1 typed by a learner is 0.10000000000000009 away from 1.0, which
# must still count as "within 0.1". Relative, so it means the same at every magnitude.
RELATIVE_SLACK = 1e-9
# A score this close to 1 is full marks (partial credit sums fractions like 1/3 three times).
FULL_MARKS = 1 - 1e-9
PATTERN_TIMEOUT = 0.05  # seconds one short-text pattern may spend on one reply


class InvalidAnswer(InvalidInput):
    slug = "invalid-answer"
    title = "The answer does not fit the question"


def check_answer(body: Body, answer: dict[str, Any], field: str = "body.answer") -> None:
    """Refuse an answer that could not be meant for this question, naming the fields at fault.

    Checked when an answer is saved, so a typo in an option id is reported to the learner's
    client at once instead of silently scoring 0 at the end of the exam.
    """
    _parse(body, answer, field)


def score_answer(body: Body, answer: dict[str, Any] | None) -> float:
    """The share of the question's marks this answer earns, in [0, 1]; None (unanswered) is 0.

    The answer is checked first (`InvalidAnswer` if it does not fit): scoring something that
    `check_answer` would refuse is a bug upstream, and a loud one is cheaper to find.
    """
    if answer is None:
        return 0.0
    parsed = _parse(body, answer, "body.answer")
    return _clamp(_score(body, parsed))


def is_correct(score: float) -> bool:
    """Full marks, allowing for float error in sums of partial credit."""
    return score >= FULL_MARKS


def correct_answer(body: Body) -> dict[str, Any]:
    """The right answer, for review screens, in the learner's answer shape where one exists.

    Short text has no single right answer, so it gives every fully accepted answer and the
    pattern (None when there is none) instead of `{"text": ...}`, and the answers worth part of
    the marks apart (`partial`: text and credit); numeric gives `{"value"}` or
    `{"min", "max"}` (the tolerance is on the question itself).
    """
    match body:
        case SingleChoice():
            return {"choice": next(o.id for o in body.options if o.correct)}
        case MultipleResponse():
            return {"choices": sorted(o.id for o in body.options if o.correct)}
        case TrueFalse():
            return {"value": body.correct_answer}
        case Numeric():
            if body.value is not None:
                return {"value": body.value}
            return {"min": body.min, "max": body.max}
        case ShortText():
            key: dict[str, Any] = {
                "accepted": [a.text for a in body.accepted_answers if a.credit >= 1],
                "pattern": body.pattern,
            }
            if partial := [a for a in body.accepted_answers if a.credit < 1]:
                key["partial"] = [{"text": a.text, "credit": a.credit} for a in partial]
            return key
        case Ordering():
            return {"order": [item.id for item in body.items]}
        case Matching():
            return {"pairs": dict(body.pairs)}
    raise AssertionError(f"unknown question type {body!r}")  # pragma: no cover


def scale_score(percent: float, kind: str, low: float | None, high: float | None) -> float:
    """Report a percentage on the track's scale.

    "percent" is returned as given; "scaled" maps 0..100 linearly onto low..high and rounds to
    the nearest whole point, halves up (so 549.5 reports as 550, the way exam boards print
    scaled scores; Python's `round` would give 550 here but 548 for 548.5).
    """
    if kind == "percent":
        return percent
    if kind == "scaled":
        if low is None or high is None:
            raise ValueError("a scaled score needs both low and high")
        return float(math.floor(low + (high - low) * percent / 100 + 0.5))
    raise ValueError(f"unknown scoring kind {kind!r}")


# --- checking --------------------------------------------------------------------------------


def _parse(body: Body, answer: dict[str, Any], field: str) -> Strict:
    shape = ANSWER_SHAPES[body.type]
    try:
        # Strict: an answer comes from our own client as JSON, so "yes" for true or "1.5" for
        # 1.5 means a client bug, not a learner's intent.
        parsed = shape.model_validate(answer, strict=True)
    except ValidationError as exc:
        errors = [(_path(field, *err["loc"]), err["msg"]) for err in exc.errors()]
        raise _invalid(errors) from None
    if errors := _misfits(body, parsed, field):
        raise _invalid(errors)
    return parsed


def _misfits(body: Body, parsed: Strict, field: str) -> list[tuple[str, str]]:
    """Field errors for a well-shaped answer that still does not fit this question."""
    match body, parsed:
        case SingleChoice(), ChoiceAnswer():
            ids = {o.id for o in body.options}
            if parsed.choice not in ids:
                return [(_path(field, "choice"), f"no option has the id {parsed.choice!r}")]
            return []
        case MultipleResponse(), ChoicesAnswer():
            return _known_and_unique(
                parsed.choices, {o.id for o in body.options}, _path(field, "choices"), "option"
            )
        case Numeric(), NumberAnswer():
            if not math.isfinite(parsed.value):
                return [(_path(field, "value"), "must be a finite number")]
            return []
        case Ordering(), OrderAnswer():
            items = [item.id for item in body.items]
            errors = _known_and_unique(parsed.order, set(items), _path(field, "order"), "item")
            if missing := [i for i in items if i not in parsed.order]:
                errors.append((_path(field, "order"), f"leaves out the items {missing}"))
            return errors
        case Matching(), PairsAnswer():
            premises = {p.id for p in body.premises}
            responses = {r.id for r in body.responses}
            errors = []
            for premise, response in parsed.pairs.items():
                where = _path(field, "pairs", premise)
                if premise not in premises:
                    errors.append((where, f"no premise has the id {premise!r}"))
                elif response not in responses:
                    errors.append((where, f"no response has the id {response!r}"))
            return errors
        case (TrueFalse(), BooleanAnswer()) | (ShortText(), TextAnswer()):
            return []
    raise AssertionError(f"{type(parsed).__name__} is not the shape for {body.type}")


def _known_and_unique(
    ids: list[str], known: set[str], field: str, noun: str
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, id_ in enumerate(ids):
        if id_ not in known:
            errors.append((_path(field, index), f"no {noun} has the id {id_!r}"))
        elif id_ in seen:
            errors.append((_path(field, index), f"repeats the id {id_!r}"))
        seen.add(id_)
    return errors


def _path(field: str, *parts: int | str) -> str:
    return ".".join([field, *(str(p) for p in parts)])


def _invalid(errors: list[tuple[str, str]]) -> InvalidAnswer:
    fields = ", ".join(dict.fromkeys(f for f, _ in errors))
    return InvalidAnswer(f"Invalid fields: {fields}", errors=errors)


# --- scoring ---------------------------------------------------------------------------------


def _score(body: Body, parsed: Strict) -> float:
    match body, parsed:
        case SingleChoice(), ChoiceAnswer():
            return float(any(o.correct and o.id == parsed.choice for o in body.options))
        case MultipleResponse(), ChoicesAnswer():
            return _score_multiple(body, set(parsed.choices))
        case TrueFalse(), BooleanAnswer():
            return float(parsed.value == body.correct_answer)
        case Numeric(), NumberAnswer():
            return float(_number_is_right(body, parsed.value))
        case ShortText(), TextAnswer():
            return _text_credit(body, parsed.text)
        case Ordering(), OrderAnswer():
            in_place = sum(a == item.id for a, item in zip(parsed.order, body.items, strict=True))
            return _share_or_nothing(in_place, len(body.items), body.partial_credit)
        case Matching(), PairsAnswer():
            right = sum(parsed.pairs.get(p) == r for p, r in body.pairs.items())
            return _share_or_nothing(right, len(body.pairs), body.partial_credit)
    raise AssertionError(f"{type(parsed).__name__} is not the shape for {body.type}")


def _score_multiple(body: MultipleResponse, chosen: set[str]) -> float:
    correct = {o.id for o in body.options if o.correct}
    if body.scoring == "all_or_nothing":
        return float(chosen == correct)
    right, wrong = len(chosen & correct), len(chosen - correct)
    return (right - body.penalty * wrong) / len(correct)


def _number_is_right(body: Numeric, value: float) -> bool:
    if body.value is not None:
        slack = RELATIVE_SLACK * max(abs(value), abs(body.value))
        return abs(value - body.value) <= body.tolerance + slack
    # A range compares the learner's number with the author's as typed: no arithmetic, so no
    # rounding error to forgive, and an inclusive bound means exactly that.
    assert body.min is not None
    assert body.max is not None
    return body.min <= value <= body.max


def _text_credit(body: ShortText, text: str) -> float:
    """The best credit among the accepted answers the reply matches; the pattern is worth
    full marks."""
    given = _normalise(body, text)
    best = max(
        (a.credit for a in body.accepted_answers if given == _normalise(body, a.text)),
        default=0.0,
    )
    if best >= 1 or body.pattern is None:
        return best
    return 1.0 if _pattern_matches(body, text) else best


def _pattern_matches(body: ShortText, text: str) -> bool:
    # Case is handled by the flag, not by folding the text, so a pattern like [A-Z]{3} still
    # means what its author wrote. The text is at most 1000 characters (TextAnswer).
    flags = 0 if body.case_sensitive else regex.IGNORECASE
    subject = _normalise_space(body, unicodedata.normalize("NFC", text))
    try:
        # A pattern that backtracks catastrophically must not stall the server: past the
        # time limit the reply simply does not match.
        return regex.fullmatch(body.pattern, subject, flags, timeout=PATTERN_TIMEOUT) is not None
    except TimeoutError:
        return False


def _normalise(body: ShortText, text: str) -> str:
    text = _normalise_space(body, unicodedata.normalize("NFC", text))
    if not body.case_sensitive:
        # Folding can decompose characters (ǰ -> j + caron); compose again so both sides agree.
        text = unicodedata.normalize("NFC", text.casefold())
    return text


def _normalise_space(body: ShortText, text: str) -> str:
    return " ".join(text.split()) if body.normalize_whitespace else text


def _share_or_nothing(right: int, out_of: int, partial: bool) -> float:
    if partial:
        return right / out_of
    return float(right == out_of)


def _clamp(score: float) -> float:
    return min(1.0, max(0.0, score))
