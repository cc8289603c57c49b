"""Importing and exporting a track's questions: the upload form, the import's progress and
report, running a dry run for real, and the export form.

The form starts the same job as the API (`interchange.runs.start_import`, with the API's own
reading of the upload and of its fields), so the rules, limits and report are the API's. The
status page polls itself with htmx until the job has finished; without JavaScript it has a
refresh link.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from studyhall.exams import tracks
from studyhall.interchange import endpoints, exporter, importer, runs
from studyhall.interchange.formats import ExportFormat, ImportFormat
from studyhall.interchange.models import ImportRun
from studyhall.kit.context import Context
from studyhall.kit.errors import InvalidInput, Problem
from studyhall.kit.transaction import request_context
from studyhall.orgs.permissions import OrgCaller
from studyhall.orgs.roles import Permission
from studyhall.web import csrf
from studyhall.web.access import (
    AuthorPage,
    BankPage,
    PageOrgAccess,
    PageRoute,
    see_other,
    upload_caller,
)
from studyhall.web.forms import form_of, problem_errors
from studyhall.web.rendering import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FINISHED = ("done", "failed")
FORM_ERRORS = (InvalidInput.status, endpoints.ImportTooLarge.status)
MAX_TAG, MAX_SEARCH = 48, 200  # as the export API takes them
POLL_SECONDS = 1
IMPORT_FORMATS = {
    ImportFormat.GIFT: "GIFT", ImportFormat.MOODLE_XML: "Moodle XML",
    ImportFormat.AIKEN: "Aiken", ImportFormat.QTI: "QTI 2.1 or 3.0 (item or .zip package)",
    ImportFormat.CSV: "CSV", ImportFormat.JSON: "Studyhall JSON",
}  # fmt: skip
EXPORT_FORMATS = {
    ExportFormat.QTI: "QTI 3.0 package (.zip)", ExportFormat.MOODLE_XML: "Moodle XML",
    ExportFormat.GIFT: "GIFT", ExportFormat.CSV: "CSV", ExportFormat.JSON: "Studyhall JSON",
}  # fmt: skip
ACTIONS = {"create": "Created", "update": "Updated", "skip": "Skipped", "reject": "Refused"}
DRY_ACTIONS = {
    "create": "Would be created", "update": "Would be updated", "skip": "Would be skipped",
    "reject": "Refused",
}  # fmt: skip


# --- the upload: read before the caller, its CSRF token from its own fields --------------


async def receive_upload(request: Request) -> AsyncIterator[endpoints.ReceivedImport]:
    """The API's reading of the upload (streamed to disk, size-limited), with a file that is
    too large turned into a message for the form instead of an error page."""
    reading = endpoints.receive_import(request)
    try:
        received = await anext(reading)
    except endpoints.ImportTooLarge as too_large:
        yield endpoints.ReceivedImport(problem=too_large)
        return
    try:
        yield received
    finally:
        await reading.aclose()


Upload = Annotated[endpoints.ReceivedImport, Depends(receive_upload)]


class UploadPageAccess(PageOrgAccess):
    """The page rule for an import's upload (see `upload_caller`)."""

    async def __call__(  # type: ignore[override]
        self,
        request: Request,
        org: Annotated[str, Path(max_length=64)],
        ctx: Annotated[Context, Depends(request_context)],
        upload: Upload,
    ) -> OrgCaller:
        return await upload_caller(
            self, request, org, ctx, refused=upload.problem is not None, fields=upload.fields
        )


UploadPage = Annotated[OrgCaller, Depends(UploadPageAccess(Permission.QUESTIONS_WRITE))]


# --- pages --------------------------------------------------------------------------------


def _base(caller: OrgCaller, track_id: UUID) -> str:
    return f"/o/{caller.org.slug}/tracks/{track_id}"


async def _form(
    request: Request, caller: OrgCaller, track_id: UUID, values: dict[str, str],
    errors: dict[str, str], status: int = 200,
) -> Response:  # fmt: skip
    syllabus = await tracks.get_syllabus(caller.ctx, caller.org.id, track_id)
    resolver = importer.TopicResolver(syllabus, None)
    leaves = [(str(t.id), " / ".join(resolver.path(t.id))) for t in syllabus.leaves()]
    every_topic = [(str(t.id), " / ".join(resolver.path(t.id))) for t in syllabus.topics]
    recent = await runs.recent_runs(caller.ctx, caller.org.id, syllabus.track.id)
    return render(
        request, "author/import.html", status, track=syllabus.track, values=values,
        errors=errors, formats=IMPORT_FORMATS, export_formats=EXPORT_FORMATS, leaves=leaves,
        topics=sorted(every_topic, key=lambda t: t[1].casefold()), recent=recent,
        max_bytes=request.app.state.settings.import_max_bytes, base=_base(caller, track_id),
    )  # fmt: skip


@router.get("/o/{org}/tracks/{track_id}/import")
async def import_page(request: Request, track_id: UUID, caller: AuthorPage) -> Response:
    return await _form(request, caller, track_id, {"on_duplicate": "skip", "dry_run": "on"}, {})


@router.post("/o/{org}/tracks/{track_id}/import")
async def start_import(
    request: Request, track_id: UUID, upload: Upload, caller: UploadPage
) -> Response:
    """The upload starts the API's import job; the answer goes to its status page."""
    values = {k: v for k, v in (upload.fields or {}).items() if k != csrf.CSRF_FIELD}
    try:
        if upload.problem is not None:
            raise upload.problem
        assert upload.path is not None
        if upload.size == 0:
            raise InvalidInput("The file is empty.", errors=[(runs.FILE_FIELD, "is empty")])
        fmt, options = endpoints.parse_options(upload.fields or {})
        run = await runs.start_import(
            caller.ctx, caller.org, track_id, data_dir=request.app.state.settings.data_dir,
            upload=upload.path, filename=upload.filename, size=upload.size, fmt=fmt,
            options=options,
        )  # fmt: skip
    except Problem as problem:
        if problem.status not in FORM_ERRORS:  # another organisation's track: not found
            raise
        errors = problem_errors(problem, default="file")
        return await _form(request, caller, track_id, values, errors, problem.status)
    return see_other(request, f"{_base(caller, track_id)}/imports/{run.id}")


def _rows(run: ImportRun, action: str) -> list[dict[str, Any]]:
    return [entry for entry in run.report or [] if entry.get("action") == action]


def _warned(run: ImportRun) -> list[dict[str, Any]]:
    """Questions taken in with something of the file left out (reports before warnings
    existed have none)."""
    return [
        entry for entry in run.report or []
        if entry.get("warnings") and entry.get("action") != "reject"
    ]  # fmt: skip


@router.get("/o/{org}/tracks/{track_id}/imports/{import_id}")
async def import_status(
    request: Request, track_id: UUID, import_id: UUID, caller: AuthorPage
) -> Response:
    """Progress while the job runs (the page polls itself), then the report."""
    run = await runs.get_run(caller.ctx, caller.org.id, track_id, import_id)
    syllabus = await tracks.get_syllabus(caller.ctx, caller.org.id, track_id)
    dry_run = bool(run.options.get("dry_run"))
    base = _base(caller, track_id)
    kept = runs.is_kept(request.app.state.settings.data_dir, run)
    wanting_topic = sum(importer.wants_a_topic(e.get("reason")) for e in _rows(run, "reject"))
    resolver = importer.TopicResolver(syllabus, None)
    leaves = [(str(t.id), " / ".join(resolver.path(t.id))) for t in syllabus.leaves()]
    return render(
        request, "author/import_status.html", run=run, track=syllabus.track,
        finished=run.status in FINISHED, dry_run=dry_run, poll_seconds=POLL_SECONDS,
        labels=DRY_ACTIONS if dry_run else ACTIONS, rejected=_rows(run, "reject"),
        skipped=_rows(run, "skip"), warned=_warned(run), base=base, format_name=IMPORT_FORMATS.get(
            ImportFormat(run.format), run.format),
        can_run=kept and runs.would_write(run),
        can_retry=dry_run and run.status == "done" and kept and wanting_topic > 0,
        wanting_topic=wanting_topic, leaves=leaves,
        writes_nothing=dry_run and run.status == "done" and not runs.would_write(run),
        report_url=f"/api/v1/orgs/{caller.org.slug}/tracks/{track_id}/imports/{run.id}/report",
        questions_url=f"/o/{caller.org.slug}/questions?track={track_id}",
    )  # fmt: skip


@router.post("/o/{org}/tracks/{track_id}/imports/{import_id}/retry")
async def retry_with_topic(
    request: Request, track_id: UUID, import_id: UUID, caller: AuthorPage
) -> Response:
    """The same file tried again (a dry run) with a topic for questions that had none."""
    form = await form_of(request)
    syllabus = await tracks.get_syllabus(caller.ctx, caller.org.id, track_id)
    chosen = next((t.id for t in syllabus.leaves() if str(t.id) == form.get("default_topic")), None)
    if chosen is None:
        return see_other(request, f"{_base(caller, track_id)}/imports/{import_id}?topic=1")
    starting = runs.retry_with_topic(
        caller.ctx, caller.org, track_id, import_id, chosen,
        data_dir=request.app.state.settings.data_dir,
    )  # fmt: skip
    return await _follow(request, caller, track_id, import_id, starting)


@router.post("/o/{org}/tracks/{track_id}/imports/{import_id}/run")
async def run_for_real(
    request: Request, track_id: UUID, import_id: UUID, caller: AuthorPage
) -> Response:
    """A finished dry run, imported for real with the same file and options."""
    starting = runs.run_for_real(
        caller.ctx, caller.org, track_id, import_id,
        data_dir=request.app.state.settings.data_dir,
    )  # fmt: skip
    return await _follow(request, caller, track_id, import_id, starting)


async def _follow(
    request: Request, caller: OrgCaller, track_id: UUID, import_id: UUID,
    starting: Awaitable[ImportRun],
) -> Response:  # fmt: skip
    """To the new import's page; back to the dry run's, saying its file is gone, on 409."""
    try:
        run = await starting
    except Problem as problem:
        if problem.status != 409:
            raise
        return see_other(request, f"{_base(caller, track_id)}/imports/{import_id}?gone=1")
    return see_other(request, f"{_base(caller, track_id)}/imports/{run.id}")


@router.get("/o/{org}/tracks/{track_id}/export")
async def export_questions(
    request: Request, track_id: UUID, caller: BankPage, format: str = "json",
    topic: str = "", tag: str = "", q: str = "",
) -> Response:  # fmt: skip
    """The export form's download: the API's export (same service, same file), reading the
    form's empty fields as "no filter", which a browser sends for every field left blank."""
    try:
        fmt = ExportFormat(format)
    except ValueError:
        raise InvalidInput(
            f"No export format {format!r}.", errors=[("query.format", "unknown")]
        ) from None
    try:
        topic_id = UUID(topic) if topic.strip() else None
    except ValueError:
        raise InvalidInput("No such topic.", errors=[("query.topic", "is not a UUID")]) from None
    if len(tag) > MAX_TAG or len(q) > MAX_SEARCH:
        raise InvalidInput("The tag or the search is too long.")
    found = await exporter.export_questions(
        caller.ctx, caller.org.id, track_id, fmt, dialect=request.app.state.db.dialect,
        topic=topic_id, tag=tag.strip() or None, q=q.strip() or None,
        storage=request.app.state.media_storage,
    )  # fmt: skip
    return endpoints.export_response(found)
