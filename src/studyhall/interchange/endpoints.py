"""HTTP for question interchange: upload a file to import (a job), follow it, read its report;
export a track's questions."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import anyio
from fastapi import APIRouter, Depends, Query, Request, Response, status
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from studyhall.bank.media import clean_filename
from studyhall.interchange import exporter, runs
from studyhall.interchange.formats import ExportFormat, ImportFormat
from studyhall.interchange.importer import Options
from studyhall.interchange.models import ImportRun
from studyhall.interchange.schemas import ImportOut, ImportReport, OutcomeOut
from studyhall.kit.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    Unauthenticated,
    responses,
)
from studyhall.kit.ids import parse_uuid_text
from studyhall.kit.transaction import TransactionalRoute
from studyhall.orgs.permissions import QuestionsReader, QuestionsWriter

router = APIRouter(prefix="/api/v1", tags=["interchange"], route_class=TransactionalRoute)

IN_ORG = (Unauthenticated, Forbidden, NotFound)
ENVELOPE = 16 * 1024
CHUNK = 1024 * 1024
BASE = "/orgs/{org}/tracks/{track_id}"
MAX_NAMED = 200  # ids of left-out questions in one header: it must stay a sane size


class ImportTooLarge(Problem):
    status = 413
    slug = "import-too-large"
    title = "The file is too large to import"


UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "format": {"type": "string", "enum": [f.value for f in ImportFormat],
                               "description": "Told from the name and content when left out."},
                    "dry_run": {"type": "boolean", "default": False},
                    "partial": {"type": "boolean", "default": False},
                    "on_duplicate": {"type": "string", "enum": ["skip", "update"],
                                     "default": "skip"},
                    "default_topic": {"type": "string", "format": "uuid"},
                },
            }
        }
    },
}  # fmt: skip


def _too_large(limit: int) -> ImportTooLarge:
    return ImportTooLarge(
        f"Question files may be at most {limit} bytes; split the file.",
        errors=[(runs.FILE_FIELD, f"larger than {limit} bytes")],
    )


@dataclass
class ReceivedImport:
    path: Path | None = None
    filename: str = ""
    size: int = 0
    fields: dict[str, str] | None = None
    problem: Problem | None = None  # refused before any field could be read


async def _at_most(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > limit + ENVELOPE:
            raise _too_large(limit)
        yield chunk


async def receive_import(request: Request) -> AsyncGenerator[ReceivedImport, None]:
    """The upload, streamed to a file under the data directory before anything else runs (no
    transaction is open while a slow client sends); removed again unless an import keeps it."""
    settings = request.app.state.settings
    limit = settings.import_max_bytes
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        yield ReceivedImport(problem=_bad("the body is not multipart/form-data"))
        return
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + ENVELOPE:
        raise _too_large(limit)
    parser = MultiPartParser(
        request.headers, _at_most(request.stream(), limit), max_files=1, max_fields=8
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        yield ReceivedImport(problem=_bad(exc.message))
        return
    spool: Path | None = None
    try:
        part = form.get("file")
        if not isinstance(part, UploadFile):
            yield ReceivedImport(problem=_bad("no file in a part named `file`"))
            return
        spool = runs.spool_path(settings.data_dir)
        size = 0
        async with await anyio.open_file(spool, "wb") as out:
            while chunk := await part.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                await out.write(chunk)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        yield ReceivedImport(spool, clean_filename(part.filename) or "upload", size, fields)
    finally:
        await form.close()
        if spool is not None:
            spool.unlink(missing_ok=True)  # gone already when an import kept it


def _bad(why: str) -> InvalidInput:
    return InvalidInput(f"Send the file as multipart/form-data: {why}",
                        errors=[(runs.FILE_FIELD, why)])  # fmt: skip


def _flag(fields: dict[str, str], name: str) -> bool:
    value = fields.get(name, "false").strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise InvalidInput(errors=[(f"body.{name}", "is not true or false")])
    return value in ("true", "1", "yes", "on")


def parse_options(fields: dict[str, str]) -> tuple[ImportFormat | None, Options]:
    """The upload's text fields as a format (None: told from the file) and import options;
    InvalidInput naming the field (`body.<name>`) otherwise. The web app's form uses it too."""
    fmt = fields.get("format") or None
    if fmt is not None and fmt not in {f.value for f in ImportFormat}:
        raise InvalidInput(
            errors=[("body.format", f"is not one of {[f.value for f in ImportFormat]}")]
        )
    duplicate = fields.get("on_duplicate", "skip")
    if duplicate not in ("skip", "update"):
        raise InvalidInput(errors=[("body.on_duplicate", "is skip or update")])
    default = fields.get("default_topic") or None
    default_topic = parse_uuid_text(default) if default else None
    if default and default_topic is None:
        raise InvalidInput(errors=[("body.default_topic", "is not a UUID")])
    options = Options(
        dry_run=_flag(fields, "dry_run"), partial=_flag(fields, "partial"),
        on_duplicate="update" if duplicate == "update" else "skip", default_topic=default_topic,
    )  # fmt: skip
    return (ImportFormat(fmt) if fmt else None), options


def _out(org: str, run: ImportRun) -> ImportOut:
    options = run.options
    return ImportOut(
        id=run.id, track_id=run.track_id, filename=run.filename, format=run.format,
        status=run.status,
        dry_run=bool(options.get("dry_run")), partial=bool(options.get("partial")),
        on_duplicate="update" if options.get("on_duplicate") == "update" else "skip",
        default_topic=options.get("default_topic"), size=run.size, processed=run.processed,
        counts=run.counts or {}, error=run.error, job_id=run.job_id,
        report_url=f"/api/v1/orgs/{org}/tracks/{run.track_id}/imports/{run.id}/report",
        created_at=run.created_at, finished_at=run.finished_at,
    )  # fmt: skip


@router.post(
    f"{BASE}/imports",
    summary="Import a question file",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportOut,
    responses=responses(*IN_ORG, InvalidInput, ImportTooLarge),
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def start_import(
    request: Request,
    track_id: UUID,
    received: Annotated[ReceivedImport, Depends(receive_import)],  # before the caller
    caller: QuestionsWriter,
    response: Response,
) -> ImportOut:
    """Upload GIFT, Moodle XML, Aiken, QTI 2.1/3.0 (an item or a .zip package), CSV or our
    JSON in a multipart part `file` (at most `STUDYHALL_IMPORT_MAX_BYTES`). The import runs as
    a job: poll the answer's `Location`, then read the report. Questions become drafts by the
    caller. By default nothing is written if any question is refused (`partial` writes the
    good ones); `dry_run` only reports; duplicates (same stem and answers) are skipped, or
    updated with `on_duplicate=update`; categories must match topics by name, else they go
    to `default_topic` or are refused."""
    if received.problem is not None:
        raise received.problem
    assert received.path is not None
    assert received.fields is not None
    fmt, options = parse_options(received.fields)
    run = await runs.start_import(
        caller.ctx, caller.org, track_id, data_dir=request.app.state.settings.data_dir,
        upload=received.path, filename=received.filename, size=received.size, fmt=fmt,
        options=options,
    )  # fmt: skip
    out = _out(caller.org.slug, run)
    response.headers["Location"] = (
        f"/api/v1/orgs/{caller.org.slug}/tracks/{track_id}/imports/{run.id}"
    )
    return out


@router.get(
    f"{BASE}/imports/{{import_id}}",
    summary="An import's progress",
    response_model=ImportOut,
    responses=responses(*IN_ORG, InvalidInput),
)
async def get_import(track_id: UUID, import_id: UUID, caller: QuestionsWriter) -> ImportOut:
    """Status, questions read so far, and counts by outcome once validated."""
    run = await runs.get_run(caller.ctx, caller.org.id, track_id, import_id)
    return _out(caller.org.slug, run)


@router.get(
    f"{BASE}/imports/{{import_id}}/report",
    summary="An import's report",
    response_model=ImportReport,
    responses=responses(*IN_ORG, InvalidInput),
)
async def get_import_report(
    track_id: UUID, import_id: UUID, caller: QuestionsWriter, response: Response
) -> ImportReport:
    """Every question of the file with what the import did (or, on a dry run, would do) to
    it: create, update, skip or reject, with the file and line or XML path and the reason.
    Empty until validation has finished."""
    run = await runs.get_run(caller.ctx, caller.org.id, track_id, import_id)
    response.headers["Content-Disposition"] = f'attachment; filename="import-{run.id}.json"'
    items = [OutcomeOut.model_validate(entry) for entry in run.report or []]
    written = (
        run.status == "done"
        and not run.options.get("dry_run")
        and any(i.action in ("create", "update") for i in items)
    )
    return ImportReport(
        id=run.id, status=run.status,
        written=written, counts=run.counts or {}, error=run.error, items=items,
    )  # fmt: skip


@router.get(
    f"{BASE}/export",
    summary="Export questions",
    response_class=Response,
    responses={
        **responses(*IN_ORG, InvalidInput),
        200: {
            "description": "The file: a QTI 3.0 zip package, Moodle XML, GIFT, CSV or JSON.",
            "content": {
                "application/zip": {},
                "application/xml": {},
                "text/plain": {},
                "text/csv": {},
                "application/json": {},
            },
        },
    },
)
async def export_questions(
    request: Request,
    track_id: UUID,
    caller: QuestionsReader,
    format: Annotated[ExportFormat, Query(description="The file format.")] = ExportFormat.JSON,
    topic: Annotated[UUID | None, Query(description="Only this topic and its subtopics.")] = None,
    tag: Annotated[str | None, Query(max_length=48)] = None,
    q: Annotated[str | None, Query(max_length=200, description="The bank's search.")] = None,
) -> Response:
    """The track's questions (head versions, drafts included, retired left out) as a file.
    Questions a format cannot carry (GIFT has no ordering) are left out: counted in the
    `X-Studyhall-Skipped` header, their ids in `X-Studyhall-Skipped-Questions` (the first
    200), and in a GIFT file each is named with the reason in a `// left out:` comment."""
    found = await exporter.export_questions(
        caller.ctx, caller.org.id, track_id, format, dialect=request.app.state.db.dialect,
        topic=topic, tag=tag, q=q, storage=request.app.state.media_storage,
    )  # fmt: skip
    return export_response(found)


def export_response(found: exporter.ExportFile) -> Response:
    """An exported file as a download, with how many questions went in and were left out
    (the API and the web page's export form answer alike)."""
    return Response(
        found.data,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "X-Studyhall-Exported": str(found.count),
            "X-Studyhall-Skipped": str(len(found.skipped)),
            # Which ones (the file says why, as a comment where its format has them).
            "X-Studyhall-Skipped-Questions": ", ".join(found.skipped_ids[:MAX_NAMED]),
        },
    )
