from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from studyhall.kit.db import Base, UTCDateTime

BIGINT = BigInteger().with_variant(Integer, "sqlite")


class Job(Base):
    """One piece of background work. States: queued -> running -> done, or back to queued
    (a retry, or a worker that vanished and whose lease ran out), or dead (retries spent:
    a dead letter holds the error). Finished rows stay a while for the statistics."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_claim", "state", "priority", "run_at"),
        Index("ix_jobs_ordering", "ordering_key", "id"),
        Index("ix_jobs_kind_finished", "kind", "finished_at"),
    )

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    priority: Mapped[int] = mapped_column(default=0)  # higher runs first
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)  # runs started
    max_attempts: Mapped[int]
    timeout_seconds: Mapped[float] = mapped_column(Float)
    # Jobs with the same key run one at a time, in id order (events of one aggregate).
    ordering_key: Mapped[str | None] = mapped_column(String(200))
    # Enqueueing the same key twice makes one job (a schedule's tick, a retried request).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_ms: Mapped[float | None] = mapped_column(Float)


class DeadLetter(Base):
    """A job that spent its retries: what it was, why it failed (with the traceback), and
    whether someone has put it back on the queue."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(
        BIGINT, ForeignKey("jobs.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int]
    error: Mapped[str] = mapped_column(Text)
    traceback: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    requeued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requeued_by: Mapped[UUID | None] = mapped_column(Uuid())


class JobSchedule(Base):
    """When a periodic job (cron syntax) runs next; the worker that moves `next_run_at`
    enqueues the tick, so several workers enqueue each tick once."""

    __tablename__ = "job_schedules"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    cron: Mapped[str] = mapped_column(String(100))
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
