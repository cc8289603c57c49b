"""The import job: plan (with progress), then write everything in one unit of work.

Idempotent: a run that finds its import finished does nothing, and the questions and the
import's final state are committed together, so a worker that dies mid-way leaves no half
import behind and the retry starts again from the file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from uuid import UUID

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from studyhall.bank.storage import LocalMediaStorage
from studyhall.interchange import importer
from studyhall.interchange.formats import ImportFormat
from studyhall.interchange.models import ImportRun
from studyhall.interchange.runs import JOB_KIND, file_path, options_of
from studyhall.jobs import registry
from studyhall.jobs.registry import JobRun, task
from studyhall.kit.errors import NotFound, Problem
from studyhall.kit.tenancy import get_scoped
from studyhall.orgs.models import Org

log = structlog.get_logger(__name__)
FINISHED = ("done", "failed")
MAX_ATTEMPTS = 3


@task(JOB_KIND, max_attempts=MAX_ATTEMPTS, timeout=3600.0)
async def run_import(run: JobRun) -> None:
    org_id, import_id = UUID(run.payload["org_id"]), UUID(run.payload["import_id"])
    settings = run.runtime.settings
    async with run.unit() as ctx:
        record = await get_scoped(ctx.session, ImportRun, org_id, import_id, what="import")
        if record.status in FINISHED:
            return
        record.status = "validating"
        record.processed = 0
        fmt, filename, track_id = ImportFormat(record.format), record.filename, record.track_id
        options = options_of(record, settings.import_max_items)
        path = file_path(settings.data_dir, record.file_key or "")
        acting_user, acting_key = record.created_by, record.api_key_id

    async def progress(count: int) -> None:
        async with run.unit() as ctx:
            found = await get_scoped(ctx.session, ImportRun, org_id, import_id, what="import")
            found.processed = count

    try:
        async with run.unit(write=False) as ctx:
            org = await _org(ctx.session, org_id)
            report = await importer.plan(
                ctx, org, track_id, path, fmt, filename, options, progress=progress
            )
        async with run.unit() as ctx:
            found = await get_scoped(ctx.session, ImportRun, org_id, import_id, what="import")
            found.status, found.processed = "writing", len(report.outcomes)
            found.counts = report.counts()
        storage = LocalMediaStorage(settings.data_dir / "media")
        async with run.unit() as ctx:
            as_author = dataclasses.replace(ctx, user_id=acting_user, api_key_id=acting_key)
            org = await _org(ctx.session, org_id)
            report = await importer.write(
                as_author, org, track_id, path, fmt, filename, options, report, storage
            )
            finished = await get_scoped(ctx.session, ImportRun, org_id, import_id, what="import")
            _finish(finished, report, ctx.now())
            # A dry run keeps its file, so that it can be run for real (runs.run_for_real).
            keep = options.dry_run and finished.status == "done"
    except Problem as problem:
        keep = False
        # Refused as a whole (the track changed under it, a conflict): nothing was written.
        await _fail(run, org_id, import_id, problem.detail or problem.title)
    except Exception:
        # A crash: the job is retried; after the last try the import says it failed rather
        # than stay "validating" for ever (the traceback is in the job's dead letter).
        if run.attempt >= registry.get(JOB_KIND).max_attempts:
            await _fail(
                run, org_id, import_id, "The import failed on our side; nothing was written."
            )
            _discard(path)
        raise
    if not keep:
        _discard(path)


async def _fail(run: JobRun, org_id: UUID, import_id: UUID, why: str) -> None:
    async with run.unit() as ctx:
        found = await get_scoped(ctx.session, ImportRun, org_id, import_id, what="import")
        found.status, found.error = "failed", why
        found.finished_at = ctx.now()


async def _org(session: AsyncSession, org_id: UUID) -> Org:
    org = await session.get(Org, org_id)
    if org is None:
        raise NotFound("The organisation is gone.")
    return org


def _finish(record: ImportRun, report: importer.Report, now: object) -> None:
    record.counts = report.counts()
    record.report = [outcome.as_dict() for outcome in report.outcomes]
    record.processed = len(report.outcomes)
    record.finished_at = now  # type: ignore[assignment]
    if report.refused:
        record.status, record.error = "failed", report.file_error
    elif report.counts()["reject"] and not report.written and not record.options.get("dry_run"):
        record.status = "failed"
        record.error = "Some questions were refused, so none was written (see the report)."
    else:
        record.status = "done"


def _discard(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.warning("import file not removed", path=str(path))
