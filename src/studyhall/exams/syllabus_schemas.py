"""API shapes for a syllabus read from an exam notice: the proposal and the tree to apply."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from studyhall.exams.syllabus_text import MAX_TOPICS
from studyhall.orgs.schemas import Name

MAX_TEXT = 500_000  # characters of pasted text; a whole notice is rarely a tenth of that
MAX_DEPTH = 8


class SyllabusTextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(max_length=MAX_TEXT)] = Field(
        description="The notice's syllabus as pasted: any language, any numbering."
    )


class ProposedTopicOut(BaseModel):
    name: str
    weight: float = Field(description="Percent among its siblings.")
    questions: int | None = Field(description="The question count the notice gives it, if any.")
    lines: list[int] = Field(description="The lines of the text it was read from (1-based).")
    children: list[ProposedTopicOut]


class LineWarningOut(BaseModel):
    line: int = Field(description="1-based line of the text (of the PDF's extracted text).")
    text: str
    message: str


class TopicInUseOut(BaseModel):
    name: str
    questions: int


class SyllabusChanges(BaseModel):
    """What applying the proposal would do to the track's current syllabus."""

    kept: list[str] = Field(description="Current topics matched by name: they keep their id.")
    added: list[str] = Field(description="New topics.")
    removed: list[str] = Field(description="Current topics with no questions, not in the tree.")
    in_use: list[TopicInUseOut] = Field(
        description="Current topics with questions missing from the tree: applying is refused "
        "(409) until each is back in the tree or its questions are moved."
    )


class SyllabusProposalOut(BaseModel):
    source: Literal["text", "pdf"]
    pages: int | None = Field(None, description="Pages read, for a PDF.")
    topic_count: int
    topics: list[ProposedTopicOut]
    warnings: list[LineWarningOut]
    text: str = Field(description="The text read (a PDF's extracted text), for reference.")
    changes: SyllabusChanges


class SyllabusTopicIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    weight: float = Field(
        gt=0, le=1_000_000, description="Relative among siblings (a percent, or a count)."
    )
    children: list[SyllabusTopicIn] = Field(default_factory=list, max_length=MAX_TOPICS)


class SyllabusApplyIn(BaseModel):
    """The (corrected) tree to become the track's syllabus. Weights are relative among
    siblings and scaled to sum to 100 at each level."""

    model_config = ConfigDict(extra="forbid")

    topics: list[SyllabusTopicIn] = Field(min_length=1, max_length=MAX_TOPICS)

    def errors(self) -> list[tuple[str, str]]:
        """What the field types cannot say: the size and depth of the whole tree."""
        count, depth = _size(self.topics, 1)
        errors = []
        if count > MAX_TOPICS:
            errors.append(("body.topics", f"{count} topics; at most {MAX_TOPICS}"))
        if depth > MAX_DEPTH:
            errors.append(("body.topics", f"nested {depth} levels deep; at most {MAX_DEPTH}"))
        return errors


def _size(topics: list[SyllabusTopicIn], level: int) -> tuple[int, int]:
    count, depth = len(topics), level if topics else level - 1
    for topic in topics:
        below, deepest = _size(topic.children, level + 1)
        count, depth = count + below, max(depth, deepest)
    return count, depth
