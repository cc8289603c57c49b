"""Media that travels with exported questions, and media links resolved on import.

Questions show the organisation's media as `![alt](media:<uuid>)`. An export carries the
files those links name: `collect_media` finds them (the organisation's own only) and reads
their bytes, for every format to package its way (Moodle XML as base64 `<file>`s shown through
`@@PLUGINFILE@@/<uuid>.<ext>`, GIFT, CSV and JSON as a zip of the question file and a
`media/` folder, QTI as files in its package). Each file is named `<uuid>.<ext>`, so a link
finds its file again whatever the format.

Importing, a packaged file becomes this organisation's media (the import's image checks, then
`bank.media.upload`, which reuses the same bytes uploaded before); a `media:<uuid>` link with
no packaged file is kept if it names this organisation's media, and otherwise replaced by its
alt text with a warning on the question, never left as a broken image.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from uuid import UUID

from studyhall.bank.models import Media
from studyhall.bank.storage import MediaNotStored, MediaStorage
from studyhall.interchange.items import IMPORT_SCHEME, Exported, FormatError, Parsed, Where
from studyhall.interchange.zipsafe import SafeZip
from studyhall.kit.context import Context
from studyhall.kit.tenancy import scoped

MEDIA_FOLDER = "media/"
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
MEDIA_LINK = re.compile(rf"\(media:({_UUID})\)")
IMAGE_LINK = re.compile(rf"!\[((?:[^\]\\]|\\.)*)\]\(media:({_UUID})\)")
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}
# The question file inside a zip of a text format, by format name.
BUNDLED = {"gift": "questions.gift", "csv": "questions.csv", "json": "questions.json"}


@dataclass(frozen=True)
class MediaFile:
    """One media item on its way out: `name` is `<uuid>.<ext>`."""

    id: str
    name: str
    content_type: str
    data: bytes


def linked_ids(texts: Iterable[str]) -> set[str]:
    """The media ids that `![alt](media:<uuid>)` links in these texts name."""
    return {found.lower() for text in texts for found in MEDIA_LINK.findall(text)}


async def collect_media(
    ctx: Context, org_id: UUID, storage: MediaStorage, questions: Iterable[Exported]
) -> dict[str, MediaFile]:
    """The organisation's media that these questions show, by id, with their bytes. A link
    to anything else (another organisation's id, a deleted item) has no file to carry."""
    wanted = linked_ids(_texts(q.content) for q in questions)
    found: dict[str, MediaFile] = {}
    ids = [UUID(i) for i in sorted(wanted)]
    for start in range(0, len(ids), 500):
        rows = await ctx.session.scalars(
            scoped(Media, org_id).where(Media.id.in_(ids[start : start + 500]))
        )
        for item in rows:
            try:
                data = await storage.get(item.storage_key)
            except MediaNotStored:
                continue
            key = str(item.id)
            name = key + EXTENSIONS.get(item.content_type, "")
            found[key] = MediaFile(key, name, item.content_type, data)
    return found


def _texts(content: dict[str, Any]) -> str:
    return json.dumps([content.get("stem"), content.get("body"), content.get("explanation")])


def zip_bundle(filename: str, data: bytes, media: Iterable[MediaFile]) -> bytes:
    """A text export and its media as one zip: the file at the root, the media in `media/`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(filename, data)
        for item in media:
            archive.writestr(MEDIA_FOLDER + item.name, item.data)
    return out.getvalue()


def bundled_format(path: Path) -> str | None:
    """The text format of a zip made by `zip_bundle` (`gift`, `csv`, `json`), else None.
    Only the zip's directory is read."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "imsmanifest.xml" in names:
        return None
    found = [fmt for fmt, name in BUNDLED.items() if name in names]
    return found[0] if len(found) == 1 else None


def open_bundle(data: bytes, fmt: str, filename: str) -> tuple[bytes, dict[str, bytes]]:
    """The question file of a zipped text export and its media files, by name."""
    package = SafeZip(data, filename)
    name = BUNDLED[fmt]
    if name not in package.names:
        raise FormatError(Where(filename), f"the zip holds no {name}")
    media = {
        PurePosixPath(entry).name: package.read(entry)
        for entry in sorted(package.names)
        if entry.startswith(MEDIA_FOLDER) and not entry.endswith("/")
    }
    return package.read(name), media


def attach_packaged(item: Parsed, files: dict[str, bytes]) -> None:
    """Links to media the package carries become the package's images (`import:<name>`),
    stored as this organisation's media when the question is written."""
    by_id = {PurePosixPath(name).stem.lower(): name for name in files}
    for media_id in linked_ids([item.stem, str(item.body), item.explanation or ""]):
        name = by_id.get(media_id)
        if name is None:
            continue
        item.images[name] = files[name]
        swap = (f"(media:{media_id})", f"({IMPORT_SCHEME}{name})")
        item.stem = _replace(item.stem, *swap)
        item.explanation = _replace(item.explanation, *swap) if item.explanation else None
        item.body = _replace_in(item.body, *swap)


def drop_unknown_links(item: Parsed, known: set[str]) -> None:
    """Links to media this organisation does not hold become their alt text, each with a
    warning: the question shows what the image was of, not a broken image."""

    def keep_or_alt(found: re.Match[str]) -> str:
        media_id = found.group(2).lower()
        if media_id in known:
            return found.group(0)
        why = (
            f"the image media:{media_id} is left out (shown as its description): it is neither "
            "this organisation's media nor in the file; export with media, or upload it"
        )
        if why not in item.warnings:
            item.warnings.append(why)
        return found.group(1)

    item.stem = IMAGE_LINK.sub(keep_or_alt, item.stem)
    if item.explanation:
        item.explanation = IMAGE_LINK.sub(keep_or_alt, item.explanation)
    item.body = _map_strings(item.body, lambda text: IMAGE_LINK.sub(keep_or_alt, text))


async def known_media(ctx: Context, org_id: UUID, ids: set[str]) -> set[str]:
    """Which of these media ids are this organisation's."""
    if not ids:
        return set()
    rows = await ctx.session.scalars(
        scoped(Media, org_id)
        .with_only_columns(Media.id)
        .where(Media.id.in_([UUID(i) for i in ids]))
    )
    return {str(found) for found in rows}


async def reuse_stored_images(ctx: Context, org_id: UUID, item: Parsed) -> None:
    """Images of the file this organisation already holds (the same bytes) are shown as that
    media at once: the question then reads as it would once written, so importing a file
    again finds its questions as duplicates instead of copying them."""
    by_hash = {hashlib.sha256(data).hexdigest(): name for name, data in item.images.items()}
    if not by_hash:
        return
    rows = await ctx.session.execute(
        scoped(Media, org_id)
        .with_only_columns(Media.id, Media.sha256)
        .where(Media.sha256.in_(list(by_hash)))
    )
    for media_id, sha256 in rows:
        name = by_hash[sha256]
        swap = (f"({IMPORT_SCHEME}{name})", f"(media:{media_id})")
        item.stem = _replace(item.stem, *swap)
        item.explanation = _replace(item.explanation, *swap) if item.explanation else None
        item.body = _replace_in(item.body, *swap)
        del item.images[name]


def _replace(text: str, old: str, new: str) -> str:
    return text.replace(old, new)


def _replace_in(body: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    return _map_strings(body, lambda text: text.replace(old, new))


def _map_strings(body: dict[str, Any], change: Callable[[str], str]) -> dict[str, Any]:
    """The body with `change` applied to every text in it (ids and flags are not links)."""
    changed: dict[str, Any] = json.loads(
        json.dumps(body), object_hook=lambda d: {k: _map_value(v, change) for k, v in d.items()}
    )
    return changed


def _map_value(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_map_value(v, change) for v in value]
    return value
