"""The files a QTI item refers to (images, shared passages), found by their path relative to
the item, inside the package it came in.

Any file of the package can be referred to, whether or not the manifest lists it as the item's
`<file>` or through a `<dependency>`: tools often leave those out, and the zip was already
checked (`zipsafe`). A reference that leaves the package (`..` past its root, an absolute path,
a URL) finds nothing.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit


def resolve(folder: str, href: str) -> str | None:
    """The package path `href` names from `folder`, or None if it names none."""
    parts = urlsplit(href.strip())
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    path = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
    return None if path.startswith("..") or path == "." else path


class Files:
    """Files by their path relative to one folder of a package (or a plain mapping)."""

    def __init__(self, read: Callable[[str], bytes | None], folder: str = "") -> None:
        self._read = read
        self.folder = folder

    @classmethod
    def of(cls, files: Mapping[str, bytes] | Files | None) -> Files:
        if isinstance(files, Files):
            return files
        found = dict(files or {})
        return cls(found.get)

    def get(self, href: str) -> bytes | None:
        path = resolve(self.folder, href)
        return None if path is None else self._read(path)

    def within(self, href: str) -> Files:
        """The same files, seen from the folder of the file at `href` (a passage's own
        images are relative to the passage)."""
        path = resolve(self.folder, href) or ""
        return Files(self._read, posixpath.dirname(path))


@dataclass
class Reading:
    """What reading one item collects: the images its text shows, and what it leaves out."""

    files: Files
    images: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def within(self, href: str) -> Reading:
        """Reading a file the item refers to: its own folder, the same images and notes."""
        return Reading(self.files.within(href), self.images, self.notes)


# --- media ----------------------------------------------------------------------------------

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp")
AUDIO_SUFFIXES = (".mp3", ".m4a", ".ogg", ".oga", ".wav", ".aac", ".flac", ".opus")
VIDEO_SUFFIXES = (".mp4", ".m4v", ".webm", ".ogv", ".mov", ".avi")


def media_kind(mime: str, href: str) -> str | None:
    """ "image", "audio" or "video" from an object's type (else its file name), or None."""
    kind = mime.split(";")[0].strip().lower().split("/")[0]
    if kind in ("image", "audio", "video"):
        return kind
    path = urlsplit(href).path.lower()
    for name, suffixes in (("image", IMAGE_SUFFIXES), ("audio", AUDIO_SUFFIXES),
                           ("video", VIDEO_SUFFIXES)):  # fmt: skip
        if path.endswith(suffixes):
            return name
    return None


def image(
    reading: Reading, source: str, alt: str, scheme: str, label_of: Callable[[str], str]
) -> str:
    """An image the item shows: `![alt](<scheme><label>)` with its bytes kept for the import,
    or nothing and a note saying why it is left out."""
    data = reading.files.get(source)
    if data is None:
        remote = bool(urlsplit(source).scheme or source.startswith("//"))
        why = (
            "it is on another site, and questions show only the organisation's own images"
            if remote
            else "this file does not hold it (import the package, or a zip with the images "
            "beside the item)"
        )
        reading.notes.append(f"the image {source!r} is left out: {why}")
        return ""
    label = posixpath.basename(resolve("", source) or source)
    if reading.images.get(label, data) != data:  # another image of the same name
        label = f"{len(reading.images) + 1}-{label}"
    reading.images[label] = data
    return f"![{label_of(alt)}]({scheme}{label})"


def left_out(reading: Reading, kind: str, source: str) -> None:
    """Audio and video cannot be held by a question (media holds images): say so."""
    reading.notes.append(f"the {kind} {source!r} is left out: questions hold images only")
