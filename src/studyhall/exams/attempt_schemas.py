"""API shapes of attempts: starting one, the exam screen's state, saving, results, review."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class Mode(StrEnum):
    SIMULATION = "simulation"  # the track's length and time limit, drawn by the blueprint
    PRACTICE = "practice"  # instant feedback; `adaptive` leans towards weak topics
    DRILL = "drill"  # one topic or tag, N questions
    MISTAKES = "mistakes"  # what the learner last got wrong or flagged (skipped ones if asked)
    CUSTOM = "custom"  # chosen topics, count and time
    REVIEW = "review"  # the learner's question cards due for review (reviews/), graded on submit


class AttemptStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Mode
    count: int | None = Field(None, ge=1, le=500, description="Questions (not for simulation).")
    topic_ids: list[UUID] = Field(
        default_factory=list,
        max_length=50,
        description="drill: one topic; custom: any leaf topics.",
    )
    tag: str | None = Field(None, max_length=48, description="drill by tag instead of topic.")
    time_limit_minutes: int | None = Field(
        None, ge=1, le=24 * 60, description="custom/practice: an optional limit."
    )
    adaptive: bool = Field(False, description="practice: favour the learner's weakest topics.")
    include_unanswered: bool = Field(
        False,
        description="mistakes: also the questions you left unanswered (by default only those "
        "answered wrong or flagged).",
    )
    feedback: Literal["instant", "end"] | None = Field(
        None,
        description="custom only; practice, drill, mistakes and review are always instant, "
        "simulation always at the end.",
    )


class OptionView(BaseModel):
    id: str
    html: str


class QuestionView(BaseModel):
    """A question as the exam screen shows it: no answer key, options in the order shown."""

    position: int
    question_id: UUID
    version_id: UUID
    type: str
    topic_id: UUID
    stem_html: str
    options: list[OptionView] = Field(
        default_factory=list, description="choice types; ordering items in the order shown"
    )
    premises: list[OptionView] = Field(default_factory=list)
    responses: list[OptionView] = Field(default_factory=list)
    unit: str | None = None
    answer: dict[str, Any] | None
    flagged: bool
    time_spent_ms: int
    feedback: FeedbackView | None = None


class FeedbackView(BaseModel):
    score: float
    correct: bool
    correct_answer: dict[str, Any]
    explanation_html: str
    option_feedback_html: dict[str, str] = Field(default_factory=dict)


class AttemptState(BaseModel):
    """Everything needed to resume an attempt after a disconnect."""

    id: UUID
    track_id: UUID
    mode: Mode
    status: Literal["in_progress", "submitted"]
    navigation: str
    feedback: Literal["instant", "end"]
    started_at: datetime
    deadline_at: datetime | None
    server_time: datetime
    seconds_left: int | None
    furthest_position: int
    questions: list[QuestionView]
    result: AttemptResult | None = None


class AnswerSave(BaseModel):
    """Fields left out are kept: send `flagged` alone to flag, `answer: null` to clear."""

    model_config = ConfigDict(extra="forbid")

    answer: dict[str, Any] | None = None
    flagged: bool | None = None
    time_spent_ms: int | None = Field(
        None, ge=0, le=24 * 3600 * 1000, description="Total time on this question so far."
    )


class SavedAnswer(BaseModel):
    position: int
    answer: dict[str, Any] | None
    flagged: bool
    time_spent_ms: int
    answered_at: datetime | None
    seconds_left: int | None
    feedback: FeedbackView | None = None


class TopicResult(BaseModel):
    topic_id: UUID
    topic: str
    correct: int
    total: int
    points: float
    percent: float


class AttemptResult(BaseModel):
    submitted_at: datetime
    submitted_by: Literal["learner", "deadline"]
    questions: int
    answered: int
    correct: int
    points: float
    percent: float
    scaled: float | None
    passing_score: float
    passed: bool
    topics: list[TopicResult]
    time_per_question_ms: list[int]


class ReviewItem(BaseModel):
    position: int
    outcome: Literal["right", "partly", "wrong", "unanswered"] = Field(
        description="`unanswered` is kept apart from `wrong`: both score 0."
    )
    question_id: UUID
    version_id: UUID
    type: str
    topic_id: UUID
    stem_html: str
    options: list[OptionView]
    premises: list[OptionView]
    responses: list[OptionView]
    answer: dict[str, Any] | None
    flagged: bool
    time_spent_ms: int
    score: float
    correct: bool
    correct_answer: dict[str, Any]
    explanation_html: str
    option_feedback_html: dict[str, str]


class AttemptReview(BaseModel):
    id: UUID
    result: AttemptResult
    items: list[ReviewItem]


class AttemptSummary(BaseModel):
    id: UUID
    track_id: UUID
    mode: Mode
    status: str
    started_at: datetime
    submitted_at: datetime | None
    deadline_at: datetime | None
    seconds_left: int | None = Field(description="In progress with a time limit: time left.")
    questions: int
    percent: float | None
    scaled: float | None
    passed: bool | None


QuestionView.model_rebuild()
AttemptState.model_rebuild()
