from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class RegisterRequest(BaseModel):
    email: EmailStr
    password: str = Field(
        max_length=1024,
        description="At least 10 characters, not a common password, not the email address.",
    )
    display_name: str = Field(min_length=1, max_length=120)


class LoginRequest(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=1024)


class RegisterAccepted(BaseModel):
    """The same answer whether the address was free or already had an account."""

    email: str
    detail: str


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    email: str
    display_name: str
    created_at: datetime


class MembershipSummary(BaseModel):
    org_slug: str
    org_name: str
    role: str


class MeOut(UserOut):
    site_admin: bool = Field(description="An operator account (`studyhall createuser --admin`).")
    memberships: list[MembershipSummary]


class LoginOut(BaseModel):
    token: str = Field(
        description="Opaque bearer token; send as `Authorization: Bearer …`. "
        "Shown once; the server keeps only its hash."
    )
    token_type: str = "bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_at: datetime
    user: UserOut
