"""Images for questions (service): checked by decoding, deduplicated per organisation, audited.

An upload is judged by its bytes alone: Pillow must recognise it as PNG, JPEG, GIF or WebP and
decode it, within a pixel budget that stops decompression bombs. The name the client gave may
not contradict the content (a JPEG called `.png` is refused); the content type the client
declared is ignored. The same bytes uploaded twice in one organisation are one media item.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from uuid import UUID

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict
from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError

from studyhall.audit import service as audit
from studyhall.bank.models import Media
from studyhall.bank.storage import MediaStorage, media_key
from studyhall.kit.context import Context
from studyhall.kit.errors import InvalidInput, Problem
from studyhall.kit.ids import new_id
from studyhall.kit.pagination import InvalidCursor, decode_cursor, encode_cursor
from studyhall.kit.tenancy import get_scoped, scoped
from studyhall.orgs.models import Org

# 4096 x 4096: more than a question needs; decoding is bounded by it (64 MiB as RGBA).
MAX_PIXELS = 4096 * 4096
# Pillow refuses images over twice this outright (DecompressionBombError), before decoding;
# `check_image` refuses those between one and two times it.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class Kind:
    content_type: str
    label: str
    extensions: frozenset[str]


KINDS: dict[str, Kind] = {
    "PNG": Kind("image/png", "PNG", frozenset({".png"})),
    "JPEG": Kind("image/jpeg", "JPEG", frozenset({".jpg", ".jpeg", ".jpe", ".jfif"})),
    "GIF": Kind("image/gif", "GIF", frozenset({".gif"})),
    "WEBP": Kind("image/webp", "WebP", frozenset({".webp"})),
}
# Pillow names some cameras' JPEGs (with an embedded preview) MPO; they are JPEG files.
KINDS["MPO"] = KINDS["JPEG"]
FIELD = "body.file"


class MediaTooLarge(Problem):
    status = 413
    slug = "media-too-large"
    title = "The file is too large"


class UnsupportedMedia(InvalidInput):
    slug = "unsupported-media"
    title = "The file is not a supported image"

    def __init__(self, why: str) -> None:
        super().__init__(f"{why} Upload a PNG, JPEG, GIF or WebP image.", errors=[(FIELD, why)])


class MediaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    url: str
    sha256: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    filename: str | None
    created_at: datetime


def media_out(org: Org, item: Media) -> MediaOut:
    url = f"/api/v1/orgs/{org.slug}/media/{item.id}"
    return MediaOut.model_validate({**_columns(item), "url": url})


def _columns(item: Media) -> dict[str, Any]:
    return {c: getattr(item, c) for c in MediaOut.model_fields if c != "url"}


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.3g} KiB"
    return f"{size / (1024 * 1024):.3g} MiB"


def too_large(limit: int) -> MediaTooLarge:
    return MediaTooLarge(
        f"Images may be at most {human_size(limit)}; make it smaller and upload it again.",
        errors=[(FIELD, f"larger than {limit} bytes")],
    )


@dataclass(frozen=True)
class CheckedImage:
    sha256: str
    kind: Kind
    width: int
    height: int


def check_image(data: bytes, filename: str | None) -> CheckedImage:
    """What the bytes are, if they are a whole image of an accepted kind; else UnsupportedMedia.

    Blocking (decodes the image): call it in a worker thread.
    """
    if not data:
        raise UnsupportedMedia("The file is empty.")
    try:
        with Image.open(io.BytesIO(data), formats=["PNG", "JPEG", "GIF", "WEBP"]) as probe:
            found, (width, height) = str(probe.format), probe.size
            if width * height > MAX_PIXELS:
                raise Image.DecompressionBombError
            probe.verify()  # checksums and structure, without decoding
        with Image.open(io.BytesIO(data), formats=[found]) as image:
            image.load()  # and the pixels: a truncated or corrupt image fails here
    except Image.DecompressionBombError as exc:
        raise UnsupportedMedia(
            f"The image has more than {MAX_PIXELS:,} pixels; scale it down."
        ) from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedMedia("The file is not an image of an accepted kind.") from exc
    except Exception as exc:  # Pillow's decoders raise many kinds on hostile input
        raise UnsupportedMedia("The image is damaged or incomplete.") from exc
    kind = KINDS[found]
    suffix = PurePosixPath(filename or "").suffix.lower()
    if suffix and suffix not in kind.extensions:
        raise UnsupportedMedia(f"The file is a {kind.label} image, but its name ends in {suffix}.")
    return CheckedImage(hashlib.sha256(data).hexdigest(), kind, width, height)


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


def clean_filename(name: str | None) -> str | None:
    """The last path segment of a client's file name, without control characters, or None."""
    if not name:
        return None
    base = _UNSAFE_NAME.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return base[:255] or None


async def upload(
    ctx: Context, org: Org, storage: MediaStorage, data: bytes, filename: str | None
) -> tuple[Media, bool]:
    """The media item for these bytes, and whether it is new (False: uploaded before)."""
    image = await asyncio.to_thread(check_image, data, filename)
    existing = await _by_hash(ctx, org.id, image.sha256)
    if existing is not None:
        return existing, False
    key = media_key(org.id, image.sha256)
    # The file goes first: a rolled-back transaction leaves an unreferenced file (the same
    # bytes uploaded again reuse it), never a row without its file.
    await storage.put(key, data)
    item = Media(
        id=new_id(), org_id=org.id, sha256=image.sha256, content_type=image.kind.content_type,
        size=len(data), width=image.width, height=image.height, storage_key=key,
        filename=clean_filename(filename), created_by=ctx.user_id, created_at=ctx.now(),
    )  # fmt: skip
    try:
        async with ctx.session.begin_nested():
            ctx.session.add(item)
    except IntegrityError:
        # The same bytes, uploaded at the same moment by another request that committed first.
        existing = await _by_hash(ctx, org.id, image.sha256)
        if existing is None:
            raise
        return existing, False
    audit.record(
        ctx,
        "media.uploaded",
        org_id=org.id,
        target_type="media",
        target_id=item.id,
        summary={
            "sha256": item.sha256, "content_type": item.content_type, "size": item.size,
            "width": item.width, "height": item.height, "filename": item.filename,
        },
    )  # fmt: skip
    return item, True


async def _by_hash(ctx: Context, org_id: UUID, sha256: str) -> Media | None:
    found: Media | None = await ctx.session.scalar(
        scoped(Media, org_id).where(Media.sha256 == sha256)
    )
    return found


async def get_media(ctx: Context, org_id: UUID, media_id: UUID) -> Media:
    return await get_scoped(ctx.session, Media, org_id, media_id, what="media")


async def list_media(
    ctx: Context, org_id: UUID, *, cursor: str | None, limit: int
) -> tuple[list[Media], str | None]:
    """A page of the organisation's media, newest first, and the cursor of the next page."""
    query = scoped(Media, org_id)
    if cursor is not None:
        moment, last_id = _position(ctx, cursor)
        query = query.where(
            or_(Media.created_at < moment, and_(Media.created_at == moment, Media.id < last_id))
        )
    rows = list(
        (
            await ctx.session.scalars(
                query.order_by(Media.created_at.desc(), Media.id.desc()).limit(limit + 1)
            )
        ).all()
    )
    page = rows[:limit]
    if len(rows) <= limit:
        return page, None
    last = page[-1]
    return page, encode_cursor(ctx.secret_key, [last.created_at.isoformat(), str(last.id)])


def _position(ctx: Context, cursor: str) -> tuple[datetime, UUID]:
    key = decode_cursor(ctx.secret_key, cursor)
    try:
        moment, last_id = key
        when = datetime.fromisoformat(moment)
        if when.tzinfo is None:
            raise ValueError("no time zone")
        return when, UUID(last_id)
    except (TypeError, ValueError) as exc:
        raise InvalidCursor() from exc
