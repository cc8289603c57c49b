"""HTTP for a track's syllabus read from its exam notice: propose (nothing written), apply."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Request, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from studyhall.exams import syllabus_import, tracks
from studyhall.exams.schemas import TrackOut
from studyhall.exams.syllabus_import import FILE_FIELD, TEXT_FIELD, PdfLimits, PdfTooLarge
from studyhall.exams.syllabus_schemas import SyllabusApplyIn, SyllabusProposalOut, SyllabusTextIn
from studyhall.kit.boundary import refused_character
from studyhall.kit.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    Unauthenticated,
    responses,
)
from studyhall.kit.etag import etag
from studyhall.kit.transaction import TransactionalRoute, writes_apart
from studyhall.orgs.permissions import TracksManager

router = APIRouter(prefix="/api/v1", tags=["tracks"], route_class=TransactionalRoute)

IN_ORG = (Unauthenticated, Forbidden, NotFound)
PROPOSALS = "/orgs/{org}/tracks/{track_id}/syllabus/proposals"
ENVELOPE = 16 * 1024  # room for the multipart boundaries around the file
IfMatch = Annotated[str | None, Header(description="The ETag you read; a stale one gets 412.")]

PROPOSAL_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        # Inline: no route takes SyllabusTextIn as a parameter, so it is not among the
        # document's components and a $ref to it would dangle.
        "application/json": {"schema": SyllabusTextIn.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
    },
}


def _field_errors(exc: ValidationError) -> list[tuple[str, str]]:
    return [(".".join(["body", *map(str, e["loc"])]), e["msg"]) for e in exc.errors()]


async def _at_most(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    """The body, refused (413) as soon as it is bigger than a PDF of `limit` bytes could
    make it: nothing more is read."""
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > limit + ENVELOPE:
            raise PdfTooLarge(
                f"At most {limit} bytes of PDF are read (STUDYHALL_SYLLABUS_PDF_MAX_BYTES).",
                errors=[(FILE_FIELD, "upload only the syllabus pages, or paste the text")],
            )
        yield chunk


async def _uploaded_pdf(request: Request, limit: int) -> bytes:
    parser = MultiPartParser(
        request.headers, _at_most(request.stream(), limit), max_files=1, max_fields=8
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InvalidInput(exc.message, errors=[(FILE_FIELD, exc.message)]) from exc
    try:
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise InvalidInput(
                "Send the notice's PDF in a multipart part named `file`.",
                errors=[(FILE_FIELD, "no file in a part named `file`")],
            )
        return await part.read(limit + 1)
    finally:
        await form.close()


async def _pasted_text(request: Request) -> str:
    body = await request.body()
    if len(body) > request.app.state.settings.body_max_bytes:
        raise PayloadTooLarge("The text is larger than a request body may be.")
    try:
        text = SyllabusTextIn.model_validate_json(body or b"{}").text
    except ValidationError as exc:
        raise InvalidInput(errors=_field_errors(exc)) from exc
    # This route reads its own body, so the app-wide boundary check does not see it.
    if (why := refused_character(text)) is not None:
        raise InvalidInput(errors=[("body.text", why)])
    return text


@router.post(
    PROPOSALS,
    summary="Propose a syllabus from an exam notice",
    response_model=SyllabusProposalOut,
    responses=responses(*IN_ORG, InvalidInput, PdfTooLarge, PayloadTooLarge),
    openapi_extra={"requestBody": PROPOSAL_BODY},
)
@writes_apart  # writes nothing: reading a long PDF must not hold SQLite's write lock
async def propose_syllabus(request: Request, track_id: UUID, caller: TracksManager) -> Any:
    """Read the notice's syllabus — JSON `{"text": …}` with the pasted text, or the PDF in a
    multipart part named `file` — and answer the proposed topic tree (numbered sections,
    subjects and their topics, question counts turned into weights), a warning for each line
    not taken as it stands, and what applying it would change in the track's syllabus.
    Nothing is written. A scanned PDF (no text), a protected, damaged or cut-short one, or
    more than `STUDYHALL_SYLLABUS_PDF_MAX_PAGES` pages get a 422 saying so."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        limits = PdfLimits.of(request.app.state.settings)
        data = await _uploaded_pdf(request, limits.max_bytes)
        return await syllabus_import.propose_from_pdf(
            caller.ctx, caller.org.id, track_id, data, limits
        )
    if content_type and not content_type.startswith("application/json"):
        raise InvalidInput(
            "Send JSON with the text, or the PDF as multipart/form-data.",
            errors=[(TEXT_FIELD, f"{content_type.split(';')[0]} is not JSON nor multipart")],
        )
    text = await _pasted_text(request)
    return await syllabus_import.propose_from_text(caller.ctx, caller.org.id, track_id, text)


@router.post(
    "/orgs/{org}/tracks/{track_id}/syllabus/apply",
    summary="Make a proposed syllabus the track's syllabus",
    response_model=TrackOut,
    responses=responses(*IN_ORG, InvalidInput, PreconditionFailed, tracks.TopicInUse),
)
async def apply_syllabus(
    track_id: UUID,
    body: SyllabusApplyIn,
    caller: TracksManager,
    response: Response,
    if_match: IfMatch = None,
) -> TrackOut:
    """Replace the track's topic tree with this one (a proposal as corrected), in one
    transaction. Weights are relative among siblings and scaled to 100. Current topics are
    kept by name (case, accents and punctuation aside) with their questions; current topics
    left out are removed when no question used them, and applying is refused (409, naming
    them) when questions do. Settings (length, time, pass mark) do not change."""
    syllabus = await syllabus_import.apply_syllabus(
        caller.ctx, caller.org, track_id, body, if_match=if_match
    )
    response.headers["ETag"] = etag(syllabus.track.revision)
    return tracks.track_out(syllabus)
