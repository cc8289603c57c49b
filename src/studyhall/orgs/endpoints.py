"""HTTP for organisations, members, invitations and API keys."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from studyhall.accounts.permissions import PublicContext, SignedIn
from studyhall.kit.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
    responses,
)
from studyhall.kit.transaction import TransactionalRoute
from studyhall.orgs import api_keys, invitations
from studyhall.orgs import service as orgs
from studyhall.orgs.models import ApiKey, Invitation
from studyhall.orgs.permissions import (
    ApiKeysManager,
    InvitationsManager,
    MembersManager,
    MembersReader,
    OrgEditor,
    OrgReader,
)
from studyhall.orgs.roles import Role
from studyhall.orgs.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    InvitationCreate,
    InvitationCreated,
    InvitationOut,
    InvitationPreview,
    InvitationToken,
    MemberOut,
    OrgCreate,
    OrgOut,
    OrgUpdate,
    OrgWithRole,
    RoleChange,
)

router = APIRouter(prefix="/api/v1", tags=["organisations"], route_class=TransactionalRoute)

IN_ORG = responses(Unauthenticated, Forbidden, NotFound)


def _member_out(member: orgs.Member) -> MemberOut:
    return MemberOut(
        user_id=member.user.id,
        email=member.user.email,
        display_name=member.user.display_name,
        role=Role(member.membership.role),
        joined_at=member.membership.created_at,
    )


@router.post(
    "/orgs",
    summary="Create an organisation",
    status_code=status.HTTP_201_CREATED,
    response_model=OrgWithRole,
    responses=responses(Unauthenticated, InvalidInput, orgs.SlugTaken, orgs.OrgCreationRestricted),
)
async def create_org(body: OrgCreate, request: Request, caller: SignedIn) -> OrgWithRole:
    """Create an organisation; the caller becomes its owner. Where the operator has set
    `STUDYHALL_ORG_CREATION=admins`, only site administrators may."""
    if request.app.state.settings.org_creation == "admins" and not caller.user.is_superuser:
        raise orgs.OrgCreationRestricted()
    org = await orgs.create_org(caller.ctx, owner=caller.user, slug=body.slug, name=body.name)
    return OrgWithRole(
        id=org.id, slug=org.slug, name=org.name, created_at=org.created_at, role=Role.OWNER
    )


@router.get(
    "/orgs",
    summary="My organisations",
    response_model=list[OrgWithRole],
    responses=responses(Unauthenticated),
)
async def list_my_orgs(caller: SignedIn) -> list[OrgWithRole]:
    """The organisations the caller belongs to, with their role in each."""
    rows = await orgs.memberships_of_user(caller.ctx, caller.user.id)
    return [
        OrgWithRole(id=o.id, slug=o.slug, name=o.name, created_at=o.created_at, role=Role(m.role))
        for o, m in rows
    ]


@router.get("/orgs/{org}", summary="An organisation", response_model=OrgOut, responses=IN_ORG)
async def get_org(caller: OrgReader) -> OrgOut:
    return OrgOut.model_validate(caller.org)


@router.patch(
    "/orgs/{org}",
    summary="Rename an organisation",
    response_model=OrgOut,
    responses=responses(Unauthenticated, Forbidden, NotFound, InvalidInput),
)
async def update_org(body: OrgUpdate, caller: OrgEditor) -> OrgOut:
    org = await orgs.update_org(caller.ctx, caller.org, name=body.name)
    return OrgOut.model_validate(org)


@router.get(
    "/orgs/{org}/members",
    summary="Members and their roles",
    response_model=list[MemberOut],
    responses=IN_ORG,
)
async def list_members(caller: MembersReader) -> list[MemberOut]:
    return [_member_out(m) for m in await orgs.list_members(caller.ctx, caller.org)]


@router.patch(
    "/orgs/{org}/members/{user_id}",
    summary="Change a member's role",
    response_model=MemberOut,
    responses=responses(
        Unauthenticated, Forbidden, NotFound, InvalidInput, orgs.LastOwner, orgs.OwnersOnly
    ),
)
async def change_role(user_id: UUID, body: RoleChange, caller: MembersManager) -> MemberOut:
    """Give a member another role. Only owners grant or take away the owner role, and the last
    owner cannot be demoted."""
    member = await orgs.change_role(
        caller.ctx, caller.org, acting_role=caller.acting_role, user_id=user_id, role=body.role
    )
    return _member_out(member)


@router.delete(
    "/orgs/{org}/members/{user_id}",
    summary="Remove a member",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(Unauthenticated, Forbidden, NotFound, orgs.LastOwner, orgs.OwnersOnly),
)
async def remove_member(user_id: UUID, caller: MembersManager) -> Response:
    """Remove a member. The last owner cannot be removed."""
    await orgs.remove_member(
        caller.ctx, caller.org, acting_role=caller.acting_role, user_id=user_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/orgs/{org}/invitations",
    summary="Invite someone",
    status_code=status.HTTP_201_CREATED,
    response_model=InvitationCreated,
    responses=responses(Unauthenticated, Forbidden, NotFound, InvalidInput, orgs.OwnersOnly),
)
async def create_invitation(
    body: InvitationCreate, request: Request, caller: InvitationsManager
) -> InvitationCreated:
    """Make a one-time invitation for an email address and a role. The token is shown once."""
    ttl = timedelta(hours=request.app.state.settings.invitation_ttl_hours)
    made = await invitations.create(
        caller.ctx,
        caller.org,
        acting_role=caller.acting_role,
        email=body.email,
        role=body.role,
        ttl=ttl,
    )
    # The token travels in the fragment, which browsers never send to a server or its logs.
    accept_url = f"{str(request.base_url).rstrip('/')}/invite#{made.token}"
    return InvitationCreated(
        **_invitation_fields(made.invitation), token=made.token, accept_url=accept_url
    )


def _invitation_fields(invitation: Invitation) -> dict[str, object]:
    return InvitationOut.model_validate(invitation).model_dump()


@router.get(
    "/orgs/{org}/invitations",
    summary="Pending invitations",
    response_model=list[InvitationOut],
    responses=IN_ORG,
)
async def list_invitations(caller: InvitationsManager) -> list[InvitationOut]:
    pending = await invitations.list_pending(caller.ctx, caller.org)
    return [InvitationOut.model_validate(i) for i in pending]


@router.delete(
    "/orgs/{org}/invitations/{invitation_id}",
    summary="Revoke an invitation",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=IN_ORG,
)
async def revoke_invitation(invitation_id: UUID, caller: InvitationsManager) -> Response:
    await invitations.revoke(caller.ctx, caller.org, invitation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/invitations/preview",
    summary="What an invitation offers",
    response_model=InvitationPreview,
    responses=responses(InvalidInput, NotFound, invitations.InvitationUnusable),
)
async def preview_invitation(body: InvitationToken, ctx: PublicContext) -> InvitationPreview:
    """Which organisation and role an invitation token offers, to show before signing in."""
    invitation, org = await invitations.find_usable(ctx, body.token)
    return InvitationPreview(
        org_slug=org.slug,
        org_name=org.name,
        email=invitation.email,
        role=Role(invitation.role),
        expires_at=invitation.expires_at,
    )


@router.post(
    "/invitations/accept",
    summary="Accept an invitation",
    response_model=OrgWithRole,
    responses=responses(
        Unauthenticated, InvalidInput, NotFound, Conflict, invitations.InvitationForSomeoneElse
    ),
)
async def accept_invitation(body: InvitationToken, caller: SignedIn) -> OrgWithRole:
    """Join the organisation with the invited role. The invitation must be for the caller's
    email address, unexpired, unrevoked and unused."""
    invitation, org = await invitations.accept(caller.ctx, body.token, caller.user)
    return OrgWithRole(
        id=org.id,
        slug=org.slug,
        name=org.name,
        created_at=org.created_at,
        role=Role(invitation.role),
    )


@router.post(
    "/orgs/{org}/api-keys",
    summary="Create an API key",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    responses=responses(Unauthenticated, Forbidden, NotFound, InvalidInput),
)
async def create_api_key(body: ApiKeyCreate, caller: ApiKeysManager) -> ApiKeyCreated:
    """Create a key for machines, with scopes. The secret is in this response only."""
    expires = timedelta(days=body.expires_in_days) if body.expires_in_days else None
    made = await api_keys.create(
        caller.ctx, caller.org, name=body.name, scopes=body.scopes, expires_in=expires
    )
    return ApiKeyCreated(**_key_fields(made.key), secret=made.secret)


def _key_fields(key: ApiKey) -> dict[str, object]:
    return ApiKeyOut.model_validate(key).model_dump()


@router.get(
    "/orgs/{org}/api-keys", summary="API keys", response_model=list[ApiKeyOut], responses=IN_ORG
)
async def list_api_keys(caller: ApiKeysManager) -> list[ApiKeyOut]:
    """Every key, revoked ones included, with when each was last used."""
    return [ApiKeyOut.model_validate(k) for k in await api_keys.list_keys(caller.ctx, caller.org)]


@router.delete(
    "/orgs/{org}/api-keys/{key_id}",
    summary="Revoke an API key",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=IN_ORG,
)
async def revoke_api_key(key_id: UUID, caller: ApiKeysManager) -> Response:
    """Revoke a key: it stops working at once. Revoking twice is harmless."""
    await api_keys.revoke(caller.ctx, caller.org, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
