from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

ImportStatus = Literal["queued", "validating", "writing", "done", "failed"]


class ImportOut(BaseModel):
    id: UUID
    track_id: UUID
    filename: str
    format: str
    status: ImportStatus = Field(
        description="queued, validating (reading every question), writing (in one "
        "transaction), done, or failed (nothing was written; see `error` and the report)."
    )
    dry_run: bool
    partial: bool
    on_duplicate: Literal["skip", "update"]
    default_topic: UUID | None
    size: int = Field(description="The uploaded file's size in bytes.")
    processed: int = Field(description="Questions read so far.")
    counts: dict[str, int] = Field(
        description="Questions by outcome: create, update, skip, reject (once validated)."
    )
    error: str | None
    job_id: int | None
    report_url: str
    created_at: datetime
    finished_at: datetime | None


class OutcomeOut(BaseModel):
    where: str = Field(description="File and line, or file and XML path, of the question.")
    action: Literal["create", "update", "skip", "reject"]
    reason: str | None
    question_id: UUID | None
    stem: str = Field(description="The question's first words.")
    warnings: list[str] = Field(
        default_factory=list,
        description="What the file says that the question, as imported, leaves out "
        "(an answer worth part of the marks that the type cannot hold, a media file…).",
    )


class ImportReport(BaseModel):
    id: UUID
    status: ImportStatus
    written: bool = Field(
        description="Whether the questions were written (not a dry run, "
        "and nothing refused unless `partial`)."
    )
    counts: dict[str, int]
    error: str | None
    items: list[OutcomeOut]
