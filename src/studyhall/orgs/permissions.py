"""`OrgAccess(permission)`: the access rule of every route under `/api/v1/orgs/{org}`.

Order of refusal: no credentials -> 401; not a member (or a key of another organisation), or no
such organisation -> 404, the same answer, so outsiders learn nothing; a member whose role
lacks the permission -> 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

from studyhall.accounts.models import User
from studyhall.accounts.permissions import bearer_token, session_token, signed_in
from studyhall.kit.access import AccessRule
from studyhall.kit.context import Context
from studyhall.kit.errors import Forbidden, NotFound, Unauthenticated
from studyhall.kit.transaction import bookkeeping_write, lookup_context, request_context
from studyhall.orgs import api_keys
from studyhall.orgs import service as orgs
from studyhall.orgs.models import ApiKey, Org
from studyhall.orgs.roles import Permission, Role, permissions_of


class OrgNotFound(NotFound):
    slug = "org-not-found"
    title = "No such organisation"


@dataclass(frozen=True)
class OrgCaller:
    """A member (or an organisation's API key) acting inside one organisation."""

    ctx: Context
    org: Org
    permissions: frozenset[Permission]
    user: User | None = None
    role: Role | None = None
    api_key: ApiKey | None = None

    @property
    def acting_role(self) -> Role:
        # Keys act with admin rights at most; owner-only steps stay with people.
        return self.role or Role.ADMIN


class OrgAccess(AccessRule):
    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def describe(self) -> str:
        return f"org:{self.permission.value}"

    async def __call__(
        self,
        request: Request,
        org: Annotated[str, Path(description="The organisation's slug.", max_length=64)],
        ctx: Annotated[Context, Depends(request_context)],
    ) -> OrgCaller:
        caller = await self._member(request, ctx, org) or await self._key(request, ctx, org)
        if caller is None:
            raise Unauthenticated("Sign in, or send a valid `Authorization: Bearer` token.")
        if self.permission not in caller.permissions:
            raise Forbidden(f"This needs the `{self.permission.value}` permission.")
        request.state.context = caller.ctx
        return caller

    async def _member(self, request: Request, ctx: Context, slug: str) -> OrgCaller | None:
        token = session_token(request)
        if token is None:
            return None
        row = await orgs.session_org_and_role(lookup_context(request, ctx), token, slug)
        if row is None:
            return None
        auth_session, user, found, role = row
        person = await signed_in(request, ctx, auth_session, user)
        if found is None or role is None:
            raise OrgNotFound()
        return OrgCaller(
            ctx=person.ctx, org=found, permissions=permissions_of(role), user=user, role=role
        )

    async def _key(self, request: Request, ctx: Context, slug: str) -> OrgCaller | None:
        secret = bearer_token(request)
        if not secret or not secret.startswith(api_keys.API_KEY_PREFIX + "_"):
            return None
        lookup = lookup_context(request, ctx)
        key = await api_keys.key_for_secret(lookup, secret)
        if key is None:
            return None
        found = await orgs.get_org_by_slug(lookup, slug)
        if found is None or found.id != key.org_id:
            raise OrgNotFound()
        # A key acts with no more than its maker may do today: demoting the maker narrows
        # the key, removing the maker ends it (see api_keys.maker_permissions).
        allowed = await api_keys.maker_permissions(lookup, key)
        if allowed is None:
            raise Unauthenticated(
                "The person who made this API key is no longer a member of the organisation, "
                "so the key no longer works; an admin can make a new one."
            )
        now = ctx.now()
        if key.last_used_at is None or now - key.last_used_at >= api_keys.LAST_USED_RESOLUTION:
            await bookkeeping_write(request, key, last_used_at=now)
        return OrgCaller(
            ctx=ctx.acting_as(api_key_id=key.id),
            org=found,
            permissions=frozenset(Permission(s) for s in key.scopes) & allowed,
            api_key=key,
        )


def require(permission: Permission) -> object:
    """`Annotated[OrgCaller, require(P)]`: the endpoint needs permission P in the path's org."""
    return Depends(OrgAccess(permission))


OrgReader = Annotated[OrgCaller, require(Permission.ORG_READ)]
OrgEditor = Annotated[OrgCaller, require(Permission.ORG_UPDATE)]
MembersReader = Annotated[OrgCaller, require(Permission.MEMBERS_READ)]
MembersManager = Annotated[OrgCaller, require(Permission.MEMBERS_MANAGE)]
InvitationsManager = Annotated[OrgCaller, require(Permission.INVITATIONS_MANAGE)]
ApiKeysManager = Annotated[OrgCaller, require(Permission.API_KEYS_MANAGE)]
AuditReader = Annotated[OrgCaller, require(Permission.AUDIT_READ)]
TracksManager = Annotated[OrgCaller, require(Permission.TRACKS_MANAGE)]
QuestionsReader = Annotated[OrgCaller, require(Permission.QUESTIONS_READ)]
QuestionsWriter = Annotated[OrgCaller, require(Permission.QUESTIONS_WRITE)]
QuestionsReviewer = Annotated[OrgCaller, require(Permission.QUESTIONS_REVIEW)]
AttemptsTaker = Annotated[OrgCaller, require(Permission.ATTEMPTS_TAKE)]
