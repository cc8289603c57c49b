"""Our own JSON: lossless. Every field of a question's content, with its topic as a path of
names instead of an id (so a bank moves between tracks and servers):

    {"format": "studyhall-questions", "version": 1,
     "questions": [{"stem": ..., "body": {...}, "explanation": ..., "topic": ["A", "B"],
                    "tags": [...], "difficulty": 3, "references": [...], "source": ...}]}

Images stay `media:<id>` references: they resolve in the organisation that exported them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from studyhall.interchange.items import Exported, FormatError, Parsed, Rejected, Where

FORMAT = "studyhall-questions"
VERSION = 1


def parse(data: bytes, filename: str = "questions.json") -> Iterator[Parsed | Rejected]:
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise FormatError(Where(filename, line), f"not valid JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise FormatError(Where(filename, path="$"), f'`format` is not "{FORMAT}"')
    if document.get("version") != VERSION:
        raise FormatError(Where(filename, path="$.version"), f"only version {VERSION} is read")
    questions = document.get("questions")
    if not isinstance(questions, list):
        raise FormatError(Where(filename, path="$.questions"), "is not a list")
    for index, entry in enumerate(questions):
        where = Where(filename, path=f"$.questions[{index}]")
        if not isinstance(entry, dict):
            yield Rejected(where, "is not an object")
            continue
        yield _question(entry, where)


def _question(entry: dict[str, Any], where: Where) -> Parsed | Rejected:
    topic = entry.get("topic", [])
    stem, body = entry.get("stem"), entry.get("body")
    if not isinstance(topic, list) or not all(isinstance(t, str) for t in topic):
        return Rejected(where, "`topic` is not a list of names")
    if not isinstance(stem, str) or not isinstance(body, dict):
        return Rejected(where, "`stem` (text) and `body` (an object) are required")
    tags = entry.get("tags", [])
    references = entry.get("references", [])
    if not isinstance(tags, list) or not isinstance(references, list):
        return Rejected(where, "`tags` and `references` are lists")
    difficulty = entry.get("difficulty")
    return Parsed(
        where, stem, body, explanation=entry.get("explanation"), category=topic,
        tags=tags, difficulty=difficulty if isinstance(difficulty, int) else None,
        references=references, source=entry.get("source"),
    )  # fmt: skip


def render(questions: Iterable[Exported]) -> Iterator[str]:
    """The document, a question at a time."""
    yield f'{{"format": "{FORMAT}", "version": {VERSION}, "questions": ['
    for count, item in enumerate(questions):
        entry = {k: v for k, v in item.content.items() if k != "topic_id"}
        entry["topic"] = item.topic
        yield ("," if count else "") + "\n" + json.dumps(entry, ensure_ascii=False)
    yield "\n]}\n"
