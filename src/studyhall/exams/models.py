from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from studyhall.kit.db import Base, UTCDateTime
from studyhall.kit.ids import new_id


class Track(Base):
    """An exam: its syllabus (topics with weights), length, time limit, pass mark and scoring."""

    __tablename__ = "tracks"
    __table_args__ = (UniqueConstraint("org_id", "slug"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    exam_length: Mapped[int]
    time_limit_minutes: Mapped[int]
    passing_score: Mapped[float] = mapped_column(Float)  # on the track's own scale
    scoring_kind: Mapped[str] = mapped_column(String(16))  # percent | scaled
    scaled_min: Mapped[float | None] = mapped_column(Float)
    scaled_max: Mapped[float | None] = mapped_column(Float)
    navigation: Mapped[str] = mapped_column(String(16))  # free | sequential
    revision: Mapped[int] = mapped_column(default=1)  # the ETag; bumped on every change
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Topic(Base):
    """A node of a track's syllabus; `weight` is its percent share among its siblings."""

    __tablename__ = "topics"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[UUID] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[UUID | None] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[float] = mapped_column(Float)
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_user_track", "user_id", "track_id", "started_at"),
        # Housekeeping's minute tick: attempts still open past their deadline.
        Index("ix_attempts_status_deadline", "status", "deadline_at"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[UUID] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(16))  # simulation|practice|drill|mistakes|custom
    status: Mapped[str] = mapped_column(String(16))  # in_progress | submitted
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    navigation: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by: Mapped[str | None] = mapped_column(String(16))  # learner | deadline
    furthest_position: Mapped[int] = mapped_column(default=0)
    score_points: Mapped[float | None] = mapped_column(Float)
    score_percent: Mapped[float | None] = mapped_column(Float)
    score_scaled: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None]
    breakdown: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class AttemptItem(Base):
    """One question of an attempt, pinned to the exact version shown, with the answer given."""

    __tablename__ = "attempt_items"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[UUID] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int]
    question_id: Mapped[UUID] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[UUID] = mapped_column(ForeignKey("question_versions.id", ondelete="CASCADE"))
    topic_id: Mapped[UUID] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    presented: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # shuffled order shown
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    time_spent_ms: Mapped[int] = mapped_column(default=0)
    flagged: Mapped[bool] = mapped_column(default=False)
    score: Mapped[float | None] = mapped_column(Float)  # 0..1, set when scored
    correct: Mapped[bool | None]
