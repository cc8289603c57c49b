"""API shapes of questions, their versions, the review workflow and diffs.

What a question says is `studyhall.bank.content.QuestionContent` (the request body of create
and edit); these are the answers around it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from studyhall.bank.content import QuestionContent, QuestionType
from studyhall.bank.render import Rendered


class QuestionStatus(StrEnum):
    """Where the head version is in the workflow."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"


class VersionStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"
    SUPERSEDED = "superseded"  # an older version that is not the published one


class ReviewAction(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    SENT_BACK = "sent_back"
    RETIRED = "retired"


class VersionOut(BaseModel):
    """One immutable version: the content as written and its sanitised HTML."""

    id: UUID
    number: int
    content: QuestionContent
    rendered: Rendered = Field(
        description="Sanitised HTML of every text: `stem`, `explanation`, and by type "
        "`options` {id: {text, feedback}}, `items`, `premises`, `responses` {id: html}, "
        "`feedback_true`, `feedback_false`."
    )
    content_hash: str = Field(description="SHA-256 of the stem and body, for duplicate checks.")
    created_by: UUID | None
    created_at: datetime


class QuestionOut(BaseModel):
    """A question with its head version (what authors edit and reviewers review)."""

    id: UUID
    track_id: UUID
    status: QuestionStatus
    type: QuestionType
    topic_id: UUID
    difficulty: int
    tags: list[str]
    author_id: UUID | None
    revision: int = Field(description='Goes up on every change; the ETag is `"r<revision>"`.')
    head_version: VersionOut
    published_version_id: UUID | None = Field(
        description="The version attempts draw; absent until approved, cleared on retiring."
    )
    published_version_number: int | None
    created_at: datetime
    updated_at: datetime


class ReviewEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    action: ReviewAction
    comment: str | None
    actor_id: UUID | None
    created_at: datetime


class VersionSummary(BaseModel):
    """A version in the history, with where it stands and what reviewers did to it."""

    id: UUID
    number: int
    status: VersionStatus
    is_head: bool
    is_published: bool
    content_hash: str
    created_by: UUID | None
    created_at: datetime
    reviews: list[ReviewEventOut]


class FieldChange(BaseModel):
    path: str = Field(description="Path in the content, e.g. `body.options.1.text`.")
    old: Any = Field(description="Absent (null) when the field was added.")
    new: Any = Field(description="Absent (null) when the field was removed.")


class VersionDiff(BaseModel):
    question_id: UUID
    from_version: int
    to_version: int
    changes: list[FieldChange] = Field(description="Every field that differs, leaf by leaf.")
    stem_diff: str = Field(description="Unified diff of the stem's Markdown; empty if equal.")
    explanation_diff: str = Field(description="Unified diff of the explanation's Markdown.")


class SendBack(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)
    ] = Field(description="What the author should change.")


class PersonOut(BaseModel):
    id: UUID
    display_name: str


class ReviewQueueItem(BaseModel):
    question_id: UUID
    track_id: UUID
    topic_id: UUID
    type: QuestionType
    difficulty: int
    version_id: UUID
    version_number: int
    excerpt: str = Field(description="The start of the stem, as plain text.")
    author: PersonOut | None = Field(description="Who wrote the version under review.")
    submitted_at: datetime
    revision: int
