"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from studyhall.accounts.models import AuthSession, LoginFailure, User
from studyhall.audit.models import AuditEvent
from studyhall.kit.db import Base
from studyhall.orgs.models import ApiKey, Invitation, Membership, Org

metadata = Base.metadata

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuthSession",
    "Invitation",
    "LoginFailure",
    "Membership",
    "Org",
    "User",
    "metadata",
]
