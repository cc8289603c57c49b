from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from studyhall.kit.db import Base, UTCDateTime
from studyhall.kit.ids import new_id


class ImportRun(Base):
    """An uploaded question file and what importing it did (or would do, on a dry run).

    States: queued -> validating -> writing -> done, or failed (the file, or with the default
    all-or-nothing rule any of its questions, was refused: nothing was written). `report`
    holds one entry per question once validation has finished.
    """

    __tablename__ = "question_imports"
    __table_args__ = (Index("ix_question_imports_org_track", "org_id", "track_id", "created_at"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[UUID] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    api_key_id: Mapped[UUID | None] = mapped_column(Uuid())
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(16))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))
    file_key: Mapped[str | None] = mapped_column(String(200))  # under <data dir>/imports
    size: Mapped[int]
    processed: Mapped[int] = mapped_column(default=0)  # questions read so far
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    report: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
