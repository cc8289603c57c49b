"""Which format a file is in, reading any of them, and writing the exportable ones."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from pathlib import Path

from studyhall.interchange import aiken, csv_format, gift, json_format, moodle_xml, qti, qti_write
from studyhall.interchange.items import Exported, FormatError, Parsed, Rejected, Where
from studyhall.interchange.media_bundle import (
    BUNDLED,
    MediaFile,
    attach_packaged,
    bundled_format,
    open_bundle,
)
from studyhall.interchange.zipsafe import is_zip


class ImportFormat(StrEnum):
    GIFT = "gift"
    MOODLE_XML = "moodle_xml"
    AIKEN = "aiken"
    QTI = "qti"
    CSV = "csv"
    JSON = "json"


class ExportFormat(StrEnum):
    QTI = "qti"
    MOODLE_XML = "moodle_xml"
    GIFT = "gift"
    CSV = "csv"
    JSON = "json"


EXPORT_FILES: dict[ExportFormat, tuple[str, str]] = {
    ExportFormat.QTI: ("questions-qti3.zip", "application/zip"),
    ExportFormat.MOODLE_XML: ("questions-moodle.xml", "application/xml"),
    ExportFormat.GIFT: ("questions.gift", "text/plain; charset=utf-8"),
    ExportFormat.CSV: ("questions.csv", "text/csv; charset=utf-8"),
    ExportFormat.JSON: ("questions.json", "application/json"),
}
_SUFFIXES = {
    ".gift": ImportFormat.GIFT, ".csv": ImportFormat.CSV, ".json": ImportFormat.JSON,
    ".zip": ImportFormat.QTI, ".aiken": ImportFormat.AIKEN,
}  # fmt: skip


def detect(filename: str, head: bytes) -> ImportFormat:
    """The format from the name and the first bytes; FormatError if neither tells."""
    if is_zip(head):
        return ImportFormat.QTI
    suffix = Path(filename).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return ImportFormat.MOODLE_XML if _is_moodle(head) else ImportFormat.QTI
    if text.startswith(b"{"):
        return ImportFormat.JSON
    if suffix == ".txt":
        return ImportFormat.GIFT if b"{" in head else ImportFormat.AIKEN
    raise FormatError(Where(filename), "cannot tell the format from the name or the content")


# What only QTI says near its start; a Moodle file opens with <quiz>, or (a fragment copied
# out of one) with a <question type="…">, which the Moodle reader then names as such.
_QTI_MARKERS = (b"assessmentItem", b"qti-assessment-item", b"imsqti", b"manifest")


def _is_moodle(head: bytes) -> bool:
    if b"<quiz" in head:
        return True
    return b"<question" in head and not any(marker in head for marker in _QTI_MARKERS)


def _text(path: Path, filename: str) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(Where(filename), f"not UTF-8 text ({exc.reason})") from None


def read(path: Path, fmt: ImportFormat, filename: str) -> Iterator[Parsed | Rejected]:
    """The items of the file at `path`; FormatError for an empty file or one that holds no
    question at all (an import of it would "succeed" with nothing)."""
    if _is_empty(path):
        raise FormatError(Where(filename), "the file is empty")
    found = 0
    for item in _read(path, fmt, filename):
        found += 1
        yield item
    if not found:
        raise FormatError(Where(filename), "the file holds no questions")


# A file this small is read to see whether it holds anything but blanks and a byte-order mark.
_SMALL = 64 * 1024


def _is_empty(path: Path) -> bool:
    size = path.stat().st_size
    if size == 0:
        return True
    return size <= _SMALL and not path.read_bytes().removeprefix(b"\xef\xbb\xbf").strip()


def _read(path: Path, fmt: ImportFormat, filename: str) -> Iterator[Parsed | Rejected]:
    """Moodle XML is streamed; the others are read whole (the file's size is limited before
    this is called)."""
    if fmt is ImportFormat.MOODLE_XML:
        with path.open("rb") as stream:
            yield from moodle_xml.parse(stream, filename)
    elif fmt in BUNDLES and _zip_head(path):
        yield from _read_bundle(path, fmt, filename)
    elif fmt is ImportFormat.GIFT:
        yield from gift.parse(_text(path, filename), filename)
    elif fmt is ImportFormat.AIKEN:
        yield from aiken.parse(_text(path, filename), filename)
    elif fmt is ImportFormat.CSV:
        yield from csv_format.parse(_text(path, filename), filename)
    elif fmt is ImportFormat.JSON:
        yield from json_format.parse(path.read_bytes(), filename)
    else:
        data = path.read_bytes()
        if is_zip(data[:4]):
            yield from qti.parse_package(data, filename)
        else:
            yield qti.parse_item(data, Where(filename))


BUNDLES = (ImportFormat.GIFT, ImportFormat.CSV, ImportFormat.JSON)


def _zip_head(path: Path) -> bool:
    with path.open("rb") as stream:
        return is_zip(stream.read(4))


def detect_file(path: Path, filename: str) -> ImportFormat:
    """`detect`, and a zip told apart: our GIFT, CSV or JSON export with its media, or QTI."""
    with path.open("rb") as stream:
        head = stream.read(4096)
    found = detect(filename, head)
    if found is ImportFormat.QTI and is_zip(head):
        bundled = bundled_format(path)
        return ImportFormat(bundled) if bundled else found
    return found


def _read_bundle(path: Path, fmt: ImportFormat, filename: str) -> Iterator[Parsed | Rejected]:
    """A zip of a GIFT, CSV or JSON file and its `media/` folder: the questions, with the
    packaged media their links name as the import's images."""
    data, files = open_bundle(path.read_bytes(), fmt.value, filename)
    inner = f"{filename}/{BUNDLED[fmt.value]}"
    if fmt is ImportFormat.JSON:
        items: Iterator[Parsed | Rejected] = json_format.parse(data, inner)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FormatError(Where(inner), f"not UTF-8 text ({exc.reason})") from None
        parse = gift.parse if fmt is ImportFormat.GIFT else csv_format.parse
        items = parse(text, inner)
    for item in items:
        if isinstance(item, Parsed):
            attach_packaged(item, files)
        yield item


def write(
    fmt: ExportFormat,
    questions: Iterable[Exported],
    media: Mapping[str, MediaFile] | None = None,
) -> tuple[bytes, list[str]]:
    """The exported file, and why any question was left out. Moodle XML embeds `media` (the
    questions' media files, by id) and a QTI package carries them; the zip of the other text
    formats is `media_bundle`'s."""
    skipped: list[tuple[Exported, str]] = []
    if fmt is ExportFormat.QTI:
        return qti_write.render_package(questions, media), []
    if fmt is ExportFormat.GIFT:
        text, skipped = gift.render(questions)
        data = text.encode()
    elif fmt is ExportFormat.MOODLE_XML:
        data = "".join(moodle_xml.render(questions, media)).encode()
    elif fmt is ExportFormat.CSV:
        data = "".join(csv_format.render(questions)).encode()
    else:
        data = "".join(json_format.render(questions)).encode()
    return data, [f"{left_out(item)}: {why}" for item, why in skipped]


def left_out(item: Exported) -> str:
    """How an export names a question it leaves out: its id and first words."""
    words = " ".join(item.content["stem"].split())
    words = words if len(words) <= 60 else words[:59] + "…"
    return f'question {item.id or "?"} ("{words}")'
