"""API shapes of study planning: profile, goals, the plan and its blocks, re-plan previews,
progress and the instructors' adherence list."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_DAY_MINUTES = 24 * 60  # no day holds more
MAX_DAYS_OFF = 366
MAX_TOPIC_IDS = 2000

LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
DayMinutes = Annotated[int, Field(ge=0, le=24 * 60)]
BlockStatus = Literal["planned", "done", "partial", "skipped", "missed"]
BlockKindName = Literal["study", "practice", "review", "simulation", "essay"]


class ProfileIn(BaseModel):
    """A learner's week. Minutes per weekday run Monday to Sunday."""

    model_config = ConfigDict(extra="forbid")

    time_zone: str = Field(
        max_length=64, description='An IANA time zone name, e.g. "America/Sao_Paulo".'
    )
    minutes_by_weekday: list[DayMinutes] = Field(
        min_length=7,
        max_length=7,
        description="Minutes available each weekday, Monday first; each 0..1440.",
    )
    days_off: list[date] = Field(
        default_factory=list, max_length=MAX_DAYS_OFF, description="Dates with no study."
    )
    day_start: str = Field(
        "19:00",
        pattern=LOCAL_TIME,
        description='Local wall time study starts each day, "HH:MM" (no zone: the time zone '
        "above says where).",
    )

    def start_time(self) -> time:
        """`day_start` as a time of day."""
        return time.fromisoformat(self.day_start)

    session_minutes: int = Field(50, ge=10, le=240, description="Preferred block length.")
    daily_questions: int = Field(20, ge=0, le=1000, description="Daily question goal.")


class ProfileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    time_zone: str
    minutes_by_weekday: list[int]
    days_off: list[date]
    day_start: str = Field(description='"HH:MM", local wall time.')
    session_minutes: int
    daily_questions: int
    updated_at: datetime

    @field_validator("day_start", mode="before")
    @classmethod
    def _hours_minutes(cls, value: object) -> object:
        return value.strftime("%H:%M") if isinstance(value, time) else value


class GoalIn(BaseModel):
    """An exam to prepare for: its track, date and target score."""

    model_config = ConfigDict(extra="forbid")

    track_id: UUID
    exam_date: date = Field(description="After today, in the learner's time zone.")
    target_score: float = Field(70.0, ge=0, le=100, description="Percent.")
    essay: bool = Field(False, description="The exam has an essay: essay blocks are planned.")
    mastered_topic_ids: list[UUID] = Field(
        default_factory=list,
        max_length=MAX_TOPIC_IDS,
        description="Topics already mastered: no study, light practice only.",
    )
    excluded_topic_ids: list[UUID] = Field(
        default_factory=list, max_length=MAX_TOPIC_IDS, description="Topics left out."
    )


class GoalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    track_id: UUID
    exam_date: date
    target_score: float
    essay: bool
    mastered_topic_ids: list[UUID]
    excluded_topic_ids: list[UUID]
    status: Literal["active", "archived"]
    created_at: datetime
    updated_at: datetime


class BlockOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    goal_id: UUID | None
    topic_id: UUID | None
    day: date = Field(description="The learner's local date.")
    starts_at: datetime = Field(description="UTC.")
    minutes: int
    kind: BlockKindName
    questions: int = Field(description="practice: questions in the drill.")
    status: BlockStatus
    done_minutes: int
    questions_solved: int
    notes: str
    attempt_id: UUID | None = Field(description="The drill or simulation started from it.")


class LeftOutOut(BaseModel):
    goal_id: UUID
    topic_id: UUID
    reason: str


class ShortfallOut(BaseModel):
    goal_id: UUID
    needed_minutes: int
    available_minutes: int
    suggestions: list[str]


class PlanOut(BaseModel):
    id: UUID
    generated_at: datetime
    reason: str = Field(description="Why the plan was last made, in plain words.")
    revision: int
    final_stretch: bool = Field(description="Time is short: the plan keeps the best topics.")
    left_out: list[LeftOutOut]
    shortfalls: list[ShortfallOut]
    blocks: list[BlockOut] = Field(description="Blocks in the asked date range.")


class BlockUpdate(BaseModel):
    """What the learner did with a block."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["done", "partial", "skipped"] | None = None
    done_minutes: int | None = Field(None, ge=0, le=MAX_DAY_MINUTES)
    questions_solved: int | None = Field(None, ge=0, le=10_000)
    notes: str | None = Field(None, max_length=4000)


class BlockStarted(BaseModel):
    block: BlockOut
    attempt_id: UUID | None = Field(description="The drill or simulation started, if any.")
    review_session: dict[str, object] | None = Field(
        None, description="review blocks: the review session started, if reviews are on."
    )


class BlockChange(BaseModel):
    kind: Literal["added", "removed", "moved"]
    day: date
    to_day: date | None = None
    block_kind: BlockKindName
    topic_id: UUID | None
    goal_id: UUID | None
    minutes: int


class TopicMinutes(BaseModel):
    goal_id: UUID | None
    topic_id: UUID | None
    before: int
    after: int


class ReplanPreview(BaseModel):
    """What re-planning from today would change, before it is applied."""

    today: date
    reason: str
    added: int
    removed: int
    moved: int
    changes: list[BlockChange]
    minutes_by_topic: list[TopicMinutes]
    final_stretch: bool
    shortfalls: list[ShortfallOut]


class ReplanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("Re-planned on request.", min_length=1, max_length=300)


class DayGoal(BaseModel):
    minutes_planned: int
    minutes_done: int
    questions_goal: int
    questions_solved: int


class RealityCheck(BaseModel):
    pace: float | None = Field(
        description="Done minutes per available minute over the last 14 days (None: no data)."
    )
    coverage_by_exam: float = Field(
        description="Percent of the syllabus weight covered by exam day at this pace."
    )
    projected_score: float | None = Field(
        description="Percent expected on exam day (accuracy times weight, topic by topic)."
    )


class ProgressOut(BaseModel):
    today: date
    status: Literal["on_track", "behind", "no_plan"]
    behind_minutes: int = Field(description="Planned minutes up to now not yet done.")
    summary: str = Field(description='"On track" or "Behind by 3 h 20 min".')
    planned_minutes_to_date: int
    done_minutes_to_date: int
    today_goal: DayGoal
    week_goal: DayGoal
    reality: RealityCheck


class AdherenceOut(BaseModel):
    user_id: UUID
    display_name: str
    status: Literal["on_track", "behind", "inactive", "no_plan"]
    behind_minutes: int
    last_active_at: datetime | None
    summary: str = Field(description='e.g. "Behind by 2 h", "Inactive since 2026-11-30".')
