"""GIFT, Moodle's plain-text format: read every kind that maps to our types, and write them.

Reading: questions are separated by blank lines; `//` comments are ignored, except Moodle's
`// [tag:name]`, which tags the next question; `$CATEGORY: a/b` sets the topic path of the
questions after it; `::title::` and a `[format]` marker may open a question. The answer block
`{...}` decides the type: `=right ~wrong` (single choice), `~%50%a ~%50%b ~%-100%c` (multiple
response: positive weights are right), `T`/`F` (true/false, `#if wrong#if right` feedback),
`=a =b` (short text), `#3.14:0.01` or `#1..5` (numeric), `=a -> 1 =b -> 2` (matching),
text after the block (missing word: the stem gets a blank), `####text` (general feedback,
which becomes the explanation). `{}` (essay) and text without a block (description) are
reported, not imported.

Every error is a `Rejected` (one question) or a `FormatError` (the file), with a line number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from studyhall.interchange.items import Exported, FormatError, Parsed, Rejected, Where
from studyhall.interchange.textutil import html_to_markdown, ids, number, plain_to_markdown

SPECIAL = "~=#{}:\\"
_TAG_COMMENT = re.compile(r"^//\s*\[tag:([^\]]+)\]\s*$")
_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_MOODLE_ROOTS = ("$course$", "$module$", "$system$", "$cat1$", "$cat2$", "$cat3$", "top")
BLANK = "_____"


def escape(text: str) -> str:
    out = "".join("\\" + ch if ch in SPECIAL else ch for ch in text)
    # `->` separates a matching pair; `\>` reads back as `>`.
    return out.replace("->", "-\\>").replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def unescape(text: str) -> str:
    out: list[str] = []
    chars = iter(text)
    for ch in chars:
        if ch == "\\":
            following = next(chars, "")
            out.append("\n" if following == "n" else following)
        else:
            out.append(ch)
    return "".join(out)


def _split(text: str, separators: str) -> list[tuple[str, str]]:
    """`text` cut before each unescaped separator: [(separator or '', piece), ...]."""
    pieces: list[tuple[str, str]] = []
    current: list[str] = []
    marker = ""
    index = 0
    while index < len(text):
        ch = text[index]
        if ch == "\\" and index + 1 < len(text):
            current.append(text[index : index + 2])
            index += 2
            continue
        if ch in separators:
            pieces.append((marker, "".join(current)))
            marker, current = ch, []
        else:
            current.append(ch)
        index += 1
    pieces.append((marker, "".join(current)))
    return pieces


def _find(text: str, target: str, start: int = 0) -> int:
    """Index of the first unescaped `target` at or after `start`, or -1."""
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith(target, index):
            return index
        index += 1
    return -1


def _balance(line: str) -> int:
    depth = 0
    for marker, _ in _split(line, "{}")[1:]:
        depth += 1 if marker == "{" else -1
    return depth


def _blocks(text: str) -> Iterator[tuple[list[int], list[str], list[str]]]:
    """(line numbers, lines, tags from `// [tag:]` comments) of each block."""
    lines: list[str] = []
    numbers: list[int] = []
    tags: list[str] = []
    start = 0
    depth = 0
    for number_, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        stripped = raw.strip()
        if stripped.startswith("//") and depth == 0:
            if found := _TAG_COMMENT.match(stripped):
                tags.append(found.group(1).strip())
            continue
        if not stripped and depth == 0:
            if lines:
                yield numbers, lines, tags
                lines, numbers, tags = [], [], []
            continue
        if not lines:
            start = number_
        lines.append(raw)
        numbers.append(number_)
        depth += _balance(raw)
        if depth < 0:
            raise FormatError(Where("", number_), "a `}` closes no `{`")
    if depth > 0:
        raise FormatError(Where("", start), "an answer block `{` is never closed")
    if lines:
        yield numbers, lines, tags


def category_path(value: str) -> list[str]:
    parts = [p.strip() for p in value.split("/") if p.strip()]
    while parts and parts[0].lower() in _MOODLE_ROOTS:
        parts.pop(0)
    return parts


def parse(text: str, filename: str = "questions.gift") -> Iterator[Parsed | Rejected]:
    """The questions of a GIFT file, in order; a broken file raises FormatError."""
    category: list[str] = []
    try:
        blocks = list(_blocks(text.lstrip("\ufeff")))
    except FormatError as exc:
        raise FormatError(Where(filename, exc.where.line), exc.reason) from None
    for numbers, lines, tags in blocks:
        if lines[0].strip().upper().startswith("$CATEGORY:"):
            category = category_path(lines[0].split(":", 1)[1].strip())
            # Moodle would read a question on the very next line as part of the category's
            # name (and warn); we read it as the question it is.
            numbers, lines = numbers[1:], lines[1:]
            if not lines:
                continue
        where = Where(filename, numbers[0])
        block = "\n".join(lines).strip()
        try:
            item = _question(block, where)
        except _Refused as refused:
            yield Rejected(where, str(refused), stem=first_words(block))
            continue
        item.category = list(category)
        item.tags = tags
        yield item


class _Refused(Exception):
    pass


def first_words(block: str) -> str:
    """The opening of a refused block, for the report (its title and markers left out)."""
    if block.startswith("::") and (end := _find(block, "::", 2)) >= 0:
        block = block[end + 2 :]
    block = _FORMAT.sub("", block.lstrip(), count=1)
    if (opening := _find(block, "{")) > 0:
        block = block[:opening]
    text = " ".join(unescape(block).split())
    return text if len(text) <= 80 else text[:79] + "…"


def formatted(raw: str, default: str | None) -> str:
    """One piece of GIFT text (stem, option, feedback, premise…) as our Markdown.

    As in Moodle, every piece may open with its own `[html]`, `[moodle]`, `[plain]` or
    `[markdown]` marker, and otherwise has the question's format. HTML (and Moodle's auto
    format, which allows it) becomes Markdown; plain text is escaped so that it shows
    literally; Markdown, and text with no marker anywhere, is kept as written.
    """
    value = raw.strip()
    kind = default
    if found := _FORMAT.match(value):
        kind = found.group(1).lower()
        value = value[found.end() :]
    value = unescape(value).strip()
    if kind in ("html", "moodle"):
        return html_to_markdown(value, set())
    if kind == "plain":
        return plain_to_markdown(value)
    return value


def _question(block: str, where: Where) -> Parsed:
    title = None
    if block.startswith("::"):
        end = _find(block, "::", 2)
        if end < 0:
            raise _Refused("the title `::` is never closed")
        title = unescape(block[2:end]).strip() or None
        block = block[end + 2 :].lstrip()
    default_format = None
    if found := _FORMAT.match(block):
        default_format = found.group(1).lower()
        block = block[found.end() :]
    opening = _find(block, "{")
    if opening < 0:
        raise _Refused("a description (no answer block): it has nothing to answer")
    closing = _find(block, "}", opening)
    before, inside, after = block[:opening], block[opening + 1 : closing], block[closing + 1 :]

    def text(raw: str) -> str:
        return formatted(raw, default_format)

    stem = text(before)
    if after.strip():
        stem = f"{stem} {BLANK} {text(after)}".strip()
    answers, _, general = _split_general(inside)
    if not stem:
        raise _Refused("the question has no text")
    warnings: list[str] = []
    body = _body(answers.strip(), text, warnings)
    explanation = text(general) if general is not None else None
    return Parsed(
        where, stem, body, explanation=explanation or None, title=title, warnings=warnings
    )


def _split_general(inside: str) -> tuple[str, str, str | None]:
    at = _find(inside, "####")
    if at < 0:
        return inside, "", None
    return inside[:at], "####", inside[at + 4 :]


def _body(answers: str, text: Any, warnings: list[str]) -> dict[str, Any]:
    if not answers:
        raise _Refused("an essay question (empty answer block): we only hold marked questions")
    if answers.startswith("#"):
        return _numeric(answers[1:], warnings)
    head = _split(answers, "#")
    if head[0][1].strip().upper() in ("T", "TRUE", "F", "FALSE"):
        correct = head[0][1].strip().upper().startswith("T")
        wrong = text(head[1][1]) if len(head) > 1 else ""
        right = text(head[2][1]) if len(head) > 2 else ""
        feedback_true, feedback_false = (right, wrong) if correct else (wrong, right)
        return {
            "type": "true_false",
            "correct_answer": correct,
            "feedback_true": feedback_true or None,
            "feedback_false": feedback_false or None,
        }
    entries = [(m, p) for m, p in _split(answers, "=~") if m]
    if _split(answers, "=~")[0][1].strip():
        raise _Refused("text before the first `=` or `~` in the answer block")
    if not entries:
        raise _Refused("the answer block has no answers")
    parsed = [_answer(marker, piece, text) for marker, piece in entries]
    if all(m == "=" for m, _ in entries):
        if any(_find(p, "->") >= 0 for _, p in entries):
            return _matching(entries, text)
        return _short_text(parsed)
    weighted = any(a["weighted"] for a in parsed)
    options = [
        {"id": i, "text": a["text"], "correct": a["weight"] > 0, "feedback": a["feedback"]}
        for i, a in zip(ids("o", len(parsed)), parsed, strict=True)
    ]
    for option in options:
        if not option["text"]:
            raise _Refused("an answer is empty")
    kind = "multiple_response" if weighted else "single_choice"
    body: dict[str, Any] = {"type": kind, "options": options}
    if kind == "multiple_response":
        body["scoring"] = "partial"
    return body


def _short_text(parsed: list[dict[str, Any]]) -> dict[str, Any]:
    """Answers with a positive weight are accepted, worth that share of the marks (`=%50%Cat`
    earns half); a zero or negative weight only carries feedback for a wrong reply."""
    accepted = [accepted_answer(a["text"], a["weight"]) for a in parsed if a["weight"] > 0]
    if not any(a["weight"] >= 100 for a in parsed):
        raise _Refused("no answer earns full marks (`=answer` or `=%100%answer`)")
    return {"type": "short_text", "accepted_answers": accepted}


def accepted_answer(text: str, percent: float) -> dict[str, Any]:
    """A short-text accepted answer worth `percent` of the marks (100 or more: all of them)."""
    if percent >= 100:
        return {"text": text}
    return {"text": text, "credit": percent / 100}


def _answer(marker: str, piece: str, text: Any) -> dict[str, Any]:
    weighted = False
    weight = 100.0 if marker == "=" else 0.0
    piece = piece.strip()
    if found := _WEIGHT.match(piece):
        weighted = True
        weight = float(found.group(1))
        piece = piece[found.end() :]
    parts = _split(piece, "#")
    feedback = text("#".join(p for _, p in parts[1:])) if len(parts) > 1 else ""
    return {
        "text": text(parts[0][1]),
        "weight": weight,
        "weighted": weighted,
        "feedback": feedback or None,
    }


def _matching(entries: list[tuple[str, str]], text: Any) -> dict[str, Any]:
    premises: list[dict[str, str]] = []
    responses: dict[str, str] = {}
    pairs: dict[str, str] = {}
    for _, piece in entries:
        arrow = _find(piece, "->")
        if arrow < 0:
            raise _Refused("a matching answer without `->`")
        premise, response = text(piece[:arrow]), text(piece[arrow + 2 :])
        if not response:
            raise _Refused("a matching answer with nothing after `->`")
        response_id = responses.setdefault(response, f"r{len(responses) + 1}")
        if premise:
            premise_id = f"p{len(premises) + 1}"
            premises.append({"id": premise_id, "text": premise})
            pairs[premise_id] = response_id
    return {
        "type": "matching",
        "premises": premises,
        "responses": [{"id": i, "text": t} for t, i in responses.items()],
        "pairs": pairs,
    }


def _numeric(spec: str, warnings: list[str]) -> dict[str, Any]:
    """Moodle's numeric block: `3:2` (3 ± 2), `1..5`, or answers each after `=`, weighted
    (`=%50%1822:2`), with feedback after `#`; `~` opens the feedback for any other reply.
    We hold one right number or range: partial-credit answers are left out with a warning."""
    other = _find(spec, "~")
    if other >= 0:
        spec = spec[:other]  # feedback for every other reply: we hold none such
    right: dict[str, dict[str, Any]] = {}
    for _, raw in _split(spec, "="):
        piece = raw.strip()
        if not piece:
            continue
        weight = 100.0
        if found := _WEIGHT.match(piece):
            weight = float(found.group(1))
            piece = piece[found.end() :]
        value = unescape(_split(piece, "#")[0][1]).strip()
        if value == "*" or weight <= 0:
            continue  # a wrong reply, there only for its feedback
        body = _number_spec(value)
        if weight >= 100:
            right.setdefault(json.dumps(body, sort_keys=True), body)
        else:
            warnings.append(
                f"the answer {value} worth {number(weight)}% is left out: a numeric question "
                "holds one right number or range, worth full marks"
            )
    if not right:
        raise _Refused("a numeric question with no fully right answer")
    if len(right) > 1:
        raise _Refused(
            f"{len(right)} different fully right answers: a numeric question holds one right "
            "number or range; keep one"
        )
    return next(iter(right.values()))


def _number_spec(value: str) -> dict[str, Any]:
    try:
        if ".." in value:
            low, high = value.split("..", 1)
            return {"type": "numeric", "min": float(low), "max": float(high)}
        centre, _, tolerance = value.partition(":")
        return {
            "type": "numeric",
            "value": float(centre),
            "tolerance": abs(float(tolerance)) if tolerance.strip() else 0.0,
        }
    except ValueError:
        why = f"{value!r} is not a number, a number:tolerance or a min..max range"
        raise _Refused(why) from None


# --- writing ------------------------------------------------------------------------------


def render(questions: Iterable[Exported]) -> tuple[str, list[tuple[Exported, str]]]:
    """The GIFT text of these questions, and those it cannot carry (ordering) with why."""
    out: list[str] = []
    skipped: list[tuple[Exported, str]] = []
    category: list[str] | None = None
    for count, item in enumerate(questions, start=1):
        content = item.content
        body = content["body"]
        if body["type"] == "ordering":
            why = "GIFT has no ordering questions"
            skipped.append((item, why))
            # Said in the file too, so whoever opens it knows it is not the whole bank.
            words = " ".join(content["stem"].split())[:60]
            out.append(f'// left out: question {item.id or "?"} "{words}": {why}\n')
            continue
        if item.topic != category:
            category = item.topic
            out.append(f"$CATEGORY: $course$/top/{'/'.join(item.topic)}\n")
        lines = [f"// [tag:{tag}]" for tag in content.get("tags", [])]
        general = f"####{escape(content['explanation'])}" if content.get("explanation") else ""
        answers = _answers(body)
        if _ends_with_separator(answers):
            answers += " "  # an empty last feedback must not run into the `####`
        lines.append(f"::Q{count}::[markdown]{escape(content['stem'])} {{{answers}{general}}}")
        out.append("\n".join(lines) + "\n")
    return "\n".join(out), skipped


def _ends_with_separator(answers: str) -> bool:
    """Whether the last character is an unescaped `#`: escaped only after an odd run of
    backslashes (`\\#` is an escaped backslash, then the separator)."""
    if not answers.endswith("#"):
        return False
    run = len(answers) - 1 - len(answers[:-1].rstrip("\\"))
    return run % 2 == 0


def _weight(credit: float) -> str:
    return "" if credit >= 1 else f"%{number(round(credit * 100, 5))}%"


def _feedback(text: str | None) -> str:
    return f"#{escape(text)}" if text else ""


def _answers(body: dict[str, Any]) -> str:
    kind = body["type"]
    if kind == "single_choice":
        return " ".join(
            f"{'=' if o['correct'] else '~'}{escape(o['text'])}{_feedback(o.get('feedback'))}"
            for o in body["options"]
        )
    if kind == "multiple_response":
        right = sum(o["correct"] for o in body["options"])
        share = f"{100 / right:.5f}".rstrip("0").rstrip(".")
        return " ".join(
            f"~%{share if o['correct'] else '-100'}%{escape(o['text'])}"
            f"{_feedback(o.get('feedback'))}"
            for o in body["options"]
        )
    if kind == "true_false":
        right, wrong = (
            (body.get("feedback_true"), body.get("feedback_false"))
            if body["correct_answer"]
            else (body.get("feedback_false"), body.get("feedback_true"))
        )
        head = "TRUE" if body["correct_answer"] else "FALSE"
        if not right and not wrong:
            return head
        return f"{head}#{escape(wrong or '')}#{escape(right or '')}"
    if kind == "numeric":
        if body.get("value") is not None:
            return f"#{number(body['value'])}:{number(body.get('tolerance') or 0)}"
        return f"#{number(body['min'])}..{number(body['max'])}"
    if kind == "short_text":
        return " ".join(
            f"={_weight(a.get('credit', 1))}{escape(a['text'])}" for a in body["accepted_answers"]
        )
    # matching
    texts = {r["id"]: r["text"] for r in body["responses"]}
    used = set(body["pairs"].values())
    pairs = [
        f"={escape(p['text'])} -> {escape(texts[body['pairs'][p['id']]])}" for p in body["premises"]
    ]
    pairs += [f"= -> {escape(r['text'])}" for r in body["responses"] if r["id"] not in used]
    return " ".join(pairs)
