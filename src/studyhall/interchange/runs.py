"""Imports through the API (service): an uploaded file is kept under the data directory, an
import record made and a job enqueued in the same transaction; the job does the work.
Never commits."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from studyhall.audit import service as audit
from studyhall.exams import tracks
from studyhall.interchange.formats import ImportFormat, detect_file
from studyhall.interchange.importer import DEFAULT_MAX_ITEMS, Options
from studyhall.interchange.items import FormatError
from studyhall.interchange.models import ImportRun
from studyhall.jobs import queue
from studyhall.kit.context import Context
from studyhall.kit.errors import Conflict, InvalidInput, NotFound
from studyhall.kit.ids import new_id
from studyhall.kit.tenancy import get_scoped, scoped
from studyhall.orgs.models import Org

JOB_KIND = "interchange.import"
FILE_FIELD = "body.file"
# A dry run keeps its file so it can be run for real with the same options (the web app's
# "Import for real"); files of dry runs nobody followed up are removed after this long, when
# the organisation next starts an import.
DRY_RUN_KEPT_FOR = timedelta(days=1)


def imports_dir(data_dir: Path) -> Path:
    return data_dir / "imports"


def file_path(data_dir: Path, key: str) -> Path:
    return imports_dir(data_dir) / key


def keep_upload(data_dir: Path, source: Path) -> str:
    """Move an uploaded temporary file into the imports folder; its key (a fresh name)."""
    folder = imports_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    key = f"{new_id()}.upload"
    shutil.move(source, folder / key)
    return key


def spool_path(data_dir: Path) -> Path:
    """A new temporary file in the imports folder (same file system: moving it is a rename)."""
    folder = imports_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, prefix=".receiving-")
    os.close(handle)
    return Path(name)


def options_of(run: ImportRun, max_items: int) -> Options:
    raw: dict[str, Any] = run.options
    default = raw.get("default_topic")
    return Options(
        dry_run=bool(raw.get("dry_run")),
        partial=bool(raw.get("partial")),
        on_duplicate="update" if raw.get("on_duplicate") == "update" else "skip",
        default_topic=UUID(default) if default else None,
        max_items=max_items,
    )


async def start_import(
    ctx: Context,
    org: Org,
    track_id: UUID,
    *,
    data_dir: Path,
    upload: Path,
    filename: str,
    size: int,
    fmt: ImportFormat | None,
    options: Options,
) -> ImportRun:
    """Record the upload and enqueue its import; it runs after this transaction commits."""
    syllabus = await tracks.get_syllabus(ctx, org.id, track_id)
    if options.default_topic is not None and options.default_topic not in {
        t.id for t in syllabus.leaves()
    }:
        raise InvalidInput(
            "The default topic is not a leaf topic of this track.",
            errors=[("body.default_topic", "is not a leaf topic of this track")],
        )
    if fmt is None:
        try:
            fmt = detect_file(upload, filename)
        except FormatError as exc:
            raise InvalidInput(
                "Cannot tell the file's format; say it in `format`.",
                errors=[("body.format", exc.reason)],
            ) from None
    key = keep_upload(data_dir, upload)
    await forget_old_dry_runs(ctx, org.id, data_dir)
    return await _enqueue(ctx, org, syllabus.track.id, key, filename, size, fmt, options)


async def _enqueue(
    ctx: Context, org: Org, track_id: UUID, key: str, filename: str, size: int,
    fmt: ImportFormat, options: Options,
) -> ImportRun:  # fmt: skip
    run = ImportRun(
        id=new_id(), org_id=org.id, track_id=track_id, created_by=ctx.user_id,
        api_key_id=ctx.api_key_id, filename=filename, format=fmt.value,
        options={
            "dry_run": options.dry_run, "partial": options.partial,
            "on_duplicate": options.on_duplicate,
            "default_topic": str(options.default_topic) if options.default_topic else None,
        },
        status="queued", file_key=key, size=size, processed=0, counts={},
        created_at=ctx.now(),
    )  # fmt: skip
    ctx.session.add(run)
    job = queue.enqueue(ctx, JOB_KIND, {"import_id": str(run.id), "org_id": str(org.id)})
    await ctx.session.flush()
    run.job_id = job.id
    audit.record(
        ctx,
        "import.started",
        org_id=org.id,
        target_type="import",
        target_id=run.id,
        summary={
            "track_id": str(run.track_id),
            "file": filename,
            "format": fmt.value,
            "size": size,
            **run.options,
        },
    )
    return run


async def get_run(ctx: Context, org_id: UUID, track_id: UUID, import_id: UUID) -> ImportRun:
    run = await get_scoped(ctx.session, ImportRun, org_id, import_id, what="import")
    if run.track_id != track_id:
        raise NotFound("No such import.")
    return run


def is_kept(data_dir: Path, run: ImportRun) -> bool:
    """Whether this finished dry run still has its file, so it can be run for real."""
    return (
        bool(run.options.get("dry_run"))
        and run.status == "done"
        and run.file_key is not None
        and file_path(data_dir, run.file_key).is_file()
    )


def would_write(run: ImportRun) -> bool:
    """Whether running this dry run for real would create or update anything."""
    counts = run.counts or {}
    return bool(counts.get("create", 0) or counts.get("update", 0))


async def run_for_real(
    ctx: Context, org: Org, track_id: UUID, import_id: UUID, *, data_dir: Path
) -> ImportRun:
    """A new import of a finished dry run's file with the same options, this time writing.
    The new import takes the file over (it is removed when that import ends); 409 when the
    dry run has no file any more (already run for real, or kept too long)."""
    dry = await get_run(ctx, org.id, track_id, import_id)
    if not dry.options.get("dry_run") or dry.status != "done":
        raise Conflict("Only a finished dry run can be run for real.")
    if not is_kept(data_dir, dry):
        raise Conflict("The file of this dry run is gone; upload it again.")
    if not would_write(dry):
        raise Conflict("This dry run would write nothing; see its report.")
    assert dry.file_key is not None
    key, dry.file_key = dry.file_key, None
    options = options_of(dry, DEFAULT_MAX_ITEMS)
    return await _enqueue(
        ctx, org, dry.track_id, key, dry.filename, dry.size, ImportFormat(dry.format),
        dataclasses.replace(options, dry_run=False),
    )  # fmt: skip


async def retry_with_topic(
    ctx: Context, org: Org, track_id: UUID, import_id: UUID, topic_id: UUID, *, data_dir: Path
) -> ImportRun:
    """A new dry run of a finished dry run's file, with `topic_id` for the questions that had
    no topic (the file was uploaded once; the author only chose what was missing). The new
    dry run takes the file over; 409 when the file is gone."""
    dry = await get_run(ctx, org.id, track_id, import_id)
    if not dry.options.get("dry_run") or dry.status != "done":
        raise Conflict("Only a finished dry run can be tried again.")
    if not is_kept(data_dir, dry):
        raise Conflict("The file of this dry run is gone; upload it again.")
    assert dry.file_key is not None
    key, dry.file_key = dry.file_key, None
    options = dataclasses.replace(options_of(dry, DEFAULT_MAX_ITEMS), default_topic=topic_id)
    return await _enqueue(
        ctx, org, dry.track_id, key, dry.filename, dry.size, ImportFormat(dry.format), options
    )


async def forget_old_dry_runs(ctx: Context, org_id: UUID, data_dir: Path) -> None:
    """Remove the files of the organisation's dry runs finished over `DRY_RUN_KEPT_FOR` ago."""
    old = (
        await ctx.session.scalars(
            scoped(ImportRun, org_id).where(
                ImportRun.file_key.is_not(None),
                ImportRun.finished_at < ctx.now() - DRY_RUN_KEPT_FOR,
            )
        )
    ).all()
    for run in old:
        if run.options.get("dry_run") and run.file_key is not None:
            file_path(data_dir, run.file_key).unlink(missing_ok=True)
            run.file_key = None


async def recent_runs(
    ctx: Context, org_id: UUID, track_id: UUID, limit: int = 10
) -> list[ImportRun]:
    """The track's latest imports, newest first."""
    found = await ctx.session.scalars(
        scoped(ImportRun, org_id)
        .where(ImportRun.track_id == track_id)
        .order_by(ImportRun.created_at.desc(), ImportRun.id)
        .limit(limit)
    )
    return list(found.all())
