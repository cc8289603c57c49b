"""GIFT, Aiken and CSV readers: every kind GIFT maps to, the errors with their lines, and
arbitrary text never raising anything but our FormatError."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyhall.interchange import aiken, csv_format, gift
from studyhall.interchange.items import FormatError, Parsed, Rejected

BANK = r"""// a comment, ignored
$CATEGORY: $course$/top/Spark/Core

// [tag:basics]
::Q1:: What is 2+2? {=4#Yes. ~3#No. ~5 ####Arithmetic.}

Grant is buried in {=Grant's tomb ~nobody} with his wife.

The sun rises in the east.{T#It does rise there.#Right.}

Pick the primes {~%50%2 ~%50%3 ~%-100%4}

Pi to two places {#3.14:0.005}

A year between {#1990..2000}

Match {=cat -> meow =dog -> woof = -> moo}

Name a colour {=red =blue}

[html]A <b>bold</b> question {=x ~y}

Escaped \{braces\} and \= signs {=a\:b ~c}

Write about Spark {}

Just a description.
"""


def parsed() -> list[Parsed | Rejected]:
    return list(gift.parse(BANK, "bank.gift"))


def test_gift_reads_every_kind_that_maps() -> None:
    items = parsed()
    kinds = [i.body["type"] for i in items if isinstance(i, Parsed)]
    assert kinds == [
        "single_choice",
        "single_choice",
        "true_false",
        "multiple_response",
        "numeric",
        "numeric",
        "matching",
        "short_text",
        "single_choice",
        "single_choice",
    ]
    first = items[0]
    assert isinstance(first, Parsed)
    assert (first.stem, first.category, first.tags, first.explanation) == (
        "What is 2+2?",
        ["Spark", "Core"],
        ["basics"],
        "Arithmetic.",
    )
    assert first.body["options"][0] == {
        "id": "o1",
        "text": "4",
        "correct": True,
        "feedback": "Yes.",
    }


def test_gift_details() -> None:
    items = [i for i in parsed() if isinstance(i, Parsed)]
    assert items[1].stem == "Grant is buried in _____ with his wife."
    assert items[2].body == {
        "type": "true_false",
        "correct_answer": True,
        "feedback_true": "Right.",
        "feedback_false": "It does rise there.",
    }
    assert [o["correct"] for o in items[3].body["options"]] == [True, True, False]
    assert items[4].body == {"type": "numeric", "value": 3.14, "tolerance": 0.005}
    assert items[5].body == {"type": "numeric", "min": 1990.0, "max": 2000.0}
    assert items[6].body["pairs"] == {"p1": "r1", "p2": "r2"}
    assert [r["text"] for r in items[6].body["responses"]] == ["meow", "woof", "moo"]
    assert items[8].stem == "A bold question"
    assert items[9].stem == "Escaped {braces} and = signs"
    assert items[9].body["options"][0]["text"] == "a:b"


def test_gift_reports_what_it_cannot_hold_with_the_line() -> None:
    rejected = [i for i in parsed() if isinstance(i, Rejected)]
    assert [(r.where.line, r.reason.split(" ")[1]) for r in rejected] == [
        (25, "essay"),
        (27, "description"),
    ]
    assert str(rejected[0].where) == "bank.gift:25"


def test_an_unclosed_block_is_a_file_error_with_its_line() -> None:
    with pytest.raises(FormatError) as caught:
        list(gift.parse("Fine {=a ~b}\n\nBroken {=a ~b\n", "x.gift"))
    assert caught.value.where.line == 3


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab =~#{}:\\\n/-%$>TF.0123"), max_size=80)
    | st.text(max_size=80)
)
def test_gift_never_raises_anything_but_a_format_error_with_a_line(text: str) -> None:
    lines: list[int | None] = []
    try:
        lines += [item.where.line for item in gift.parse(text, "fuzz.gift")]
    except FormatError as exc:
        lines.append(exc.where.line)
    assert all(line is not None and line >= 1 for line in lines)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ABab.) \nANSWER:xyz"), max_size=80) | st.text(max_size=60))
def test_aiken_never_raises_and_every_item_has_a_line(text: str) -> None:
    for item in aiken.parse(text, "fuzz.txt"):
        assert item.where.line is not None
        assert item.where.line >= 1


def test_aiken() -> None:
    items = list(
        aiken.parse(
            "Which is largest?\nA. Mars\nB) Jupiter\nANSWER: B\n\nOrphan?\nA. x\nB. y\nANSWER: Q\n",
            "a.txt",
        )
    )
    first, second = items
    assert isinstance(first, Parsed)
    assert isinstance(second, Rejected)
    assert [o["correct"] for o in first.body["options"]] == [False, True]
    assert (second.where.line, second.reason) == (6, "the answer 'Q' names none of the options")


def test_csv_reads_each_type_and_names_bad_rows_by_line() -> None:
    text = (
        "type,stem,answers,explanation,topic,tags,difficulty,unit\n"
        'single_choice,Capital of France?,*Paris | Lyon,It is.,Geo / Europe,"geo, capitals",2,\n'
        "numeric,Boiling point?,100 +- 0.5,,Science,,,°C\n"
        "matching,Pairs,a => 1 | b => 2 | => 3,,Science,,,\n"
        "essay,Tell me,,,,,,\n"
        "true_false,Sky is blue,maybe,,,,,\n"
    )
    items = list(csv_format.parse(text, "bank.csv"))
    assert [type(i).__name__ for i in items] == [
        "Parsed",
        "Parsed",
        "Parsed",
        "Rejected",
        "Rejected",
    ]
    first = items[0]
    assert isinstance(first, Parsed)
    assert (first.category, first.tags, first.difficulty) == (
        ["Geo", "Europe"],
        ["geo", "capitals"],
        2,
    )
    assert items[1].body == {"type": "numeric", "unit": "°C", "value": 100.0, "tolerance": 0.5}  # type: ignore[union-attr]
    assert str(items[3].where) == "bank.csv:5"


def test_csv_with_an_unknown_column_is_refused() -> None:
    with pytest.raises(FormatError, match="unknown columns: colour"):
        list(csv_format.parse("type,stem,answers,colour\n", "bad.csv"))
