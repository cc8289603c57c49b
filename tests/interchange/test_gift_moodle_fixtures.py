"""GIFT as Moodle writes and reads it (cases from Moodle's own GIFT import fixtures and
format documentation): text-format markers on every piece, numeric answers with tolerance,
ranges, several answers and wrong-answer feedback."""

from __future__ import annotations

from typing import Any

from studyhall.bank.render import plain_text, render_markdown
from studyhall.interchange import gift
from studyhall.interchange.items import Parsed, Rejected


def parse(text: str) -> list[Parsed | Rejected]:
    return list(gift.parse(text, "moodle.gift"))


def one(text: str) -> Parsed:
    items = parse(text)
    assert len(items) == 1
    assert isinstance(items[0], Parsed), items[0]
    return items[0]


def shown(markdown: str) -> str:
    """What a learner reads once the Markdown is rendered."""
    return plain_text(render_markdown(markdown, "acme"))


MATCHING = """::Moodle activities::[html]Match the <b>activity</b> to the description.{
    =[html]An activity supporting <i>asynchronous</i> discussions. -> Forum
    =[moodle]A teacher asks a question and specifies a choice of multiple responses. -> Choice
    =[plain]A bank of record entries which <participants> can add to. -> Database
    =[markdown]A collection of *web pages* that anyone can add to or edit. -> Wiki
    = -> [plain]Chat
}"""


def test_format_markers_are_removed_and_honoured_in_matching_premises_and_responses() -> None:
    item = one(MATCHING)
    assert item.stem == "Match the activity to the description."
    premises = [p["text"] for p in item.body["premises"]]
    assert premises[0] == "An activity supporting asynchronous discussions."
    assert premises[1].startswith("A teacher asks")
    assert shown(premises[2]) == "A bank of record entries which <participants> can add to."
    assert premises[3] == "A collection of *web pages* that anyone can add to or edit."
    assert [r["text"] for r in item.body["responses"]][-1] == "Chat"
    assert not any("[" in text for text in premises)


def test_format_markers_are_removed_in_options_feedback_and_general_feedback() -> None:
    item = one(
        """::Q2:: What's between orange and green in the spectrum?
{
    =yellow # right; good!
    ~red # [html]wrong, it's <b>yellow</b>
    ~[plain]blue & <green> # wrong, it's yellow
####[html]<p>Colours &amp; light</p>
}"""
    )
    options: list[dict[str, Any]] = item.body["options"]
    assert [o["feedback"] for o in options] == [
        "right; good!",
        "wrong, it's yellow",
        "wrong, it's yellow",
    ]
    assert shown(options[2]["text"]) == "blue & <green>"
    assert item.explanation == "Colours & light"


def test_markers_after_a_weight_and_in_true_false_feedback() -> None:
    choice = one("Colours {~%50%yellow ~%-100%[plain]red ~%50%[markdown]**off**-beige}")
    assert [o["text"] for o in choice.body["options"]] == ["yellow", "red", "**off**-beige"]
    tf = one("[html]<p>42 is the answer</p>{FALSE#[html]<i>No</i>.#[plain]Yes.}")
    assert tf.stem == "42 is the answer"
    assert (tf.body["feedback_true"], tf.body["feedback_false"]) == ("No.", "Yes.")


def numeric(text: str) -> dict[str, Any]:
    item = one(text)
    assert item.body["type"] == "numeric"
    return item.body


def test_numeric_answers_as_moodle_writes_them() -> None:
    # `{#3:2}` is 3 ± 2, with or without wrong-answer feedback after `~` (Moodle's fixture).
    assert numeric("What is a number from 1 to 5? {#3:2}") == {
        "type": "numeric", "value": 3.0, "tolerance": 2.0,
    }  # fmt: skip
    assert numeric("What is a number from 1 to 5? {#3:2~#Completely wrong}")["value"] == 3.0
    assert numeric("Pi? {# 3.14 : 0.01 }")["tolerance"] == 0.01
    assert numeric("A year between {#1990..2000}") == {
        "type": "numeric",
        "min": 1990.0,
        "max": 2000.0,
    }
    assert numeric("Exactly {#=42#Yes ~#No}")["value"] == 42.0


def test_a_numeric_answer_worth_part_of_the_marks_is_reported_not_silently_dropped() -> None:
    # Moodle's documentation example: full marks for 1822, half for 1822 ± 2.
    item = one("When was Ulysses S. Grant born? {#=1822:0 # Correct! =%50%1822:2 # Close.}")
    assert (item.body["value"], item.body["tolerance"]) == (1822.0, 0.0)
    assert len(item.warnings) == 1
    assert "1822:2" in item.warnings[0]
    assert "50%" in item.warnings[0]


def test_several_different_fully_right_numbers_are_refused_with_the_reason() -> None:
    (item,) = parse("Two roots {#=2 =-2}")
    assert isinstance(item, Rejected)
    assert "one right number" in item.reason
