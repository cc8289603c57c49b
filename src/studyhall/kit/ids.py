"""Identifiers: random UUIDs for rows a client names, so ids reveal neither order nor count."""

from __future__ import annotations

import uuid
from uuid import UUID


def new_id() -> UUID:
    return uuid.uuid4()
