"""API shapes of reviews: cards, their history, grading a topic card, settings."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from studyhall.reviews.models import ReviewCard
from studyhall.reviews.rules import Rating

RatingName = Literal["again", "hard", "good", "easy"]
STATES = {1: "learning", 2: "review", 3: "relearning"}


def rating_name(rating: int) -> RatingName:
    names: dict[int, RatingName] = {1: "again", 2: "hard", 3: "good", 4: "easy"}
    return names[rating]


class CardOut(BaseModel):
    id: UUID
    track_id: UUID
    kind: Literal["question", "topic"]
    question_id: UUID | None = Field(description="Question cards: the question to review.")
    topic_id: UUID
    reason: Literal["wrong", "flagged", "slow", "studied"] = Field(
        description="Why the card exists: answered wrong, flagged, answered slowly, or studied."
    )
    state: Literal["learning", "review", "relearning"]
    stability: float | None = Field(description="FSRS stability, in days.")
    difficulty: float | None = Field(description="FSRS difficulty, 1 (easy) to 10 (hard).")
    due: datetime
    last_review: datetime | None
    reviews: int

    @classmethod
    def of(cls, card: ReviewCard) -> CardOut:
        return cls(
            id=card.id, track_id=card.track_id, kind=card.kind,
            question_id=card.subject_id if card.kind == "question" else None,
            topic_id=card.topic_id, reason=card.reason,
            state=STATES.get(card.state, "review"),
            stability=card.stability, difficulty=card.difficulty, due=card.due,
            last_review=card.last_review, reviews=card.reviews,
        )  # fmt: skip


class ReviewLogOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rating: RatingName
    reviewed_at: datetime
    elapsed_days: float | None = Field(description="Days since the review before; null first.")
    duration_ms: int | None
    source: Literal["attempt", "session", "self", "studied"] = Field(
        description="`attempt`: an answer in any attempt; `session`: a review session; "
        "`self`: graded by the learner (topic cards); `studied`: the topic was studied."
    )
    due_after: datetime = Field(description="The card's due time this grading set.")


class CardDetail(CardOut):
    history: list[ReviewLogOut]


class TopicGrade(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: RatingName = Field(description="How well you recalled the topic.")
    duration_ms: int | None = Field(
        None, ge=0, le=24 * 3600 * 1000, description="Time spent reviewing it."
    )

    def as_rating(self) -> Rating:
        return Rating[self.rating.upper()]


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    desired_retention: float | None = Field(
        None, ge=0.7, le=0.97, description="Recall probability reviews are scheduled for."
    )
    daily_limit: int | None = Field(
        None, ge=1, le=500, description="Questions a day's review sessions ask at most."
    )


class SettingsOut(BaseModel):
    desired_retention: float
    daily_limit: int
    personalised: bool = Field(description="Whether your own fitted FSRS parameters are in use.")
    parameters: list[float] = Field(description="The FSRS-6 parameters in use.")
    optimised_at: datetime | None
    optimised_logs: int = Field(description="Review logs the last fit learnt from.")
    logs_needed: int = Field(description="Review logs needed before parameters are fitted.")
