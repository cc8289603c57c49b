"""XML read safely: no DTDs, no entities, no external resources, ever (defusedxml).

Everything XML that an import reads comes through here, so no question file can make us
fetch a URL, read a local file or expand an entity bomb.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import IO

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from studyhall.interchange.items import FormatError, Where

Element = ET.Element


def local(tag: str) -> str:
    """An element or attribute name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def _reason(exc: Exception) -> str:
    if isinstance(exc, DefusedXmlException):
        return "DTDs and entities are not allowed in imported XML"
    return f"not well-formed XML ({exc})"


def parse_bytes(data: bytes, where: Where) -> Element:
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise FormatError(where, _reason(exc)) from None
    return root


def iter_events(stream: IO[bytes], where: Where) -> Iterator[tuple[str, Element]]:
    """`iterparse` start/end events; the caller clears what it has read."""
    events = SafeET.iterparse(stream, events=("start", "end"), forbid_dtd=True)
    try:
        yield from events
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        position = getattr(exc, "position", None)
        line = position[0] if position else None
        raise FormatError(Where(where.file, line, where.path), _reason(exc)) from None


_SPACE = re.compile(r"\s+")


def squash(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()
