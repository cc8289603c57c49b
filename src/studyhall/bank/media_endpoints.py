"""HTTP for media."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from studyhall.bank import media
from studyhall.bank.storage import MediaNotStored, MediaStorage
from studyhall.kit.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    ServiceUnavailable,
    Unauthenticated,
    responses,
)
from studyhall.kit.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    InvalidCursor,
    Page,
    next_link,
)
from studyhall.kit.transaction import TransactionalRoute
from studyhall.orgs.permissions import OrgReader, QuestionsReader, QuestionsWriter

router = APIRouter(prefix="/api/v1", tags=["media"], route_class=TransactionalRoute)

IN_ORG = (Unauthenticated, Forbidden, NotFound)
# Room for the multipart boundaries and part headers around the file itself.
ENVELOPE = 16 * 1024
# Served bytes never change under an id (a new upload is a new id), so caches keep them.
CACHE_CONTROL = "private, max-age=31536000, immutable"

UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        }
    },
}
IMAGE_TYPES: dict[str, dict[str, Any]] = {kind.content_type: {} for kind in media.KINDS.values()}


def _missing_file(why: str) -> InvalidInput:
    return InvalidInput(
        f"Send the image as multipart/form-data: {why}", errors=[(media.FIELD, why)]
    )


async def _at_most(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    """The request body, refused (413) as soon as it is bigger than a file of `limit` bytes
    could make it: nothing more is read."""
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > limit + ENVELOPE:
            raise media.too_large(limit)
        yield chunk


async def read_upload(request: Request, limit: int) -> tuple[bytes, str | None, dict[str, str]]:
    """The bytes and file name of the multipart part `file`, streamed and size-checked, and
    the form's text fields (a page's CSRF token comes with them)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise _missing_file("the body is not multipart/form-data")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + ENVELOPE:
        raise media.too_large(limit)
    parser = MultiPartParser(
        request.headers, _at_most(request.stream(), limit), max_files=1, max_fields=8
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise _missing_file(exc.message) from exc
    try:
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise _missing_file("no file in a part named `file`")
        data = await part.read(limit + 1)
        if len(data) > limit:
            raise media.too_large(limit)
        fields = {name: value for name, value in form.multi_items() if isinstance(value, str)}
        return data, part.filename, fields
    finally:
        await form.close()


@dataclass(frozen=True)
class Received:
    """An upload as received: its bytes and name, or why it cannot be used."""

    data: bytes = b""
    filename: str | None = None
    problem: InvalidInput | media.MediaTooLarge | None = None
    fields: dict[str, str] | None = None


async def receive_upload(request: Request) -> Received:
    """The upload, read before anything else runs (the endpoint's first dependency).

    On SQLite a write request's transaction holds the single write lock; it must never be open
    while a slow client is still sending, or every other writer waits for that client. Reading
    first keeps it so whatever the access rule or the service query first. An oversized body
    is refused at once; a malformed one is reported after the access rule, so that callers
    without the right learn nothing more than that.
    """
    try:
        data, filename, fields = await read_upload(
            request, request.app.state.settings.media_max_bytes
        )
    except media.MediaTooLarge:
        raise
    except InvalidInput as problem:
        return Received(problem=problem)
    return Received(data, filename, fields=fields)


@router.post(
    "/orgs/{org}/media",
    summary="Upload an image",
    status_code=status.HTTP_201_CREATED,
    response_model=media.MediaOut,
    responses={
        **responses(*IN_ORG, InvalidInput, media.UnsupportedMedia, media.MediaTooLarge),
        200: {"model": media.MediaOut, "description": "These bytes were uploaded before."},
    },
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def upload_media(
    request: Request,
    received: Annotated[Received, Depends(receive_upload)],  # before the caller: see there
    caller: QuestionsWriter,
    response: Response,
) -> media.MediaOut:
    """A PNG, JPEG, GIF or WebP image for questions, in a multipart part named `file`, at most
    `STUDYHALL_MEDIA_MAX_BYTES` (5 MiB by default). It is judged by its content: other kinds,
    damaged images, and names that contradict the content are refused. The same bytes again
    give the same media (200 instead of 201). Embed it in Markdown by its `url`."""
    if received.problem is not None:
        raise received.problem
    storage: MediaStorage = request.app.state.media_storage
    item, created = await media.upload(
        caller.ctx, caller.org, storage, received.data, received.filename
    )
    out = media.media_out(caller.org, item)
    if created:
        response.headers["Location"] = out.url
    else:
        response.status_code = status.HTTP_200_OK
    return out


@router.get(
    "/orgs/{org}/media",
    summary="The organisation's images",
    response_model=Page[media.MediaOut],
    responses=responses(*IN_ORG, InvalidInput, InvalidCursor),
)
async def list_media(
    request: Request,
    caller: QuestionsReader,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[media.MediaOut]:
    """Uploaded images, newest first."""
    items, next_cursor = await media.list_media(
        caller.ctx, caller.org.id, cursor=cursor, limit=limit
    )
    return Page[media.MediaOut](
        items=[media.media_out(caller.org, item) for item in items],
        next=next_link(request.url, next_cursor),
    )


def _matches(if_none_match: str | None, etag: str) -> bool:
    if if_none_match is None:
        return False
    offered = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in offered or etag in offered


@router.get(
    "/orgs/{org}/media/{media_id}",
    summary="An image",
    response_class=Response,
    responses={
        **responses(*IN_ORG, InvalidInput, ServiceUnavailable),
        200: {"content": IMAGE_TYPES, "description": "The image's bytes."},
        304: {"description": "Your cached copy (If-None-Match) is current."},
    },
)
async def get_media(
    request: Request,
    media_id: UUID,
    caller: OrgReader,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The image as uploaded, for every member (learners see it in questions). It never changes
    under its id, so clients and browsers may keep it; `ETag` is its SHA-256."""
    item = await media.get_media(caller.ctx, caller.org.id, media_id)
    etag = f'"{item.sha256}"'
    headers = {
        "ETag": etag,
        "Cache-Control": CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline",
    }
    if _matches(if_none_match, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    storage: MediaStorage = request.app.state.media_storage
    try:
        data = await storage.get(item.storage_key)
    except MediaNotStored as exc:
        # The record exists but this instance's store lacks the bytes (lost, or uploaded to
        # another instance's local store): say so, rather than fail with a 500.
        raise ServiceUnavailable("The image's bytes are not available here.") from exc
    return Response(data, media_type=item.content_type, headers=headers)
