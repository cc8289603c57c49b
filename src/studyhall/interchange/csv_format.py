"""CSV for spreadsheets: one question a row, answers in one cell.

Columns (a header row is required; order is free, unknown columns are refused):
`type, stem, answers, explanation, topic, tags, difficulty, unit`.

`answers` by type, items separated by ` | `:
- single_choice, multiple_response: options, the right ones starting with `*`: `*Paris | Lyon`
- true_false: `true` or `false`
- numeric: `42`, `3.14 +- 0.01` or `1..5` (put a unit in `unit`)
- short_text: the accepted answers: `DAG | directed acyclic graph`; `%50% graph` is worth half
  the marks
- ordering: the items in their right order
- matching: `premise => response` pairs; `=> response` alone is a distractor

`topic` is a path `Section / Subsection`; `tags` are separated by commas. A `\\` escapes the
next character (`\\|`, `\\*`, `\\=`). Per-option feedback does not fit a cell and is not carried.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

from studyhall.interchange.gift import accepted_answer
from studyhall.interchange.items import Exported, FormatError, Parsed, Rejected, Where
from studyhall.interchange.textutil import ids, number

COLUMNS = ("type", "stem", "answers", "explanation", "topic", "tags", "difficulty", "unit")
REQUIRED = {"type", "stem", "answers"}
TOPIC_SEPARATOR = " / "
_CREDIT = re.compile(r"^%(\d+(?:\.\d+)?)%\s*(.*)$", re.DOTALL)


class _Refused(Exception):
    pass


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("=", "\\=")


def _cut(cell: str, separator: str) -> list[str]:
    """Split on an unescaped separator, keeping escapes (undone by `_plain`)."""
    pieces, current, index = [], [], 0
    while index < len(cell):
        if cell[index] == "\\":
            current.append(cell[index : index + 2])
            index += 2
        elif cell.startswith(separator, index):
            pieces.append("".join(current))
            current = []
            index += len(separator)
        else:
            current.append(cell[index])
            index += 1
    pieces.append("".join(current))
    return pieces


def _plain(text: str) -> str:
    out, chars = [], iter(text)
    for ch in chars:
        out.append(next(chars, "") if ch == "\\" else ch)
    return "".join(out).strip()


def parse(text: str, filename: str = "questions.csv") -> Iterator[Parsed | Rejected]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if missing := REQUIRED - set(header):
        raise FormatError(Where(filename, 1), f"the header lacks {', '.join(sorted(missing))}")
    if unknown := set(header) - set(COLUMNS):
        raise FormatError(Where(filename, 1), f"unknown columns: {', '.join(sorted(unknown))}")
    reader.fieldnames = header
    line = reader.line_num
    try:
        for row in reader:
            where = Where(filename, line + 1)
            line = reader.line_num
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            try:
                yield _row(row, where)
            except _Refused as refused:
                yield Rejected(where, str(refused))
    except csv.Error as exc:
        raise FormatError(Where(filename, reader.line_num), f"not valid CSV ({exc})") from None


def _row(row: dict[str, Any], where: Where) -> Parsed:
    if None in row:
        raise _Refused("the row has more cells than the header")
    cell = {k: (row.get(k) or "").strip() for k in COLUMNS}
    difficulty = None
    if cell["difficulty"]:
        try:
            difficulty = int(cell["difficulty"])
        except ValueError:
            raise _Refused(f"difficulty {cell['difficulty']!r} is not a whole number") from None
    body = _body(cell["type"], cell["answers"], cell["unit"])
    return Parsed(
        where, cell["stem"], body, explanation=cell["explanation"] or None,
        category=[p.strip() for p in cell["topic"].split(TOPIC_SEPARATOR.strip()) if p.strip()],
        tags=[t.strip() for t in cell["tags"].split(",") if t.strip()], difficulty=difficulty,
    )  # fmt: skip


def _body(kind: str, answers: str, unit: str) -> dict[str, Any]:
    items = [piece for piece in _cut(answers, "|") if piece.strip()]
    if kind in ("single_choice", "multiple_response"):
        options = []
        for option_id, raw in zip(ids("o", len(items)), items, strict=True):
            stripped = raw.strip()
            options.append(
                {
                    "id": option_id,
                    "text": _plain(stripped.removeprefix("*")),
                    "correct": stripped.startswith("*"),
                }
            )
        return {"type": kind, "options": options}
    if kind == "true_false":
        if answers.strip().lower() not in ("true", "false"):
            raise _Refused("a true_false answer is `true` or `false`")
        return {"type": kind, "correct_answer": answers.strip().lower() == "true"}
    if kind == "numeric":
        return _numeric(answers.strip(), unit)
    if kind == "short_text":
        return {"type": kind, "accepted_answers": [_accepted(i) for i in items]}
    if kind == "ordering":
        return {"type": kind, "items": [
            {"id": i, "text": _plain(t)} for i, t in zip(ids("i", len(items)), items, strict=True)
        ]}  # fmt: skip
    if kind == "matching":
        return _matching(items)
    raise _Refused(f"type {kind!r} is not one of {', '.join(_TYPES)}")


_TYPES = ("single_choice", "multiple_response", "true_false", "numeric", "short_text",
          "ordering", "matching")  # fmt: skip


def _numeric(answer: str, unit: str) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "numeric", "unit": unit or None}
    try:
        if ".." in answer:
            low, high = answer.split("..", 1)
            return {**body, "min": float(low), "max": float(high)}
        value, _, tolerance = answer.partition("+-")
        return {**body, "value": float(value), "tolerance": abs(float(tolerance or 0))}
    except ValueError:
        raise _Refused(f"{answer!r} is not a number, `value +- tolerance` or `min..max`") from None


def _matching(items: list[str]) -> dict[str, Any]:
    premises: list[dict[str, str]] = []
    responses: dict[str, str] = {}
    pairs: dict[str, str] = {}
    for raw in items:
        parts = _cut(raw, "=>")
        if len(parts) != 2:
            raise _Refused("a matching answer is `premise => response`")
        premise, response = _plain(parts[0]), _plain(parts[1])
        if not response:
            raise _Refused("a matching pair has nothing after `=>`")
        response_id = responses.setdefault(response, f"r{len(responses) + 1}")
        if premise:
            premises.append({"id": f"p{len(premises) + 1}", "text": premise})
            pairs[premises[-1]["id"]] = response_id
    return {
        "type": "matching",
        "premises": premises,
        "responses": [{"id": i, "text": t} for t, i in responses.items()],
        "pairs": pairs,
    }


def render(questions: Iterable[Exported]) -> Iterator[str]:
    """CSV text, a row at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for item in questions:
        content = item.content
        body = content["body"]
        writer.writerow([
            body["type"], content["stem"], _answers(body), content.get("explanation", ""),
            TOPIC_SEPARATOR.join(item.topic), ", ".join(content.get("tags", [])),
            content.get("difficulty", ""), body.get("unit") or "",
        ])  # fmt: skip
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _accepted(item: str) -> dict[str, Any]:
    """`%50% graph` is an answer worth half the marks (an escaped `\\%` is a literal one)."""
    found = _CREDIT.match(item.strip())
    if found is None:
        return {"text": _plain(item)}
    return accepted_answer(_plain(found.group(2)), float(found.group(1)))


def _accepted_cell(answer: dict[str, Any]) -> str:
    text = _escape(answer["text"])
    text = "\\" + text if text.startswith("%") else text
    credit = answer.get("credit", 1)
    return text if credit >= 1 else f"%{number(round(credit * 100, 5))}% {text}"


def _answers(body: dict[str, Any]) -> str:
    kind = body["type"]
    if kind in ("single_choice", "multiple_response"):
        return " | ".join(
            ("*" if o["correct"] else "") + _escape(o["text"]) for o in body["options"]
        )
    if kind == "true_false":
        return "true" if body["correct_answer"] else "false"
    if kind == "numeric":
        if body.get("value") is not None:
            return f"{number(body['value'])} +- {number(body.get('tolerance') or 0)}"
        return f"{number(body['min'])}..{number(body['max'])}"
    if kind == "short_text":
        return " | ".join(map(_accepted_cell, body["accepted_answers"]))
    if kind == "ordering":
        return " | ".join(_escape(i["text"]) for i in body["items"])
    texts = {r["id"]: r["text"] for r in body["responses"]}
    used = set(body["pairs"].values())
    pairs = [
        f"{_escape(p['text'])} => {_escape(texts[body['pairs'][p['id']]])}"
        for p in body["premises"]
    ]
    return " | ".join(
        pairs + [f"=> {_escape(r['text'])}" for r in body["responses"] if r["id"] not in used]
    )
