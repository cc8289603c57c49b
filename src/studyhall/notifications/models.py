"""A learner's calendar feed and reminder choices, one of each per membership (org, user)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from studyhall.kit.db import Base, UTCDateTime
from studyhall.kit.ids import new_id


class CalendarFeed(Base):
    """The secret address of one learner's calendar in one organisation.

    Calendar apps fetch it without a session, so the token in the address is the only key.
    It is looked up by its hash (`token_hash`); the learner's settings page shows the address
    again, so a sealed copy (kit/sealing.py) is kept beside the hash. Rotating replaces both:
    the old address then answers 404."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sealed_token: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rotated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReminderPreference(Base):
    """Which reminder emails a learner asked for; both are off until they opt in.

    `agenda_hour` is a whole hour in `time_zone` (IANA name), where the learner reads their
    email; the daily agenda and the behind warning are sent at that hour, at most once a day."""

    __tablename__ = "reminder_preferences"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    daily_agenda: Mapped[bool] = mapped_column(default=False)
    behind_warning: Mapped[bool] = mapped_column(default=False)
    agenda_hour: Mapped[int] = mapped_column(default=7)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
