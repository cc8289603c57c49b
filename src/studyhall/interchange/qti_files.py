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
