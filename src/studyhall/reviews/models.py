"""Review cards (FSRS memory state per learner and thing to remember), their grading log,
and each learner's review settings with the parameters the optimiser fitted."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from studyhall.kit.db import Base, UTCDateTime
from studyhall.kit.ids import new_id

BIGINT = BigInteger().with_variant(Integer, "sqlite")


class ReviewCard(Base):
    """One thing a learner should not forget: a question (answered wrong, flagged or slow) or
    a topic they studied. `subject_id` is the question's id or the topic's, so a learner has
    at most one card per question and one per topic. The FSRS fields are the package's Card."""

    __tablename__ = "review_cards"
    __table_args__ = (
        UniqueConstraint("org_id", "user_id", "kind", "subject_id"),
        # Due cards of a learner (sessions, counts, minutes by day).
        Index("ix_review_cards_user_due", "user_id", "due"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    track_id: Mapped[UUID] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # question | topic
    subject_id: Mapped[UUID]  # the question's id (kind question) or the topic's (kind topic)
    topic_id: Mapped[UUID] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(16))  # wrong | flagged | slow | studied
    state: Mapped[int] = mapped_column(default=1)  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: Mapped[int | None]
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviews: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewLog(Base):
    """One grading of a card: what the optimiser learns from, and the card's history."""

    __tablename__ = "review_logs"
    __table_args__ = (Index("ix_review_logs_user", "user_id", "id"),)

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=True)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    card_id: Mapped[UUID] = mapped_column(
        ForeignKey("review_cards.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rating: Mapped[int]  # fsrs.Rating: 1 again, 2 hard, 3 good, 4 easy
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    elapsed_days: Mapped[float | None] = mapped_column(Float)  # since the card's last review
    duration_ms: Mapped[int | None]
    source: Mapped[str] = mapped_column(String(16))  # attempt | session | self | studied
    attempt_id: Mapped[UUID | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"))
    due_after: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewSettings(Base):
    """A learner's review settings in one organisation, and their fitted FSRS parameters
    (None: the package's defaults)."""

    __tablename__ = "review_settings"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    desired_retention: Mapped[float] = mapped_column(Float, default=0.9)
    daily_limit: Mapped[int] = mapped_column(default=50)
    parameters: Mapped[list[float] | None] = mapped_column(JSON)
    optimised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    optimised_logs: Mapped[int] = mapped_column(default=0)  # logs the last fit learnt from
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
