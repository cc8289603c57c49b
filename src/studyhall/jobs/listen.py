"""PostgreSQL: a worker LISTENs for the NOTIFY that a transaction raising events sends on
commit (wakeup.py), so separate `studyhall worker` processes dispatch them at once instead of
at their next pass. (Jobs wake workers through huey's own LISTEN or Redis: carrier.py.)

The listener has a connection of its own (asyncpg; a pooled connection would be handed back
and lose its LISTEN). When that connection drops, the worker falls back to its poll interval
and tries to listen again on each pass; notifications missed meanwhile only cost that wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import structlog

from studyhall.jobs.wakeup import CHANNEL
from studyhall.kit.db import postgres_dsn

log = structlog.get_logger(__name__)

CONNECT_TIMEOUT_SECONDS = 5.0


class Listener:
    def __init__(self, database_url: str, wake: Callable[[], None]) -> None:
        self._dsn = postgres_dsn(database_url, connect_timeout=False)
        self._wake = wake
        self._connection: Any = None
        self.notifications = 0  # received so far (the tests read these two)
        self.connects = 0

    @property
    def listening(self) -> bool:
        return self._connection is not None and not self._connection.is_closed()

    async def ensure(self) -> bool:
        """Listen if not already; False (and a warning) when PostgreSQL cannot be reached."""
        if self.listening:
            return True
        self._connection = None
        try:
            connection = await asyncio.wait_for(
                asyncpg.connect(self._dsn), timeout=CONNECT_TIMEOUT_SECONDS
            )
            await connection.add_listener(CHANNEL, self._notified)
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            log.warning("worker.listen_failed", error=str(exc))
            return False
        connection.add_termination_listener(self._lost)
        self._connection = connection
        self.connects += 1
        log.info("worker.listening", channel=CHANNEL)
        return True

    def _notified(self, *_: object) -> None:
        self.notifications += 1
        self._wake()

    def _lost(self, _connection: object) -> None:
        log.warning("worker.listen_lost")
        self._wake()  # a pass now, then the poll interval until listening again

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            connection.remove_termination_listener(self._lost)  # not lost: closed
            await connection.close(timeout=CONNECT_TIMEOUT_SECONDS)
