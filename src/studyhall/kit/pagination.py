"""Cursor pagination: opaque, signed cursors over a stable sort key.

A cursor holds the sort key of the last item served, so pages never skip or repeat rows when
rows are added meanwhile (offsets do). It is signed so a client cannot forge a position into
something the query was never meant to accept; a bad cursor is a 400 naming `cursor`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from starlette.datastructures import URL

from studyhall.kit.errors import BadRequest

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_SIG_BYTES = 12
# The unpadded URL-safe alphabet `encode_cursor` writes, and nothing else.
_CURSOR_TEXT = re.compile(r"[A-Za-z0-9_-]+")


class InvalidCursor(BadRequest):
    slug = "invalid-cursor"
    title = "The pagination cursor is not valid"

    def __init__(self) -> None:
        super().__init__(
            "Use the `next` link of a previous page, unchanged.",
            errors=[("query.cursor", "not a cursor this server issued")],
        )


def _sign(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:_SIG_BYTES]


def encode_cursor(secret: str, key: list[Any]) -> str:
    payload = json.dumps(key, separators=(",", ":"), default=str).encode()
    raw = _sign(secret, payload) + payload
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(secret: str, cursor: str) -> list[Any]:
    """The key of a cursor `encode_cursor` made with this secret, or `InvalidCursor`.

    Only the exact text issued is accepted. Python's base64 decoder on its own is lenient: it
    skips characters outside the alphabet, takes `+` and `/` for `-` and `_`, and ignores the
    unused low bits of the last character, so many spellings would decode to one signed cursor.
    """
    if not _CURSOR_TEXT.fullmatch(cursor):
        raise InvalidCursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor() from exc
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != cursor:
        raise InvalidCursor()
    signature, payload = raw[:_SIG_BYTES], raw[_SIG_BYTES:]
    if len(signature) != _SIG_BYTES or not hmac.compare_digest(signature, _sign(secret, payload)):
        raise InvalidCursor()
    try:
        key = json.loads(payload)
    except ValueError as exc:  # only reachable with the secret; still never a 500
        raise InvalidCursor() from exc
    if not isinstance(key, list):
        raise InvalidCursor()
    return key


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = Field(None, description="URL of the next page; absent on the last page.")


def next_link(url: URL, cursor: str | None) -> str | None:
    """The same request with the cursor moved on (keeps every filter the caller gave)."""
    if cursor is None:
        return None
    return str(url.include_query_params(cursor=cursor))
