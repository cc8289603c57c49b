"""Invitations (service): a one-time link for one email address and one role."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from studyhall.accounts.models import User
from studyhall.audit import service as audit
from studyhall.kit.context import Context
from studyhall.kit.errors import Conflict, Forbidden, NotFound
from studyhall.kit.security import hash_token, new_token
from studyhall.kit.tenancy import across_orgs, get_scoped, scoped
from studyhall.orgs import service as orgs
from studyhall.orgs.models import Invitation, Org
from studyhall.orgs.roles import Role

INVITATION_TOKEN_PREFIX = "shi"  # noqa: S105 (a prefix, not a secret)


class InvitationUnusable(Conflict):
    slug = "invitation-unusable"
    title = "This invitation can no longer be used"


class InvitationForSomeoneElse(Forbidden):
    slug = "invitation-other-email"
    title = "This invitation was sent to another email address"


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str


async def create(
    ctx: Context, org: Org, *, acting_role: Role, email: str, role: Role, ttl: timedelta
) -> NewInvitation:
    if role == Role.OWNER and acting_role != Role.OWNER:
        raise orgs.OwnersOnly()
    token = new_token(INVITATION_TOKEN_PREFIX)
    now = ctx.now()
    invitation = Invitation(
        org_id=org.id,
        email=email.strip().lower(),
        role=role,
        token_hash=hash_token(token),
        invited_by=ctx.user_id,
        created_at=now,
        expires_at=now + ttl,
    )
    ctx.session.add(invitation)
    await ctx.session.flush()
    audit.record(
        ctx,
        "invitation.created",
        org_id=org.id,
        target_type="invitation",
        target_id=invitation.id,
        summary={"role": role.value},
    )
    return NewInvitation(invitation, token)


async def list_pending(ctx: Context, org: Org) -> Sequence[Invitation]:
    query = scoped(Invitation, org.id).where(
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > ctx.now(),
    )
    return (await ctx.session.scalars(query.order_by(Invitation.created_at.desc()))).all()


async def revoke(ctx: Context, org: Org, invitation_id: UUID) -> Invitation:
    invitation = await get_scoped(ctx.session, Invitation, org.id, invitation_id, what="invitation")
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = ctx.now()
        audit.record(
            ctx,
            "invitation.revoked",
            org_id=org.id,
            target_type="invitation",
            target_id=invitation.id,
        )
    return invitation


async def find_usable(ctx: Context, token: str) -> tuple[Invitation, Org]:
    """The invitation this token opens: 404 if none, 409 if used, revoked or expired."""
    query = (
        across_orgs(Invitation, reason="the token is the key; its organisation is not yet known")
        .add_columns(Org)
        .join(Org, Org.id == Invitation.org_id)
        .where(Invitation.token_hash == hash_token(token))
    )
    row = (await ctx.session.execute(query)).first()
    if row is None:
        raise NotFound("No such invitation.")
    invitation, org = row
    if invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= ctx.now():
        raise InvitationUnusable("Ask for a new invitation.")
    return invitation, org


async def accept(ctx: Context, token: str, user: User) -> tuple[Invitation, Org]:
    invitation, org = await find_usable(ctx, token)
    if invitation.email != user.email:
        raise InvitationForSomeoneElse("Sign in with the address the invitation was sent to.")
    await orgs.add_member(ctx, org, user, Role(invitation.role))
    invitation.accepted_at = ctx.now()
    invitation.accepted_by = user.id
    audit.record(
        ctx,
        "invitation.accepted",
        org_id=org.id,
        target_type="invitation",
        target_id=invitation.id,
        summary={"role": invitation.role},
    )
    return invitation, org
