"""API keys (service): an organisation's credentials for machines, with scopes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from studyhall.audit import service as audit
from studyhall.kit.context import Context
from studyhall.kit.errors import InvalidInput
from studyhall.kit.security import hash_token, new_token
from studyhall.kit.tenancy import across_orgs, get_scoped, scoped
from studyhall.orgs.models import ApiKey, Membership, Org
from studyhall.orgs.roles import API_KEY_SCOPES, Permission, Role, permissions_of

API_KEY_PREFIX = "shk"
# Last-used times are written at most this often, so a busy key does not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewApiKey:
    key: ApiKey
    secret: str


async def create(
    ctx: Context, org: Org, *, name: str, scopes: list[Permission], expires_in: timedelta | None
) -> NewApiKey:
    refused = [s for s in scopes if s not in API_KEY_SCOPES]
    if refused:
        raise InvalidInput(
            "Some scopes cannot be given to a key.",
            errors=[("body.scopes", f"{s.value} is for people, not keys") for s in refused],
        )
    secret = new_token(API_KEY_PREFIX)
    now = ctx.now()
    key = ApiKey(
        org_id=org.id,
        name=name,
        hint=secret[:8],
        secret_hash=hash_token(secret),
        scopes=sorted({s.value for s in scopes}),
        created_by=ctx.user_id,
        created_at=now,
        expires_at=now + expires_in if expires_in else None,
    )
    ctx.session.add(key)
    await ctx.session.flush()
    audit.record(
        ctx,
        "api_key.created",
        org_id=org.id,
        target_type="api_key",
        target_id=key.id,
        summary={"name": name, "scopes": key.scopes},
    )
    return NewApiKey(key, secret)


async def list_keys(ctx: Context, org: Org) -> Sequence[ApiKey]:
    query = scoped(ApiKey, org.id).order_by(ApiKey.created_at.desc(), ApiKey.id)
    return (await ctx.session.scalars(query)).all()


async def revoke(ctx: Context, org: Org, key_id: UUID) -> ApiKey:
    key = await get_scoped(ctx.session, ApiKey, org.id, key_id, what="API key")
    if key.revoked_at is None:
        key.revoked_at = ctx.now()
        audit.record(
            ctx,
            "api_key.revoked",
            org_id=org.id,
            target_type="api_key",
            target_id=key.id,
            summary={"name": key.name},
        )
    return key


async def key_for_secret(ctx: Context, secret: str) -> ApiKey | None:
    """The live key with this secret, whichever organisation holds it."""
    query = across_orgs(ApiKey, reason="a key is found by its secret before its org is known")
    key = await ctx.session.scalar(query.where(ApiKey.secret_hash == hash_token(secret)))
    if key is None or key.revoked_at is not None:
        return None
    if key.expires_at is not None and key.expires_at <= ctx.now():
        return None
    return key


async def maker_permissions(ctx: Context, key: ApiKey) -> frozenset[Permission] | None:
    """What the key's maker may do in its organisation today; None when the maker is no
    longer a member (or the account is gone), which ends the key.

    A key acts with its scopes narrowed to this, so it never does more than the person
    accountable for it could do now: an admin who is demoted cannot keep admin powers
    through a key made before, and one who leaves takes their keys' powers with them.
    Narrowing rather than revoking keeps a demoted maker's key working for what they may
    still do, and promoting them again restores it, as they could simply make a new key.
    """
    if key.created_by is None:
        return None
    query = scoped(Membership, key.org_id).where(Membership.user_id == key.created_by)
    membership = await ctx.session.scalar(query)
    return permissions_of(Role(membership.role)) if membership is not None else None
