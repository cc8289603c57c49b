"""Where media bytes live: an interface, and the local-disk implementation.

Keys are content-addressed (`<org_id>/<sha256[:2]>/<sha256>`), so a key's bytes never change:
writing a key again writes the same bytes, and a store may cache or replicate freely. An
S3-compatible store implements the same four calls (put, get, delete, exists) later.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol
from uuid import UUID

# Relative, slash-separated segments of safe characters: no `..`, no absolute paths.
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")


class MediaNotStored(LookupError):
    """The store has no bytes under this key."""


class MediaStorage(Protocol):
    async def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, replacing nothing a reader could see half-written."""

    async def get(self, key: str) -> bytes:
        """The bytes under `key`, or `MediaNotStored`."""

    async def delete(self, key: str) -> None:
        """Forget `key`; forgetting a key that is not there is not an error."""

    async def exists(self, key: str) -> bool: ...


def media_key(org_id: UUID, sha256: str) -> str:
    """The key of an organisation's file: organisations never share a stored file."""
    return f"{org_id}/{sha256[:2]}/{sha256}"


class LocalMediaStorage:
    """Files under a root directory (`<data dir>/media`), written atomically.

    A file is written to a temporary name in its final directory, flushed to disk, and then
    renamed over the key (`os.replace` is atomic on one file system), so a reader or a crash
    sees either nothing or the whole file. Blocking file calls run in a worker thread.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a media key: {key!r}")
        return self.root / key

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, self.path_of(key), data)

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self.path_of(key).read_bytes)
        except FileNotFoundError as exc:
            raise MediaNotStored(key) from exc

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path_of(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_of(key).is_file)

    @staticmethod
    def _put(target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        # The rename itself is durable once the directory is flushed too.
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
