"""Who is acting, from where, and when: what services need besides their arguments."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from studyhall.kit import sealing
from studyhall.kit.clock import Clock


@dataclass(frozen=True)
class Context:
    """The unit of work a service runs in. The boundary that made it commits it."""

    session: AsyncSession
    clock: Clock
    request_id: str
    client_ip: str | None = None
    user_id: UUID | None = None
    api_key_id: UUID | None = None
    secret_key: str = ""
    previous_secret_keys: tuple[str, ...] = ()

    def now(self) -> datetime:
        return self.clock.now()

    def sealer(self) -> sealing.Sealer:
        """Seals and opens the secrets the server must read back (webhook signing secrets)."""
        if not self.secret_key:  # sealed under "", a secret would open for anyone with the code
            raise RuntimeError("this context has no secret key to seal with")
        return sealing.sealer(self.secret_key, self.previous_secret_keys)

    def acting_as(self, *, user_id: UUID | None = None, api_key_id: UUID | None = None) -> Context:
        return dataclasses.replace(self, user_id=user_id, api_key_id=api_key_id)
