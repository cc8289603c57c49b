from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]
EventType = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class WebhookCreate(BaseModel):
    url: Url = Field(description="An http(s) URL on a public address (see the SSRF guard).")
    event_types: list[EventType] = Field(
        min_length=1, max_length=50, description='Event types to send, or `["*"]` for all.'
    )
    description: Annotated[str, StringConstraints(max_length=200)] = ""


class WebhookUpdate(BaseModel):
    url: Url | None = None
    event_types: list[EventType] | None = Field(default=None, min_length=1, max_length=50)
    description: Annotated[str, StringConstraints(max_length=200)] | None = None
    enabled: bool | None = Field(default=None, description="`true` re-enables after failures.")


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    failure_streak: int = Field(description="Deliveries in a row that failed.")
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookOut):
    secret: str = Field(description="Signs every delivery (Standard Webhooks). Shown only now.")

    @classmethod
    def shown_once(cls, endpoint: object, secret: str) -> WebhookWithSecret:
        # The row holds the secret sealed; the plain one exists only in this response.
        return cls.model_validate(
            {**WebhookOut.model_validate(endpoint).model_dump(), "secret": secret}
        )


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    endpoint_id: UUID
    message_id: str = Field(description="The `webhook-id` header; the same on redelivery.")
    event_id: int | None
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    response_status: int | None
    latency_ms: float | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempted_at: datetime
    response_status: int | None
    latency_ms: float
    error: str | None


class DeliveryDetail(DeliveryOut):
    payload: dict[str, Any]
    tries: list[AttemptOut]
