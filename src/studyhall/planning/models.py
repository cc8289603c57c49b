"""Study planning tables: a learner's profile (their week), goals (exams), and the one current
plan per learner per organisation with its blocks.

A plan covers every active goal of its learner, so two exams share one calendar. Blocks keep
the local day they belong to and their start in UTC (from the profile's `day_start` in its
time zone, so a block after a daylight-saving change starts at the right hour). A block's
status moves from `planned` to `done`, `partial`, `skipped` or `missed`; everything but
`planned` is history that re-planning keeps.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from studyhall.kit.db import Base, UTCDateTime
from studyhall.kit.ids import new_id


class StudyProfile(Base):
    """When a learner can study: minutes per weekday (Monday first), days off, the local time
    study starts, the session length they like and their daily question goal."""

    __tablename__ = "study_profiles"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    time_zone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. "America/Sao_Paulo"
    minutes_by_weekday: Mapped[list[int]] = mapped_column(JSON)  # 7 ints, Monday..Sunday
    days_off: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates, sorted
    day_start: Mapped[time] = mapped_column(Time(), default=time(19, 0))  # local wall time
    session_minutes: Mapped[int] = mapped_column(Integer, default=50)
    daily_questions: Mapped[int] = mapped_column(Integer, default=20)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StudyGoal(Base):
    """One exam a learner prepares for: a track, its date, the score they aim for."""

    __tablename__ = "study_goals"
    __table_args__ = (Index("ix_study_goals_org_user", "org_id", "user_id", "status"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    track_id: Mapped[UUID] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    exam_date: Mapped[date] = mapped_column(Date())
    target_score: Mapped[float] = mapped_column(Float)  # percent
    essay: Mapped[bool] = mapped_column(Boolean, default=False)
    mastered_topic_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    excluded_topic_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | archived
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StudyPlan(Base):
    """The learner's current plan in an organisation (one per learner: re-planning rewrites
    its future blocks and bumps `revision`). `reason` says in plain words why it was last made."""

    __tablename__ = "study_plans"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(500))
    final_stretch: Mapped[bool] = mapped_column(Boolean, default=False)
    left_out: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    shortfalls: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PlanBlock(Base):
    """One block of a plan's day: study, practice, review, simulation or essay."""

    __tablename__ = "plan_blocks"
    __table_args__ = (
        Index("ix_plan_blocks_plan_day", "plan_id", "day"),
        Index("ix_plan_blocks_org_user_day", "org_id", "user_id", "day"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[UUID] = mapped_column(ForeignKey("study_plans.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # None only for review blocks (reviews are shared across goals).
    goal_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("study_goals.id", ondelete="CASCADE"), index=True
    )
    topic_id: Mapped[UUID | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    day: Mapped[date] = mapped_column(Date())  # the learner's local date
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    minutes: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # scheduler.BlockKind
    questions: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    done_minutes: Mapped[int] = mapped_column(Integer, default=0)
    questions_solved: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    attempt_id: Mapped[UUID | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
