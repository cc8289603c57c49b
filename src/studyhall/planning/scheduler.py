"""The study-plan scheduler: a pure function from what the learner wants and knows to a plan.

`build_plan(request) -> Plan` reads no database and no clock: the service gathers the inputs
(goals, syllabus, measured accuracy, FSRS review load, work already done, today) and stores the
blocks it returns. The same request always gives the same plan.

This module's public types are the contract between the scheduler and the rest of the
`planning` domain; change them only together with their callers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from uuid import UUID


class BlockKind(StrEnum):
    STUDY = "study"  # first contact with a topic (reading, lectures)
    PRACTICE = "practice"  # a drill of one topic's questions
    REVIEW = "review"  # the day's FSRS reviews
    SIMULATION = "simulation"  # a full timed exam
    ESSAY = "essay"  # writing practice, when the exam has an essay


@dataclass(frozen=True)
class TopicInput:
    id: UUID
    name: str
    weight: float  # the topic's share of its exam (> 0; shares of one goal need not sum to 1)
    study_minutes: int  # estimated first-contact study time still needed (0 when studied)
    accuracy: float | None  # recent accuracy 0..1 from attempts; None when never practised
    trend: float = 0.0  # change of accuracy over recent attempts, -1..1 (negative: worsening)
    mastered: bool = False  # the learner says so: no study, light practice only


@dataclass(frozen=True)
class GoalInput:
    id: UUID
    exam_date: date  # the plan ends the day before; nothing is planned on exam day
    target_score: float  # percent, 0..100
    session_minutes: int  # preferred block length, 10..240
    daily_questions: int  # the learner's daily question goal (sizes practice blocks)
    simulation_minutes: int  # the track's time limit for a full simulation
    essay: bool
    topics: tuple[TopicInput, ...]  # excluded topics are not passed at all


@dataclass(frozen=True)
class DoneWork:
    """Work already done or in the past: it stays as it is and counts toward the goal."""

    goal_id: UUID
    topic_id: UUID | None
    kind: BlockKind
    minutes: int


@dataclass(frozen=True)
class PlanRequest:
    today: date  # in the learner's time zone; the plan starts here
    minutes_by_weekday: tuple[int, int, int, int, int, int, int]  # Monday..Sunday, 0..1440
    days_off: frozenset[date]
    goals: tuple[GoalInput, ...]  # several exams share one calendar
    review_minutes: Mapping[date, int] = field(default_factory=dict)  # FSRS load per due day
    done: tuple[DoneWork, ...] = ()
    used_today: int = 0  # minutes of today's availability already spent (done blocks)


@dataclass(frozen=True)
class Block:
    day: date
    start: int  # minutes after the start of that day's study time; blocks never overlap
    minutes: int
    kind: BlockKind
    goal_id: UUID | None  # None only for REVIEW blocks (reviews are shared across goals)
    topic_id: UUID | None  # None for REVIEW, SIMULATION and ESSAY
    questions: int = 0  # PRACTICE: how many questions the drill asks


@dataclass(frozen=True)
class LeftOut:
    goal_id: UUID
    topic_id: UUID
    reason: str  # plain words: "lowest expected points per hour (0.4 points/h)"


@dataclass(frozen=True)
class Shortfall:
    """Why a goal does not fit, in numbers, and what would make it fit."""

    goal_id: UUID
    needed_minutes: int
    available_minutes: int
    suggestions: tuple[str, ...]  # "study 4 h 10 min more a week", "move the exam to 2027-03-02"


@dataclass(frozen=True)
class Plan:
    blocks: tuple[Block, ...]  # sorted by (day, start)
    final_stretch: bool  # some goal could not fit and was cut to its best topics
    left_out: tuple[LeftOut, ...] = ()
    shortfalls: tuple[Shortfall, ...] = ()


def build_plan(request: PlanRequest) -> Plan:
    raise NotImplementedError("written in the scheduler's own change")
