from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, JsonValue, StringConstraints

from studyhall.orgs.roles import API_KEY_SCOPES, Permission, Role

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$", max_length=64),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class OrgCreate(BaseModel):
    slug: Slug = Field(description="Lower-case letters, digits and dashes; used in URLs.")
    name: Name


class OrgUpdate(BaseModel):
    name: Name


class OrgOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    slug: str
    name: str
    created_at: datetime


class OrgWithRole(OrgOut):
    role: Role


class MemberOut(BaseModel):
    user_id: UUID
    email: str
    display_name: str
    role: Role
    joined_at: datetime


class RoleChange(BaseModel):
    role: Role


class InvitationCreate(BaseModel):
    email: EmailStr
    role: Role = Role.LEARNER


class InvitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    email: str
    role: Role
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class InvitationCreated(InvitationOut):
    token: str = Field(description="Shown once. Give it to the invitee (the link carries it).")
    accept_url: str


class InvitationToken(BaseModel):
    token: str = Field(min_length=8, max_length=200)


class InvitationPreview(BaseModel):
    org_slug: str
    org_name: str
    email: str
    role: Role
    expires_at: datetime


_KEY_SCOPES: list[JsonValue] = [p.value for p in sorted(API_KEY_SCOPES)]


class ApiKeyCreate(BaseModel):
    name: Name
    scopes: list[Permission] = Field(
        min_length=1,
        # Only the scopes a key may hold (the service refuses the others, naming them).
        json_schema_extra={"items": {"type": "string", "enum": _KEY_SCOPES}},
    )
    expires_in_days: int | None = Field(None, ge=1, le=3650)


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    name: str
    hint: str
    scopes: list[Permission]
    created_by: UUID | None = Field(
        description="Who made the key. It acts with no more than this person's current role "
        "and stops working when they leave the organisation (null: the account is gone)."
    )
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    secret: str = Field(description="Shown once; only its hash is kept. Send as a bearer token.")
