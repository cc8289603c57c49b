"""Scoring: what earns marks, what is refused, and the rules a teacher would check by hand."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from studyhall.bank.content import Body, QuestionType
from studyhall.exams.scoring import (
    InvalidAnswer,
    check_answer,
    correct_answer,
    is_correct,
    scale_score,
    score_answer,
)

BODY = TypeAdapter(Body)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- strategies: valid bodies of every type (validated by content.py itself) -----------------

ids = st.text("abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=6)
# Longer than any generated id, so never one of them, but still a well-formed OptionId.
unknown_ids = ids.map(lambda s: f"unknown-{s}")
finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
WORDS = "abcXYZ éÅßςΣ\u0301\t "  # a few letters whose case is tricky, a combining accent, spaces
# Blank answers are refused by the content model (a blank key would make an empty reply right).
words = st.text(WORDS, min_size=1, max_size=30).filter(str.strip)
PATTERNS = [r"[0-9]{3}", r"colou?r", r"(north|south)[ -]?east"]


def items(id_list: list[str]) -> list[dict[str, str]]:
    return [{"id": i, "text": f"Item {i}"} for i in id_list]


@st.composite
def choice_bodies(draw: st.DrawFn, kind: str) -> Any:
    option_ids = draw(st.lists(ids, min_size=2, max_size=12, unique=True))
    if kind == "single_choice":
        right = draw(st.integers(0, len(option_ids) - 1))
        flags = [i == right for i in range(len(option_ids))]
        extra: dict[str, Any] = {}
    else:
        flags = draw(st.lists(st.booleans(), min_size=len(option_ids), max_size=len(option_ids)))
        flags[draw(st.integers(0, len(option_ids) - 1))] = True
        extra = {
            "scoring": draw(st.sampled_from(["all_or_nothing", "partial"])),
            "penalty": draw(st.floats(0, 1)),
        }
    options = [dict(o, correct=f) for o, f in zip(items(option_ids), flags, strict=True)]
    return BODY.validate_python({"type": kind, "options": options, **extra})


@st.composite
def numeric_bodies(draw: st.DrawFn) -> Any:
    if draw(st.booleans()):
        tolerance = draw(st.floats(0, 1e3) | st.just(0.0))
        return BODY.validate_python(
            {"type": "numeric", "value": draw(finite), "tolerance": tolerance}
        )
    low, high = sorted([draw(finite), draw(finite)])
    return BODY.validate_python({"type": "numeric", "min": low, "max": high})


@st.composite
def short_text_bodies(draw: st.DrawFn) -> Any:
    pattern = draw(st.none() | st.sampled_from(PATTERNS))
    accepted = draw(st.lists(words, min_size=0 if pattern else 1, max_size=4))
    return BODY.validate_python(
        {
            "type": "short_text",
            "accepted_answers": [{"text": a} for a in accepted],
            "pattern": pattern,
            "case_sensitive": draw(st.booleans()),
            "normalize_whitespace": draw(st.booleans()),
        }
    )


@st.composite
def ordering_bodies(draw: st.DrawFn) -> Any:
    order = draw(st.lists(ids, min_size=2, max_size=12, unique=True))
    return BODY.validate_python(
        {"type": "ordering", "items": items(order), "partial_credit": draw(st.booleans())}
    )


@st.composite
def matching_bodies(draw: st.DrawFn) -> Any:
    premises = draw(st.lists(ids, min_size=2, max_size=12, unique=True))
    responses = draw(st.lists(ids, min_size=2, max_size=16, unique=True))
    pairs = {p: draw(st.sampled_from(responses)) for p in premises}
    return BODY.validate_python(
        {
            "type": "matching",
            "premises": items(premises),
            "responses": items(responses),
            "pairs": pairs,
            "partial_credit": draw(st.booleans()),
        }
    )


true_false_bodies = st.builds(
    lambda v: BODY.validate_python({"type": "true_false", "correct_answer": v}), st.booleans()
)
bodies = st.one_of(
    choice_bodies("single_choice"),
    choice_bodies("multiple_response"),
    true_false_bodies,
    numeric_bodies(),
    short_text_bodies(),
    ordering_bodies(),
    matching_bodies(),
)


def answers_for(body: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Any well-formed answer to this question, right or wrong."""
    match body.type:
        case QuestionType.SINGLE_CHOICE:
            return st.builds(lambda c: {"choice": c}, st.sampled_from([o.id for o in body.options]))
        case QuestionType.MULTIPLE_RESPONSE:
            option_ids = [o.id for o in body.options]
            chosen = st.lists(st.sampled_from(option_ids), unique=True, max_size=len(option_ids))
            return chosen.map(lambda c: {"choices": c})
        case QuestionType.TRUE_FALSE:
            return st.builds(lambda v: {"value": v}, st.booleans())
        case QuestionType.NUMERIC:
            return finite.map(lambda v: {"value": v})
        case QuestionType.SHORT_TEXT:
            return st.text(max_size=50).map(lambda t: {"text": t})
        case QuestionType.ORDERING:
            return st.permutations([i.id for i in body.items]).map(lambda o: {"order": o})
        case QuestionType.MATCHING:
            premise = st.sampled_from([p.id for p in body.premises])
            response = st.sampled_from([r.id for r in body.responses])
            return st.dictionaries(premise, response).map(lambda p: {"pairs": p})
    raise AssertionError(body.type)


def right_answers(body: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Answers that must earn full marks: the key, any accepted text, any value in range."""
    key = correct_answer(body)
    if body.type == QuestionType.SHORT_TEXT:
        texts = [st.sampled_from(key["accepted"])] if key["accepted"] else []
        if key["pattern"]:
            texts.append(st.from_regex(key["pattern"], fullmatch=True))
        return st.one_of(texts).map(lambda t: {"text": t})
    if body.type == QuestionType.NUMERIC and "min" in key:
        # min 0.0 and max -0.0 is a valid range (they are equal), but hypothesis orders -0.0
        # first and would call floats(0.0, -0.0) empty.
        low, high = sorted((key["min"], key["max"]), key=lambda v: (v, math.copysign(1, v)))
        return st.floats(low, high).map(lambda v: {"value": v})
    if body.type == QuestionType.NUMERIC:
        near = st.floats(-1, 1).map(lambda u: {"value": key["value"] + u * body.tolerance})
        return st.just(key) | near
    return st.just(key)


# --- properties ------------------------------------------------------------------------------


@SETTINGS
@given(bodies, st.data())
def test_every_score_is_between_zero_and_one(body: Any, data: st.DataObject) -> None:
    answer = data.draw(answers_for(body))
    check_answer(body, answer)
    assert 0.0 <= score_answer(body, answer) <= 1.0
    assert score_answer(body, None) == 0.0


@SETTINGS
@given(bodies, st.data())
def test_the_right_answer_earns_full_marks(body: Any, data: st.DataObject) -> None:
    answer = data.draw(right_answers(body))
    check_answer(body, answer)
    assert score_answer(body, answer) == 1.0
    assert is_correct(score_answer(body, answer))


all_or_nothing = st.one_of(
    choice_bodies("single_choice"),
    choice_bodies("multiple_response").filter(lambda b: b.scoring == "all_or_nothing"),
    true_false_bodies,
    ordering_bodies().filter(lambda b: not b.partial_credit),
    matching_bodies().filter(lambda b: not b.partial_credit),
)


@SETTINGS
@given(all_or_nothing, st.data())
def test_all_or_nothing_gives_nothing_for_any_other_answer(body: Any, data: st.DataObject) -> None:
    answer = data.draw(answers_for(body))
    key = correct_answer(body)
    same = sorted(answer["choices"]) == key["choices"] if "choices" in answer else answer == key
    assert score_answer(body, answer) == (1.0 if same else 0.0)


@SETTINGS
@given(choice_bodies("multiple_response").filter(lambda b: b.scoring == "partial"), st.data())
def test_partial_credit_rises_with_right_picks_and_falls_with_wrong(
    body: Any, data: st.DataObject
) -> None:
    option_ids = [o.id for o in body.options]
    chosen = data.draw(st.lists(st.sampled_from(option_ids), unique=True))
    before = score_answer(body, {"choices": chosen})
    for option in body.options:
        if option.id not in chosen:
            after = score_answer(body, {"choices": [*chosen, option.id]})
            assert after >= before if option.correct else after <= before


@SETTINGS
@given(short_text_bodies().filter(lambda b: b.accepted_answers), st.data())
def test_short_text_ignores_spacing_and_case_when_told_to(body: Any, data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(body.accepted_answers)).text
    if body.normalize_whitespace:
        gap = st.text(" \t\n\u00a0\u3000", min_size=1, max_size=3)
        pad = st.text(" \t\n", max_size=3)
        text = data.draw(pad) + data.draw(gap).join(text.split()) + data.draw(pad)
    if not body.case_sensitive:
        text = data.draw(st.sampled_from([str.upper, str.lower, str.swapcase]))(text)
    assert score_answer(body, {"text": text}) == 1.0


@SETTINGS
@given(ordering_bodies().filter(lambda b: b.partial_credit), st.data())
def test_ordering_partial_credit_is_the_share_of_items_in_place(
    body: Any, data: st.DataObject
) -> None:
    answer = data.draw(answers_for(body))
    in_place = sum(a == i.id for a, i in zip(answer["order"], body.items, strict=True))
    assert score_answer(body, answer) == pytest.approx(in_place / len(body.items))


def with_unknown_id(body: Any, unknown: str, answer: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The answer with one id swapped for an unknown one, and the field path that must blame it."""
    match body.type:
        case QuestionType.SINGLE_CHOICE:
            return {"choice": unknown}, "body.answer.choice"
        case QuestionType.MULTIPLE_RESPONSE:
            # Swap rather than append when every option is picked: 13 picks of 12 options
            # is a different fault (too many), blamed on the list itself.
            kept = answer["choices"][: len(body.options) - 1]
            return {"choices": [*kept, unknown]}, "body.answer.choices."
        case QuestionType.ORDERING:
            return {"order": [unknown, *answer["order"][1:]]}, "body.answer.order."
        case _:
            return {
                "pairs": {**answer["pairs"], unknown: body.responses[0].id}
            }, "body.answer.pairs."


id_bodies = st.one_of(
    choice_bodies("single_choice"),
    choice_bodies("multiple_response"),
    ordering_bodies(),
    matching_bodies(),
)


@SETTINGS
@given(id_bodies, unknown_ids, st.data())
def test_unknown_ids_are_refused_with_the_field_at_fault(
    body: Any, unknown: str, data: st.DataObject
) -> None:
    answer, path = with_unknown_id(body, unknown, data.draw(answers_for(body)))
    with pytest.raises(InvalidAnswer) as caught:
        check_answer(body, answer)
    assert caught.value.status == 422
    assert any(e.field.startswith(path) for e in caught.value.errors)


# --- examples a teacher would check by hand --------------------------------------------------


def body(**fields: Any) -> Any:
    return BODY.validate_python(fields)


def opts(*spec: str) -> list[dict[str, Any]]:
    """Options from ids; an id ending in '*' is a correct one."""
    return [{"id": s.rstrip("*"), "text": s, "correct": s.endswith("*")} for s in spec]


def test_single_choice() -> None:
    q = body(type="single_choice", options=opts("a", "b*", "c"))
    assert score_answer(q, {"choice": "b"}) == 1.0
    assert score_answer(q, {"choice": "a"}) == 0.0
    assert correct_answer(q) == {"choice": "b"}


def test_multiple_response_all_or_nothing_and_partial() -> None:
    strict = body(type="multiple_response", options=opts("a*", "b*", "c", "d"))
    assert score_answer(strict, {"choices": ["b", "a"]}) == 1.0
    assert score_answer(strict, {"choices": ["a"]}) == 0.0
    assert correct_answer(strict) == {"choices": ["a", "b"]}
    partial = body(
        type="multiple_response", options=opts("a*", "b*", "c", "d"), scoring="partial", penalty=0.5
    )
    assert score_answer(partial, {"choices": ["a"]}) == 0.5
    assert score_answer(partial, {"choices": ["a", "b", "c"]}) == 0.75
    assert score_answer(partial, {"choices": ["c", "d"]}) == 0.0  # clamped, never negative
    assert score_answer(partial, {"choices": []}) == 0.0
    with pytest.raises(InvalidAnswer) as caught:
        score_answer(partial, {"choices": ["a", "a"]})  # would otherwise count twice
    assert [e.field for e in caught.value.errors] == ["body.answer.choices.1"]


def test_true_false_and_strict_booleans() -> None:
    q = body(type="true_false", correct_answer=False)
    assert score_answer(q, {"value": False}) == 1.0
    assert score_answer(q, {"value": True}) == 0.0
    with pytest.raises(InvalidAnswer) as caught:
        check_answer(q, {"value": "no"})
    assert [e.field for e in caught.value.errors] == ["body.answer.value"]


def test_numeric_tolerance_range_and_float_error() -> None:
    exact = body(type="numeric", value=0.3)
    assert score_answer(exact, {"value": 0.1 + 0.2}) == 1.0
    assert score_answer(exact, {"value": 0.31}) == 0.0
    near = body(type="numeric", value=1.0, tolerance=0.1)
    assert score_answer(near, {"value": 1.1}) == 1.0  # 1.1 - 1.0 is 0.10000000000000009
    assert score_answer(near, {"value": 1.1001}) == 0.0
    ranged = body(type="numeric", min=10, max=20)
    assert [score_answer(ranged, {"value": v}) for v in (10, 15, 20, 20.001)] == [1, 1, 1, 0]
    assert correct_answer(ranged) == {"min": 10, "max": 20}
    with pytest.raises(InvalidAnswer):
        check_answer(exact, {"value": float("inf")})


def test_short_text() -> None:
    q = body(type="short_text", accepted_answers=[{"text": "Mount  Everest"}])
    assert score_answer(q, {"text": "  mount everest "}) == 1.0
    assert score_answer(q, {"text": "Everest"}) == 0.0
    assert score_answer(q, {"text": "Mount-Everest"}) == 0.0
    accent = body(type="short_text", accepted_answers=[{"text": "café"}], case_sensitive=True)
    assert score_answer(accent, {"text": "cafe\u0301"}) == 1.0  # NFC: é == e + combining acute
    assert score_answer(accent, {"text": "CAFÉ"}) == 0.0
    pattern = body(type="short_text", pattern=r"colou?r")
    assert score_answer(pattern, {"text": " COLOR "}) == 1.0
    assert score_answer(pattern, {"text": "colors"}) == 0.0  # a full match, not a search
    assert correct_answer(pattern) == {"accepted": [], "pattern": "colou?r"}
    with pytest.raises(InvalidAnswer):
        check_answer(q, {"text": "x" * 1001})


def test_ordering() -> None:
    q = body(type="ordering", items=[{"id": i, "text": i} for i in "abcd"])
    assert score_answer(q, {"order": list("abcd")}) == 1.0
    assert score_answer(q, {"order": list("abdc")}) == 0.0
    partial = body(
        type="ordering", items=[{"id": i, "text": i} for i in "abcd"], partial_credit=True
    )
    assert score_answer(partial, {"order": list("abdc")}) == 0.5
    with pytest.raises(InvalidAnswer) as caught:
        check_answer(q, {"order": list("abca")})
    assert {e.field for e in caught.value.errors} == {"body.answer.order.3", "body.answer.order"}


def test_matching() -> None:
    fields = {
        "type": "matching",
        "premises": [{"id": p, "text": p} for p in ("fr", "de", "it")],
        "responses": [{"id": r, "text": r} for r in ("paris", "berlin", "rome", "madrid")],
        "pairs": {"fr": "paris", "de": "berlin", "it": "rome"},
    }
    q, partial = body(**fields), body(**fields, partial_credit=True)
    assert score_answer(q, {"pairs": {"fr": "paris", "de": "berlin", "it": "rome"}}) == 1.0
    assert score_answer(q, {"pairs": {"fr": "paris", "de": "berlin"}}) == 0.0
    assert score_answer(partial, {"pairs": {"fr": "paris", "de": "madrid"}}) == pytest.approx(1 / 3)
    with pytest.raises(InvalidAnswer) as caught:
        check_answer(q, {"pairs": {"fr": "lyon"}}, field="answers.2")
    assert [e.field for e in caught.value.errors] == ["answers.2.pairs.fr"]


def test_an_answer_of_the_wrong_shape_is_refused() -> None:
    q = body(type="single_choice", options=opts("a*", "b"))
    with pytest.raises(InvalidAnswer) as caught:
        score_answer(q, {"choices": ["a"]})
    assert {e.field for e in caught.value.errors} == {"body.answer.choice", "body.answer.choices"}
    assert caught.value.type_uri().endswith(":invalid-answer")


@pytest.mark.parametrize(
    ("percent", "kind", "low", "high", "expected"),
    [
        (72.5, "percent", None, None, 72.5),
        (0, "scaled", 100, 1000, 100),
        (100, "scaled", 100, 1000, 1000),
        (50, "scaled", 200, 900, 550),
        (50, "scaled", 100, 998, 549),  # 549.0
        (50, "scaled", 100, 999, 550),  # 549.5 rounds half up
    ],
)
def test_scale_score(
    percent: float, kind: str, low: float | None, high: float | None, expected: float
) -> None:
    assert scale_score(percent, kind, low, high) == expected
