from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from studyhall.orgs.schemas import Name, Slug

WEIGHT_TOLERANCE = 0.01
# Topics at one level: a notice's syllabus read whole can list hundreds under one subject.
MAX_SIBLINGS = 2000


class TopicIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: UUID | None = Field(None, description="Keep an existing topic (and its questions).")
    name: Name
    weight: float = Field(gt=0, le=100, description="Percent of its level; siblings sum to 100.")
    children: list[TopicIn] = Field(default_factory=list, max_length=MAX_SIBLINGS)


class PercentScoring(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["percent"] = "percent"


class ScaledScoring(BaseModel):
    """A reported scale such as 100-1000; the pass mark is given on this scale."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["scaled"]
    min: float
    max: float


Scoring = Annotated[PercentScoring | ScaledScoring, Field(discriminator="kind")]


def level_errors(topics: list[TopicIn], path: str) -> list[tuple[str, str]]:
    """Each level whose weights do not sum to 100, as (field path, message)."""
    errors = []
    total = sum(t.weight for t in topics)
    if topics and abs(total - 100) > WEIGHT_TOLERANCE:
        errors.append((path, f"weights sum to {total:g}, not 100"))
    for index, topic in enumerate(topics):
        errors += level_errors(topic.children, f"{path}.{index}.children")
    return errors


class TrackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: Name
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    exam_length: int = Field(ge=1, le=500, description="Questions in a simulation.")
    time_limit_minutes: int = Field(ge=1, le=24 * 60)
    passing_score: float = Field(description="On the track's scale (percent, or the scaled range).")
    scoring: Scoring = Field(default_factory=PercentScoring)
    navigation: Literal["free", "sequential"] = "free"
    topics: list[TopicIn] = Field(min_length=1, max_length=MAX_SIBLINGS)

    def errors(self) -> list[tuple[str, str]]:
        """What is inconsistent across fields, as (field path, message) for a 422."""
        errors = level_errors(self.topics, "body.topics")
        low, high = (0.0, 100.0)
        if isinstance(self.scoring, ScaledScoring):
            low, high = self.scoring.min, self.scoring.max
            if low >= high:
                errors.append(("body.scoring.max", "must be above min"))
        if not low <= self.passing_score <= high:
            errors.append(("body.passing_score", f"must lie within {low:g}..{high:g}"))
        ids = [str(t.id) for t in walk_topics(self.topics) if t.id is not None]
        if len(ids) != len(set(ids)):
            errors.append(("body.topics", "a topic id appears twice"))
        return errors


def walk_topics(topics: list[TopicIn]) -> list[TopicIn]:
    """Every topic of the tree, parents before their children."""
    return [node for t in topics for node in (t, *walk_topics(t.children))]


class TopicOut(BaseModel):
    id: UUID
    name: str
    weight: float
    exam_share: float = Field(description="Percent of the whole exam (weights multiplied down).")
    children: list[TopicOut]


class TrackOut(BaseModel):
    id: UUID
    slug: str
    name: str
    description: str
    exam_length: int
    time_limit_minutes: int
    passing_score: float
    scoring: Scoring
    navigation: str
    topics: list[TopicOut]
    revision: int
    created_at: datetime
    updated_at: datetime


class TrackSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    slug: str
    name: str
    exam_length: int
    time_limit_minutes: int
    passing_score: float
    navigation: str
