"""Imports through the API (service): an uploaded file is kept under the data directory, an
import record made and a job enqueued in the same transaction; the job does the work.
Never commits."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any
from uuid import UUID

from studyhall.audit import service as audit
from studyhall.exams import tracks
from studyhall.interchange.formats import ImportFormat, detect
from studyhall.interchange.importer import Options
from studyhall.interchange.items import FormatError
from studyhall.interchange.models import ImportRun
from studyhall.jobs import queue
from studyhall.kit.context import Context
from studyhall.kit.errors import InvalidInput, NotFound
from studyhall.kit.ids import new_id
from studyhall.kit.tenancy import get_scoped
from studyhall.orgs.models import Org

JOB_KIND = "interchange.import"
FILE_FIELD = "body.file"


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
        with upload.open("rb") as head:
            try:
                fmt = detect(filename, head.read(4096))
            except FormatError as exc:
                raise InvalidInput(
                    "Cannot tell the file's format; say it in `format`.",
                    errors=[("body.format", exc.reason)],
                ) from None
    key = keep_upload(data_dir, upload)
    run = ImportRun(
        id=new_id(), org_id=org.id, track_id=syllabus.track.id, created_by=ctx.user_id,
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
