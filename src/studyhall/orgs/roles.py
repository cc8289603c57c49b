"""Roles map to permissions here, and only here."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    ORG_READ = "org:read"
    ORG_UPDATE = "org:update"
    MEMBERS_READ = "members:read"
    MEMBERS_MANAGE = "members:manage"
    INVITATIONS_MANAGE = "invitations:manage"
    API_KEYS_MANAGE = "api_keys:manage"
    AUDIT_READ = "audit:read"
    TRACKS_MANAGE = "tracks:manage"
    QUESTIONS_READ = "questions:read"  # the bank itself, answers included
    QUESTIONS_WRITE = "questions:write"
    QUESTIONS_REVIEW = "questions:review"
    ATTEMPTS_TAKE = "attempts:take"
    WEBHOOKS_MANAGE = "webhooks:manage"
    PLANS_READ = "plans:read"  # every learner's study-plan adherence (instructors)


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    AUTHOR = "author"
    REVIEWER = "reviewer"
    INSTRUCTOR = "instructor"
    LEARNER = "learner"


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset(Permission),
    Role.AUTHOR: frozenset(
        {P.ORG_READ, P.TRACKS_MANAGE, P.QUESTIONS_READ, P.QUESTIONS_WRITE, P.ATTEMPTS_TAKE}
    ),
    Role.REVIEWER: frozenset({P.ORG_READ, P.QUESTIONS_READ, P.QUESTIONS_REVIEW, P.ATTEMPTS_TAKE}),
    Role.INSTRUCTOR: frozenset(
        {P.ORG_READ, P.MEMBERS_READ, P.QUESTIONS_READ, P.ATTEMPTS_TAKE, P.PLANS_READ}
    ),
    Role.LEARNER: frozenset({P.ORG_READ, P.ATTEMPTS_TAKE}),
}

# An API key acts for its organisation with the scopes it was given, never more than these.
# A key that could mint keys — or invite and promote the admin who mints them — would outlive
# its own revocation; and a key is no learner.
API_KEY_SCOPES: frozenset[Permission] = frozenset(Permission) - {
    P.API_KEYS_MANAGE, P.MEMBERS_MANAGE, P.INVITATIONS_MANAGE, P.ATTEMPTS_TAKE,
}  # fmt: skip


def permissions_of(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]
