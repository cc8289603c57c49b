"""Zip packages opened with suspicion: no path escapes, no bombs, no endless entry lists.

Before anything is read: every name must be a relative path without `..` (no absolute paths,
no drive letters, no backslashes), the entries few enough, their declared total size small
enough and each entry's compression ratio plausible. Reading is bounded again by the bytes
actually inflated, a chunk at a time and never past an entry's declared size, since the sizes
a zip declares are the attacker's to write.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from studyhall.interchange.items import FormatError, Where

MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, per entry
RATIO_FLOOR = 64 * 1024  # tiny entries compress absurdly well legitimately
CHUNK = 256 * 1024  # bytes inflated at a time: bounds the memory one read can take


@dataclass(frozen=True)
class Limits:
    entries: int = MAX_ENTRIES
    total_bytes: int = MAX_TOTAL_BYTES
    ratio: int = MAX_RATIO


def safe_name(name: str) -> bool:
    if not name or "\\" in name or name.startswith("/") or "\x00" in name:
        return False
    path = PurePosixPath(name)
    if path.is_absolute() or ":" in path.parts[0]:
        return False
    return ".." not in path.parts


class SafeZip:
    """A checked zip archive; `read(name)` never inflates past the limits."""

    def __init__(self, data: bytes, filename: str, limits: Limits | None = None) -> None:
        self.filename = filename
        self.limits = limits or Limits()
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise FormatError(Where(filename), f"not a zip archive ({exc})") from None
        infos = self.archive.infolist()
        if len(infos) > self.limits.entries:
            raise self._refuse(f"more than {self.limits.entries} entries")
        total = 0
        for info in infos:
            if not safe_name(info.filename):
                raise FormatError(
                    Where(filename, path=info.filename),
                    "an entry's path is absolute or climbs out of the package (`..`)",
                )
            total += info.file_size
            if info.file_size > RATIO_FLOOR and info.file_size > self.limits.ratio * max(
                info.compress_size, 1
            ):
                raise FormatError(
                    Where(filename, path=info.filename),
                    f"compressed more than {self.limits.ratio} to 1: refused as a zip bomb",
                )
        if total > self.limits.total_bytes:
            raise self._refuse(f"it would unpack to more than {self.limits.total_bytes} bytes")
        self.names = {info.filename for info in infos if not info.is_dir()}
        self._budget = self.limits.total_bytes

    def _refuse(self, why: str) -> FormatError:
        return FormatError(Where(self.filename), f"the package is refused: {why}")

    def read(self, name: str) -> bytes:
        """The entry's bytes. Inflated a chunk at a time and never past the size the entry
        declares: one `read(n)` would inflate up to n bytes before looking (a 600 KB entry that
        declares 1 MiB can hold a deflate stream of gigabytes), and an entry whose data does
        not end at its declared size is refused."""
        if name not in self.names:
            raise FormatError(Where(self.filename, path=name), "no such file in the package")
        declared = self.archive.getinfo(name).file_size
        if declared > self._budget:
            raise self._refuse("it unpacks to more than it declared")
        where = Where(self.filename, path=name)
        chunks: list[bytes] = []
        size = 0
        try:
            with self.archive.open(name) as entry:
                while chunk := entry.read(min(CHUNK, declared + 1 - size) or 1):
                    size += len(chunk)
                    chunks.append(chunk)
                    if size > declared:
                        break
        except zipfile.BadZipFile as exc:
            # Python stops at the declared size and then finds the checksum wrong: the data
            # goes on past what the entry declares, or is damaged.
            raise FormatError(
                where, f"the entry unpacks to more than it declares, or is damaged ({exc})"
            ) from None
        except (OSError, ValueError, EOFError) as exc:
            raise FormatError(where, f"cannot unpack ({exc})") from None
        if size > declared:
            raise FormatError(where, "the entry unpacks to more than it declares")
        self._budget -= size
        return b"".join(chunks)


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"
