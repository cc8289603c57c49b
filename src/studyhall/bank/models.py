from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from studyhall.kit.db import Base, UTCDateTime
from studyhall.kit.ids import new_id

# Every filter and facet column after the organisation: facet counts read this index only.
FACET_INDEX_COLUMNS = ("org_id", "topic_id", "type", "status", "difficulty", "track_id", "id")


class Question(Base):
    """A question's identity. What it says lives in its immutable versions."""

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_org_track_status", "org_id", "track_id", "status"),
        # Search reads these instead of the wide rows (migration 0003): newest-first pages,
        # and the facet counts.
        Index("ix_questions_org_created", "org_id", "created_at", "id"),
        Index("ix_questions_org_facets", *FACET_INDEX_COLUMNS),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    track_id: Mapped[UUID] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    author_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The newest version (what authors edit and reviewers review) and the one attempts draw.
    # No foreign keys: versions point at their question, and a cycle of keys would make every
    # insert a two-step dance; the bank service keeps these two consistent.
    head_version_id: Mapped[UUID | None] = mapped_column(Uuid())
    published_version_id: Mapped[UUID | None] = mapped_column(Uuid())
    status: Mapped[str] = mapped_column(
        String(16)
    )  # of the head: draft|in_review|published|retired
    # Denormalised from the head version for search and facets.
    type: Mapped[str] = mapped_column(String(24))
    topic_id: Mapped[UUID] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    difficulty: Mapped[int]
    search_text: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(default=1)  # the ETag
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QuestionVersion(Base):
    """Immutable once written: attempts, statistics and events point here."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[UUID] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    number: Mapped[int]
    type: Mapped[str] = mapped_column(String(24))
    topic_id: Mapped[UUID] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)  # QuestionContent, as written
    rendered: Mapped[dict[str, Any]] = mapped_column(JSON)  # sanitised HTML of every text
    content_hash: Mapped[str] = mapped_column(String(64), index=True)  # stem + answers
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QuestionTag(Base):
    """Tags of a question's head version, one row each, for filters and facet counts."""

    __tablename__ = "question_tags"
    # Tag filters and tag counts read this index only (migration 0003).
    __table_args__ = (Index("ix_question_tags_org_tag", "org_id", "tag", "question_id"),)

    question_id: Mapped[UUID] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(48), primary_key=True, index=True)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))


class ReviewEvent(Base):
    """A step of the workflow: submitted, approved, sent back (with a comment), retired."""

    __tablename__ = "review_events"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[UUID] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[UUID] = mapped_column(ForeignKey("question_versions.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Media(Base):
    """An uploaded image; the bytes live in the media storage under `storage_key`."""

    __tablename__ = "media"
    __table_args__ = (UniqueConstraint("org_id", "sha256"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    storage_key: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
