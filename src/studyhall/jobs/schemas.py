from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class KindStatsOut(BaseModel):
    kind: str
    states: dict[str, int] = Field(
        description="Jobs of this kind by state (queued, running, done, dead)."
    )
    failed_runs: int = Field(
        description="Jobs finished or retried in the window that raised at least once."
    )
    p50_ms: float | None = Field(description="Median run time of jobs done in the window.")
    p95_ms: float | None


class CarrierStatsOut(BaseModel):
    storage: str = Field(description="Where huey keeps the job queue: sqlite, postgresql, redis.")
    queued: int | None = Field(description="Tasks in huey's queue; null when unreachable.")
    scheduled: int | None = Field(description="Tasks on huey's schedule (retries, delays).")
    error: str | None = Field(description="Why huey's storage could not be read.")


class StatsOut(BaseModel):
    window_hours: int
    queued: int = Field(description="Queue depth: jobs runnable now.")
    scheduled: int = Field(description="Jobs waiting for a later time (retries, delays).")
    running: int
    dead: int = Field(description="Dead letters not yet re-queued.")
    oldest_queued_seconds: float | None
    kinds: list[KindStatsOut]
    carrier: CarrierStatsOut | None = Field(description="What huey, which carries jobs, holds.")


class DeadLetterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    job_id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    error: str
    traceback: str
    failed_at: datetime
    requeued_at: datetime | None


class RequeuedOut(BaseModel):
    job_id: int
    state: str
    run_at: datetime
