"""The text of an exam notice's PDF, for the syllabus reader (syllabus_text).

pypdf was chosen by trying it beside pdfminer.six and pdfplumber on generated notices with
accents, words hyphenated at the margin and two columns: all three keep accents (NFC), but
pypdf alone read two columns one after the other (pdfminer interleaved their lines,
pdfplumber glued them side by side), it is pure Python (1.9 MB against pdfminer's 8.5 MB,
plus pdfplumber's pdfium binary) and it was the fastest (about 10 ms a page).

Every refusal is an `UnreadablePdf` whose message tells the author what to do instead.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError

from studyhall.exams.syllabus_text import clean

# pypdf reports every repair it makes to a damaged file as a warning on its logger; what
# matters to the author is the outcome, which we report ourselves.
logging.getLogger("pypdf").setLevel(logging.ERROR)

SCANNED = "this PDF has no text — it is probably a scan; paste the text instead"


class UnreadablePdf(ValueError):
    """A PDF we cannot take text from; the message says why and what to do."""


@dataclass(frozen=True)
class PdfText:
    text: str
    pages: int
    # Lines that repeat on most pages (the notice's running header or footer), left out.
    furniture: tuple[str, ...]


def pdf_text(data: bytes, *, max_pages: int) -> PdfText:
    """The text of every page, in reading order, with running headers and footers left out.

    Raises UnreadablePdf for a file that is not a PDF, is damaged or cut short, is protected
    by a password, has more than `max_pages` pages, or holds no text (a scan)."""
    if b"%PDF-" not in data[:1024]:
        raise UnreadablePdf("this file is not a PDF")
    if b"%%EOF" not in data[-4096:] and b"%%EOF" not in data:
        raise UnreadablePdf("this PDF is cut short (it has no end); upload the whole file")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _opens_without_password(reader):
            raise UnreadablePdf(
                "this PDF is protected by a password; upload an unprotected copy or paste "
                "the text instead"
            )
        count = len(reader.pages)
        if count > max_pages:
            raise UnreadablePdf(
                f"this PDF has {count} pages; at most {max_pages} are read — upload only the "
                "syllabus pages or paste the text"
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnreadablePdf:
        raise
    except (PdfReadError, PyPdfError, DependencyError, ValueError, KeyError, TypeError) as exc:
        raise UnreadablePdf(f"this PDF is damaged and cannot be read ({exc})") from exc
    if count == 0:
        raise UnreadablePdf("this PDF has no pages")
    if not any(any(ch.isalnum() for ch in page) for page in pages):
        raise UnreadablePdf(SCANNED)
    kept, furniture = _without_furniture(pages)
    return PdfText("\n".join(kept), count, furniture)


def _opens_without_password(reader: PdfReader) -> bool:
    """Many notices are "protected" only against editing: the empty password opens them."""
    try:
        return bool(reader.decrypt(""))
    except (FileNotDecryptedError, NotImplementedError):
        return False


def _furniture_key(line: str) -> str:
    # "Página 3 de 12" and "Página 4 de 12" are the same footer.
    return re.sub(r"\d+", "#", clean(line))


def _without_furniture(pages: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """Pages without the lines that open or close most of them (the running header/footer)."""
    if len(pages) < 3:
        return pages, ()
    edges: Counter[str] = Counter()
    for page in pages:
        lines = [line for line in page.splitlines() if line.strip()]
        edges.update({_furniture_key(line) for line in lines[:2] + lines[-2:]})
    repeated = {key for key, seen in edges.items() if seen > len(pages) / 2 and key}
    if not repeated:
        return pages, ()
    kept: list[str] = []
    left_out: dict[str, str] = {}  # by key: "Página 1 de 3" stands for every page's footer
    for page in pages:
        lines = page.splitlines()
        keep = []
        for index, line in enumerate(lines):
            edge = index < 3 or index >= len(lines) - 3
            if edge and _furniture_key(line) in repeated:
                left_out.setdefault(_furniture_key(line), clean(line))
            else:
                keep.append(line)
        kept.append("\n".join(keep))
    return kept, tuple(left_out.values())
