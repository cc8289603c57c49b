"""Aiken is plain text: whatever it holds shows literally, never as Markdown or HTML; and it
is read as Moodle reads it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from studyhall.bank.render import plain_text, render_markdown
from studyhall.interchange import aiken
from studyhall.interchange.items import Exported, Parsed
from studyhall.interchange.textutil import plain_to_markdown


def shown(markdown: str) -> str:
    """The words a learner reads once the Markdown is rendered and sanitised."""
    return plain_text(render_markdown(markdown, "acme"))


def only(text: str) -> Parsed:
    items = list(aiken.parse(text, "a.txt"))
    assert len(items) == 1
    assert isinstance(items[0], Parsed), items[0]
    return items[0]


def test_aiken_text_shows_literally() -> None:
    item = only(
        'Which tag starts <html class="cool"> & images?\n'
        "A. <html>\n"
        "B. **bold** & &amp; [link](http://x)\n"
        "C. # not a heading\n"
        "ANSWER: A\n"
    )
    assert shown(item.stem) == 'Which tag starts <html class="cool"> & images?'
    texts = [shown(o["text"]) for o in item.body["options"]]
    assert texts == ["<html>", "**bold** & &amp; [link](http://x)", "# not a heading"]


def test_aiken_export_writes_what_a_learner_sees() -> None:
    content = {
        "stem": "Is **this** `code`?",
        "body": {
            "type": "single_choice",
            "options": [
                {"id": "a", "text": "1 \\< 2", "correct": True},
                {"id": "b", "text": "*no*", "correct": False},
            ],
        },
    }
    text, _ = aiken.render([Exported(content, [])])
    assert text == "Is this code?\nA. 1 < 2\nB. no\nANSWER: A\n"


PRINTABLE = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(PRINTABLE, max_size=40), min_size=1, max_size=4).map("\n".join))
def test_plain_text_as_markdown_renders_as_the_same_characters(text: str) -> None:
    assert " ".join(shown(plain_to_markdown(text)).split()) == " ".join(text.split())


def test_options_without_a_space_after_the_letter_as_moodle_reads_them() -> None:
    item = only("Which is largest?\nA)Mars\nB.Jupiter\nC) Venus\nANSWER: B\n")
    assert [(o["text"], o["correct"]) for o in item.body["options"]] == [
        ("Mars", False), ("Jupiter", True), ("Venus", False),
    ]  # fmt: skip


def test_a_stem_opening_like_an_option_without_a_space_stays_the_stem() -> None:
    item = only("A.D. 1066 was the year of which battle?\nA. Hastings\nB. Agincourt\nANSWER: A\n")
    assert item.stem.startswith("A.D. 1066") or shown(item.stem).startswith("A.D. 1066")
    assert len(item.body["options"]) == 2
