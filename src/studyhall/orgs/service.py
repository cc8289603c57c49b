"""Organisations and their members. Never commits; every write leaves its audit record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from studyhall.accounts.models import AuthSession, User
from studyhall.audit import service as audit
from studyhall.events import service as events
from studyhall.kit.context import Context
from studyhall.kit.errors import Conflict, Forbidden, NotFound
from studyhall.kit.security import hash_token
from studyhall.kit.tenancy import across_orgs, scoped
from studyhall.orgs.models import Membership, Org
from studyhall.orgs.roles import Role


class SlugTaken(Conflict):
    slug = "org-slug-taken"
    title = "That organisation address is taken"


class OrgCreationRestricted(Forbidden):
    slug = "org-creation-restricted"
    title = "Only site administrators may create organisations on this server"


class LastOwner(Conflict):
    slug = "last-owner"
    title = "An organisation keeps at least one owner"


class AlreadyMember(Conflict):
    slug = "already-member"
    title = "Already a member"


class OwnersOnly(Forbidden):
    slug = "owners-only"
    title = "Only an owner may grant, change or remove the owner role"


@dataclass(frozen=True)
class Member:
    membership: Membership
    user: User


async def get_org_by_slug(ctx: Context, slug: str) -> Org | None:
    return await ctx.session.scalar(select(Org).where(Org.slug == slug))


async def membership_of(ctx: Context, org_id: UUID, user_id: UUID) -> Membership | None:
    query = scoped(Membership, org_id).where(Membership.user_id == user_id)
    membership: Membership | None = await ctx.session.scalar(query)
    return membership


async def org_and_role(ctx: Context, slug: str, user_id: UUID) -> tuple[Org | None, Role | None]:
    """The organisation with this slug and the person's role in it, in one query (every
    request under /orgs/{org} asks this first)."""
    query = (
        select(Org, Membership.role)
        .outerjoin(Membership, (Membership.org_id == Org.id) & (Membership.user_id == user_id))
        .where(Org.slug == slug)
    )
    row = (await ctx.session.execute(query)).first()
    if row is None:
        return None, None
    return row[0], Role(row[1]) if row[1] else None


# Built once: on the hottest path (every request under /orgs/{org}) building the statement
# cost more than running it.
_SESSION_ORG_AND_ROLE = (
    select(AuthSession, User, Org, Membership.role)
    .join(User, User.id == AuthSession.user_id)
    .outerjoin(Org, Org.slug == bindparam("slug"))
    .outerjoin(Membership, (Membership.org_id == Org.id) & (Membership.user_id == User.id))
    .where(
        AuthSession.token_hash == bindparam("token_hash"),
        AuthSession.expires_at > bindparam("now"),
    )
)


async def session_org_and_role(
    ctx: Context, token: str, slug: str
) -> tuple[AuthSession, User, Org | None, Role | None] | None:
    """`session_for_token` and `org_and_role` in one query: every request a person makes
    under /orgs/{org} asks both, and on the hottest path (saving answers) a query is a
    noticeable share of the time. None when the token has no live session."""
    found = await ctx.session.execute(
        _SESSION_ORG_AND_ROLE, {"slug": slug, "token_hash": hash_token(token), "now": ctx.now()}
    )
    row = found.first()
    if row is None:
        return None
    auth_session, user, org, role = row
    return auth_session, user, org, Role(role) if role and org is not None else None


async def memberships_of_user(ctx: Context, user_id: UUID) -> Sequence[tuple[Org, Membership]]:
    query = (
        across_orgs(Membership, reason="a person's own memberships, in every organisation")
        .add_columns(Org)
        .join(Org, Org.id == Membership.org_id)
        .where(Membership.user_id == user_id)
        .order_by(Org.name)
    )
    return [(org, membership) for membership, org in (await ctx.session.execute(query)).all()]


def _slug_taken() -> SlugTaken:
    return SlugTaken(errors=[("body.slug", "is already used by another organisation")])


async def create_org(ctx: Context, *, owner: User, slug: str, name: str) -> Org:
    if await get_org_by_slug(ctx, slug) is not None:
        raise _slug_taken()
    now = ctx.now()
    org = Org(slug=slug, name=name, created_at=now, updated_at=now)
    ctx.session.add(org)
    try:
        await ctx.session.flush()
    except IntegrityError as exc:
        # Another request took the slug after our check (PostgreSQL lets both check at once);
        # the unique constraint decides, and the caller hears why. The boundary rolls back.
        raise _slug_taken() from exc
    audit.record(
        ctx,
        "org.created",
        org_id=org.id,
        target_type="org",
        target_id=org.id,
        summary={"slug": slug, "name": name},
    )
    await add_member(ctx, org, owner, Role.OWNER)
    return org


async def update_org(ctx: Context, org: Org, *, name: str) -> Org:
    org = await ctx.session.merge(org)  # the caller's copy may come from a lookup session
    if name != org.name:
        audit.record(
            ctx,
            "org.updated",
            org_id=org.id,
            target_type="org",
            target_id=org.id,
            summary={"name": [org.name, name]},
        )
        org.name = name
        org.updated_at = ctx.now()
    return org


async def add_member(ctx: Context, org: Org, user: User, role: Role) -> Membership:
    already = AlreadyMember(f"This account is already a member of {org.name}.")
    if await membership_of(ctx, org.id, user.id) is not None:
        raise already
    now = ctx.now()
    membership = Membership(
        org_id=org.id, user_id=user.id, role=role, created_at=now, updated_at=now
    )
    ctx.session.add(membership)
    try:
        await ctx.session.flush()
    except IntegrityError as exc:  # joined by a concurrent request after our check
        raise already from exc
    audit.record(
        ctx,
        "member.added",
        org_id=org.id,
        target_type="user",
        target_id=user.id,
        summary={"role": role.value},
    )
    events.emit(
        ctx,
        "member.added",
        aggregate=("org", org.id),
        org_id=org.id,
        data={"user_id": str(user.id), "role": role.value},
    )
    return membership


async def list_members(ctx: Context, org: Org) -> list[Member]:
    query = (
        scoped(Membership, org.id)
        .add_columns(User)
        .join(User, User.id == Membership.user_id)
        .order_by(Membership.created_at, User.id)
    )
    return [Member(m, u) for m, u in (await ctx.session.execute(query)).all()]


async def get_member(ctx: Context, org: Org, user_id: UUID) -> Member:
    query = (
        scoped(Membership, org.id)
        .add_columns(User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.user_id == user_id)
    )
    row = (await ctx.session.execute(query)).first()
    if row is None:
        raise NotFound("No such member.")
    return Member(row[0], row[1])


async def _owner_count(ctx: Context, org: Org) -> int:
    query = scoped(Membership, org.id).where(Membership.role == Role.OWNER)
    return int(await ctx.session.scalar(select(func.count()).select_from(query.subquery())) or 0)


async def _guard_owner_change(
    ctx: Context, org: Org, acting_role: Role, member: Member, new_role: Role | None
) -> None:
    touches_owner = member.membership.role == Role.OWNER or new_role == Role.OWNER
    if touches_owner and acting_role != Role.OWNER:
        raise OwnersOnly()
    if member.membership.role == Role.OWNER and new_role != Role.OWNER:
        # Lock the owners' rows so two owners demoting each other cannot both succeed.
        await ctx.session.execute(
            scoped(Membership, org.id).where(Membership.role == Role.OWNER).with_for_update()
        )
        if await _owner_count(ctx, org) <= 1:
            raise LastOwner("Make someone else an owner first.")


async def change_role(
    ctx: Context, org: Org, *, acting_role: Role, user_id: UUID, role: Role
) -> Member:
    member = await get_member(ctx, org, user_id)
    old = Role(member.membership.role)
    if old == role:
        return member
    await _guard_owner_change(ctx, org, acting_role, member, role)
    member.membership.role = role
    member.membership.updated_at = ctx.now()
    audit.record(
        ctx,
        "member.role_changed",
        org_id=org.id,
        target_type="user",
        target_id=user_id,
        summary={"role": [old.value, role.value]},
    )
    events.emit(
        ctx,
        "member.role_changed",
        aggregate=("org", org.id),
        org_id=org.id,
        data={"user_id": str(user_id), "role": role.value, "previous_role": old.value},
    )
    return member


async def remove_member(ctx: Context, org: Org, *, acting_role: Role, user_id: UUID) -> None:
    member = await get_member(ctx, org, user_id)
    await _guard_owner_change(ctx, org, acting_role, member, None)
    await ctx.session.delete(member.membership)
    audit.record(
        ctx,
        "member.removed",
        org_id=org.id,
        target_type="user",
        target_id=user_id,
        summary={"role": member.membership.role},
    )
    events.emit(
        ctx,
        "member.removed",
        aggregate=("org", org.id),
        org_id=org.id,
        data={"user_id": str(user_id)},
    )
