"""Admin pages: the organisation's name, members and roles, invitations, API keys (the secret
shown once) and the audit log with filters. They call the organisation services, as the API
does."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from studyhall.audit import names as audit_names
from studyhall.audit import service as audit
from studyhall.kit.errors import Problem
from studyhall.orgs import api_keys, invitations
from studyhall.orgs import service as orgs
from studyhall.orgs.roles import API_KEY_SCOPES, Role
from studyhall.orgs.schemas import ApiKeyCreate, InvitationCreate, OrgUpdate
from studyhall.web.access import (
    ApiKeysPage,
    AuditPage,
    InvitationsPage,
    MembersAdminPage,
    MembersPage,
    OrgSettingsPage,
    PageRoute,
    see_other,
)
from studyhall.web.forms import field_errors, form_lists, form_of, problem_errors, sentence
from studyhall.web.rendering import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
AUDIT_PAGE = 50
ROLES = [r.value for r in Role]


@router.get("/o/{org}/admin/settings")
async def settings(request: Request, caller: OrgSettingsPage) -> Response:
    return render(
        request, "admin/settings.html", values={"name": caller.org.name}, errors={},
        saved=request.query_params.get("done") == "saved",
    )  # fmt: skip


@router.post("/o/{org}/admin/settings")
async def rename(request: Request, caller: OrgSettingsPage) -> Response:
    """A new name (as the API's `PATCH /orgs/{org}`); the slug, and so every address, stays."""
    form = await form_of(request)
    try:
        body = OrgUpdate.model_validate({"name": form.get("name", "")})
    except ValidationError as exc:
        return render(
            request, "admin/settings.html", 422, values=form, errors=field_errors(exc),
            saved=False,
        )  # fmt: skip
    await orgs.update_org(caller.ctx, caller.org, name=body.name)
    return see_other(request, f"/o/{caller.org.slug}/admin/settings?done=saved")


@router.get("/o/{org}/admin/members")
async def members(request: Request, caller: MembersPage, changed: str | None = None) -> Response:
    return await _members_page(request, caller, changed=changed)


async def _members_page(
    request: Request,
    caller: MembersPage,
    status: int = 200,
    *,
    changed: str | None = None,
    refused: dict[str, str] | None = None,
) -> Response:
    """The members; `refused` holds a refused change's message, by the member it was about."""
    me = caller.user.id if caller.user else None
    # A refused change (the only owner, an owner's role by a non-owner) is refused by its
    # service before it writes anything, so the page reads on in the same transaction.
    listed = await orgs.list_members(caller.ctx, caller.org)
    return render(
        request, "admin/members.html", status, members=listed, roles=ROLES, changed=changed,
        me=me, refused=refused or {},
    )  # fmt: skip


@router.post("/o/{org}/admin/members/{user_id}/role")
async def change_role(request: Request, user_id: UUID, caller: MembersAdminPage) -> Response:
    form = await form_of(request)
    try:
        role = Role(form.get("role", ""))
    except ValueError:
        role = None
    if role is None:
        return see_other(request, f"/o/{caller.org.slug}/admin/members")
    try:
        member = await orgs.change_role(
            caller.ctx, caller.org, acting_role=caller.acting_role, user_id=user_id, role=role
        )
    except Problem as problem:  # the only owner, or an owner's role by a non-owner
        return await _members_page(
            request, caller, problem.status, refused=_refusal(problem, user_id)
        )
    return see_other(
        request, f"/o/{caller.org.slug}/admin/members?changed={member.membership.user_id}"
    )


@router.post("/o/{org}/admin/members/{user_id}/remove")
async def remove_member(request: Request, user_id: UUID, caller: MembersAdminPage) -> Response:
    try:
        await orgs.remove_member(
            caller.ctx, caller.org, acting_role=caller.acting_role, user_id=user_id
        )
    except Problem as problem:
        if problem.status == 404:
            raise
        return await _members_page(
            request, caller, problem.status, refused=_refusal(problem, user_id)
        )
    return see_other(request, f"/o/{caller.org.slug}/admin/members")


def _refusal(problem: Problem, user_id: UUID) -> dict[str, str]:
    """A refused change, said beside the member it was about: what the rule is and what to do."""
    words = f"{problem.title}. {problem.detail}" if problem.detail else problem.title
    return {str(user_id): sentence(words)}


async def _invitations_page(
    request: Request, caller: InvitationsPage, status: int = 200, **extra: object
) -> Response:
    pending = await invitations.list_pending(caller.ctx, caller.org)
    extra.setdefault("values", {})
    extra.setdefault("errors", {})
    return render(request, "admin/invitations.html", status, pending=pending, roles=ROLES, **extra)


@router.get("/o/{org}/admin/invitations")
async def invitation_list(request: Request, caller: InvitationsPage) -> Response:
    return await _invitations_page(request, caller)


@router.post("/o/{org}/admin/invitations")
async def invite(request: Request, caller: InvitationsPage) -> Response:
    """The link is shown on this page once; only its hash is kept."""
    form = await form_of(request)
    try:
        body = InvitationCreate.model_validate(
            {"email": form.get("email", ""), "role": form.get("role", "")}
        )
        ttl = timedelta(hours=request.app.state.settings.invitation_ttl_hours)
        made = await invitations.create(
            caller.ctx, caller.org, acting_role=caller.acting_role, email=body.email,
            role=body.role, ttl=ttl,
        )  # fmt: skip
    except ValidationError as exc:
        return await _invitations_page(request, caller, 422, values=form, errors=field_errors(exc))
    except Problem as problem:
        if problem.status >= 500:
            raise
        return await _invitations_page(
            request, caller, problem.status, values=form, errors=problem_errors(problem, "email")
        )
    link = f"{str(request.base_url).rstrip('/')}/invite#{made.token}"
    return await _invitations_page(request, caller, 201, link=link, invited=made.invitation)


@router.post("/o/{org}/admin/invitations/{invitation_id}/revoke")
async def revoke_invitation(
    request: Request, invitation_id: UUID, caller: InvitationsPage
) -> Response:
    await invitations.revoke(caller.ctx, caller.org, invitation_id)
    return see_other(request, f"/o/{caller.org.slug}/admin/invitations")


SCOPES = sorted(p.value for p in API_KEY_SCOPES)


async def _keys_page(
    request: Request, caller: ApiKeysPage, status: int = 200, **extra: object
) -> Response:
    keys = await api_keys.list_keys(caller.ctx, caller.org)
    extra.setdefault("values", {})
    extra.setdefault("errors", {})
    return render(request, "admin/api_keys.html", status, keys=keys, scopes=SCOPES, **extra)


@router.get("/o/{org}/admin/api-keys")
async def key_list(request: Request, caller: ApiKeysPage) -> Response:
    return await _keys_page(request, caller)


@router.post("/o/{org}/admin/api-keys")
async def create_key(request: Request, caller: ApiKeysPage) -> Response:
    """The secret is on this page once; only its hash is kept."""
    form = await form_lists(request)
    one = {k: v[-1] for k, v in form.items()}
    try:
        body = ApiKeyCreate.model_validate({
            "name": one.get("name", ""), "scopes": form.get("scopes", []),
            "expires_in_days": one.get("expires_in_days") or None,
        })  # fmt: skip
        refused = [s for s in body.scopes if s not in API_KEY_SCOPES]
        if refused:
            return await _keys_page(
                request, caller, 422, values=one,
                errors={"scopes": f"Keys cannot hold {', '.join(refused)}."},
            )  # fmt: skip
        expires = timedelta(days=body.expires_in_days) if body.expires_in_days else None
        made = await api_keys.create(
            caller.ctx, caller.org, name=body.name, scopes=body.scopes, expires_in=expires
        )
    except ValidationError as exc:
        return await _keys_page(request, caller, 422, values=one, errors=field_errors(exc))
    return await _keys_page(request, caller, 201, secret=made.secret, made=made.key)


@router.post("/o/{org}/admin/api-keys/{key_id}/revoke")
async def revoke_key(request: Request, key_id: UUID, caller: ApiKeysPage) -> Response:
    await api_keys.revoke(caller.ctx, caller.org, key_id)
    return see_other(request, f"/o/{caller.org.slug}/admin/api-keys")


@router.get("/o/{org}/admin/audit")
async def audit_log(
    request: Request,
    caller: AuditPage,
    action: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    target_type: Annotated[str | None, Query(max_length=32)] = None,
    since: Annotated[str | None, Query(max_length=32)] = None,
    until: Annotated[str | None, Query(max_length=32)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The organisation's audit log, newest first, each object named and its details in
    words; filtered by action (any start of its name: `member` finds `member.added`), who
    acted, what kind of thing, and when."""
    errors: dict[str, str] = {}
    times: dict[str, datetime | None] = {}
    for name, value in (("since", since), ("until", until)):
        try:
            times[name] = TypeAdapter(datetime).validate_python(value) if value else None
        except ValidationError:
            times[name], errors[name] = None, "Use a date such as 2026-11-23 or 2026-11-23T09:00."
    people = {m.user.id: m.user for m in await orgs.list_members(caller.ctx, caller.org)}
    actor_id = next((uid for uid, u in people.items() if u.email == (actor or "").strip()), None)
    if actor and actor_id is None:
        errors["actor"] = "No member has this email address."
    events = [] if errors else await audit.list_events(
        caller.ctx, org_id=caller.org.id, before_id=before, limit=AUDIT_PAGE,
        action=(action or "").strip() or None, action_prefix=True, actor_user_id=actor_id,
        target_type=target_type or None,
        since=times["since"], until=times["until"],
    )  # fmt: skip
    more = len(events) > AUDIT_PAGE
    events = list(events[:AUDIT_PAGE])
    next_url = None
    if more:
        next_url = str(request.url.include_query_params(before=events[-1].id))
    names = await audit_names.object_names(caller.ctx, caller.org.id, events)
    rows = [(e, audit_names.object_name(e, names), audit_names.details(e, names)) for e in events]
    return render(
        request, "admin/audit.html", rows=rows, people=people, names=names, next_url=next_url,
        errors=errors, values=dict(request.query_params),
    )  # fmt: skip
