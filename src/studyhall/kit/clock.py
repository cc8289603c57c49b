"""Time is UTC, timezone-aware, and injected so tests can move it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Protocol

from pydantic import BeforeValidator

# Pydantic reads a bare number as seconds since 1970 (`until=0.5` is half a second into 1970);
# a client that sends one has almost surely sent the wrong thing, so it is refused instead.
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _not_a_number(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("give a date-time such as 2026-11-23T09:00:00Z, not a number")
    return value


DateTimeText = Annotated[datetime, BeforeValidator(_not_a_number)]
"""A date-time given as ISO 8601 text (query parameters, request bodies), never a number."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until told to move (tests, simulations)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, when: datetime) -> None:
        self._now = when
