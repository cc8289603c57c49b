"""Aiken: single-choice questions as plain text.

    Which planet is largest?
    A. Mars
    B) Jupiter
    ANSWER: B

The stem is every line before the first option; options are a letter with `.` or `)` (and,
as Moodle reads them, a space or not after it); the
`ANSWER:` line ends the question and names the right letter. Blank lines between questions
are optional. A question without options or answer, or whose answer names no option, is
rejected with its line.

Aiken is plain text: what it holds is escaped into our Markdown, so `<b> & *x*` shows exactly
so; writing, the Markdown is rendered and what a learner would read is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from studyhall.interchange.items import Exported, Parsed, Rejected, Where
from studyhall.interchange.textutil import markdown_to_plain, plain_to_markdown

_OPTION = re.compile(r"^([A-Za-z])[.)]\s+(.*)$")
# Moodle also reads `A)Text` and `A.Text` (a capital, no space) as options; a question's
# first line that looks so (`A.D. 1066 …`) is still its stem.
_TIGHT_OPTION = re.compile(r"^([A-Z])[.)](\S.*)$")
_ANSWER = re.compile(r"^ANSWER:\s*(.*)$", re.IGNORECASE)


def parse(text: str, filename: str = "questions.txt") -> Iterator[Parsed | Rejected]:
    stem: list[str] = []
    options: list[tuple[str, str]] = []
    start = 0
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line and not options:
            continue  # blank lines between questions, or inside a stem
        if not stem and not options:
            start = number
        if answer := _ANSWER.match(line):
            yield _question(Where(filename, start), stem, options, answer.group(1).strip())
            stem, options = [], []
        elif option := _OPTION.match(line) or (_TIGHT_OPTION.match(line) if stem else None):
            if not stem:
                yield Rejected(Where(filename, number), "an option with no question before it")
                continue
            options.append((option.group(1).upper(), option.group(2).strip()))
        elif options:
            if line:
                yield Rejected(
                    Where(filename, number), "text after the options that is not `ANSWER: X`"
                )
                stem, options = [], []
        else:
            stem.append(line)
    if stem or options:
        yield Rejected(Where(filename, start), "the question has no `ANSWER:` line")


def _question(
    where: Where, stem: list[str], options: list[tuple[str, str]], answer: str
) -> Parsed | Rejected:
    if not stem:
        return Rejected(where, "`ANSWER:` with no question before it")
    if len(options) < 2:
        return Rejected(where, "a question needs at least two options (`A. ...`)")
    letters = [letter for letter, _ in options]
    if len(set(letters)) != len(letters):
        return Rejected(where, "two options have the same letter")
    if answer.upper() not in letters:
        return Rejected(where, f"the answer {answer!r} names none of the options")
    body = {
        "type": "single_choice",
        "options": [
            {
                "id": letter.lower(),
                "text": plain_to_markdown(text),
                "correct": letter == answer.upper(),
            }
            for letter, text in options
        ],
    }
    return Parsed(where, plain_to_markdown("\n".join(stem).strip()), body)


def render(questions: Iterable[Exported]) -> tuple[str, list[tuple[Exported, str]]]:
    """Aiken text of the single-choice questions; every other type is skipped with why."""
    out: list[str] = []
    skipped: list[tuple[Exported, str]] = []
    for item in questions:
        body = item.content["body"]
        if body["type"] != "single_choice":
            skipped.append((item, "Aiken holds only single-choice questions"))
            continue
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        lines = [markdown_to_plain(item.content["stem"])]
        right = ""
        for letter, option in zip(letters, body["options"], strict=False):
            lines.append(f"{letter}. {' '.join(markdown_to_plain(option['text']).split())}")
            right = letter if option["correct"] else right
        lines.append(f"ANSWER: {right}")
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n", skipped
