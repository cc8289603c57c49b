"""What every format reads into and writes from: one question, with where it came from.

Parsers never touch the database: they turn a file into `Parsed` items (and `Rejected` ones for
questions the file holds but we cannot), each naming its file and line or XML path. The import
service then resolves categories to topics and validates each item as `QuestionContent`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Text that refers to an image shipped inside the imported file: `![alt](import:<name>)`. The
# import replaces it with `media:<id>` once the image is stored.
IMPORT_SCHEME = "import:"
NO_EXPLANATION = "No explanation was given in the imported file."


@dataclass(frozen=True)
class Where:
    """A place in an imported file: a line, or an XML path (with the item's file in a zip)."""

    file: str
    line: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.file}:{self.line}"
        if self.path is not None:
            return f"{self.file} at {self.path}"
        return self.file


class FormatError(Exception):
    """The file (not one question) cannot be read: bad syntax, unsafe content, over a limit."""

    def __init__(self, where: Where, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


@dataclass
class Parsed:
    """One question as a file holds it; `body` is a QuestionContent body, not yet validated."""

    where: Where
    stem: str
    body: dict[str, Any]
    explanation: str | None = None
    category: list[str] = field(default_factory=list)  # topic path, outermost first
    tags: list[str] = field(default_factory=list)
    difficulty: int | None = None
    references: list[dict[str, Any]] = field(default_factory=list)
    source: str | None = None
    images: dict[str, bytes] = field(default_factory=dict)  # name -> bytes, see IMPORT_SCHEME
    title: str | None = None
    # What the import leaves out or changes that the author should know (in the report).
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rejected:
    """A question the file holds that we will not import, and why."""

    where: Where
    reason: str


@dataclass(frozen=True)
class Exported:
    """A question on its way out: its content as stored, and its topic's path of names."""

    content: dict[str, Any]  # QuestionContent as JSON
    topic: list[str]
    id: str | None = None


def strip_feedback(body: dict[str, Any]) -> dict[str, Any]:
    """The body without its feedback: what decides whether two questions are the same."""
    out = {k: v for k, v in body.items() if k not in ("feedback_true", "feedback_false")}
    if "options" in out:
        out["options"] = [
            {k: v for k, v in option.items() if k != "feedback"} for option in out["options"]
        ]
    return out
