"""A zip entry that lies about its size: reading stops at the size it declares, and the
package is refused, with memory bounded by that size (measured, not timed)."""

from __future__ import annotations

import io
import random
import struct
import tracemalloc
import zipfile

import pytest

from studyhall.interchange.items import FormatError
from studyhall.interchange.zipsafe import SafeZip

DECLARED = 1024 * 1024  # what the headers say
ACTUAL = 48 * 1024 * 1024  # what the deflate stream really holds


def lying_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("items/q.xml", b"\0" * ACTUAL)
    data = bytearray(out.getvalue())
    # The uncompressed size sits at offset 22 of the local header, 24 of the central one.
    struct.pack_into("<I", data, 22, DECLARED)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, DECLARED)
    return bytes(data)


def test_an_entry_that_inflates_past_its_declared_size_is_refused_within_that_size() -> None:
    data = lying_zip()
    package = SafeZip(data, "lies.zip")  # the declared sizes pass every check
    tracemalloc.start()
    try:
        with pytest.raises(FormatError, match="more than it declares"):
            package.read("items/q.xml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * DECLARED, f"{peak} bytes held while reading a {DECLARED}-byte entry"


def test_an_honest_entry_still_reads_whole() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", random.Random(13).randbytes(300_000))
    assert SafeZip(out.getvalue(), "ok.zip").read("a.txt") == random.Random(13).randbytes(300_000)
