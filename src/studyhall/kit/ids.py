"""Identifiers: random UUIDs for rows a client names, so ids reveal neither order nor count."""

from __future__ import annotations

import re
import uuid
from uuid import UUID


def new_id() -> UUID:
    return uuid.uuid4()


# RFC 9562's text form, the one `format: uuid` means: 8-4-4-4-12 hex digits, either case.
_UUID_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def parse_uuid_text(text: str) -> UUID | None:
    """The UUID `text` spells in the hyphenated form, or None. Stricter than `UUID(text)`,
    which also reads 32 bare hex digits, `urn:uuid:...` and braces: a form field documented as
    `format: uuid` must mean what JSON bodies and path parameters mean by it."""
    return UUID(text) if _UUID_TEXT.fullmatch(text) else None
