from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    action: str
    actor_user_id: UUID | None
    actor_api_key_id: UUID | None
    target_type: str | None
    target_id: str | None
    client_ip: str | None
    request_id: str | None
    summary: dict[str, Any]
    created_at: datetime
