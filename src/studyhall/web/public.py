"""Public pages: what Studyhall is, sign up, sign in, sign out, accepting an invitation."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from studyhall.accounts import passwords
from studyhall.accounts import service as accounts
from studyhall.accounts.permissions import SESSION_COOKIE
from studyhall.accounts.schemas import RegisterRequest
from studyhall.config import Settings
from studyhall.kit.errors import Problem
from studyhall.kit.security import keyed_digest
from studyhall.kit.transaction import write_unit, writes_apart
from studyhall.orgs import invitations
from studyhall.orgs import service as orgs
from studyhall.orgs.roles import Role
from studyhall.orgs.schemas import OrgCreate
from studyhall.web.access import AnyPage, PageRoute, SignedInPage, see_other
from studyhall.web.forms import field_errors, form_of, problem_errors
from studyhall.web.rendering import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only our own paths: `next=https://elsewhere` must not send a person away."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/dashboard"


@router.get("/")
async def landing(request: Request, ctx: AnyPage) -> Response:
    return render(request, "landing.html")


@router.get("/sign-up")
async def sign_up_form(
    request: Request,
    ctx: AnyPage,
    next: Annotated[str | None, Query(max_length=500)] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
) -> Response:
    """The sign-up form; from an invitation, its address is filled in (`email`)."""
    return render(
        request,
        "sign_up.html",
        values={"email": email or ""},
        errors={},
        next=_safe_next(next),
        rules=password_rules("", ""),
    )


@router.post("/sign-up")
async def sign_up(request: Request, ctx: AnyPage) -> Response:
    form = await form_of(request)
    values = {k: form.get(k, "") for k in ("email", "display_name")}
    target = _safe_next(form.get("next"))
    settings = request.app.state.settings
    user = None
    try:
        body = RegisterRequest(
            email=form.get("email", ""),
            password=form.get("password", ""),
            display_name=form.get("display_name", "").strip(),
        )
        # With no email to confirm an address, the form says when one is taken (the person
        # should sign in instead); asking about addresses is throttled as the API's sign-up is.
        await accounts.throttle_registration(
            ctx, email=body.email, policy=_registration_policy(settings)
        )
        user = await accounts.register(
            ctx, email=body.email, password=body.password, display_name=body.display_name
        )
        # Signed in at once: the password was just chosen, asking for it again proves nothing.
        found = accounts.Credentials(keyed_digest(ctx.secret_key, user.email), user, valid=True)
        signed_in = await accounts.record_login(
            ctx, found, policy=_login_policy(settings), session_ttl=_session_ttl(settings)
        )
    except ValidationError as exc:
        return render(
            request,
            "sign_up.html",
            422,
            values=values,
            errors=field_errors(exc),
            next=target,
            rules=password_rules(form.get("password", ""), form.get("email", "")),
        )
    except Problem as problem:
        if user is not None:
            # An account made but not signed in is undone. Refusals before it keep the
            # request's throttle marks, which the transaction then commits.
            await ctx.session.rollback()
        return render(
            request,
            "sign_up.html",
            problem.status,
            values=values,
            errors=problem_errors(problem, default="email"),
            next=target,
            rules=password_rules(form.get("password", ""), form.get("email", "")),
        )
    response = see_other(request, target)
    _set_session_cookie(response, signed_in.token, settings)
    return response


def _registration_policy(settings: Settings) -> accounts.ThrottlePolicy:
    return accounts.ThrottlePolicy(
        window=timedelta(seconds=settings.login_window_seconds),
        max_per_account=settings.registration_max_per_email,
        max_per_address=settings.registration_max_per_address,
    )


def _login_policy(settings: Settings) -> accounts.ThrottlePolicy:
    return accounts.ThrottlePolicy(
        window=timedelta(seconds=settings.login_window_seconds),
        max_per_account=settings.login_max_failures_per_account,
        max_per_address=settings.login_max_failures_per_address,
    )


def _session_ttl(settings: Settings) -> timedelta:
    return timedelta(hours=settings.session_ttl_hours)


def _set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(_session_ttl(settings).total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.is_production,
        path="/",
    )


def password_rules(password: str, email: str) -> list[tuple[str, bool]]:
    """The policy as a checklist: each rule and whether this password meets it."""
    violations = " ".join(passwords.policy_violations(password, email=email))
    return [
        (f"At least {passwords.MIN_LENGTH} characters", "at least" not in violations),
        ("Not one of the most common passwords", bool(password) and "common" not in violations),
        ("Not your email address", bool(password) and "email" not in violations),
    ]


@router.post("/sign-up/password-rules")
async def check_password_rules(request: Request, ctx: AnyPage) -> Response:
    """The checklist again for what is typed so far (HTMX, as the person types)."""
    form = await form_of(request)
    rules = password_rules(form.get("password", "")[:1024], form.get("email", "")[:320])
    return render(request, "_password_rules.html", rules=rules)


@router.get("/sign-in")
async def sign_in_form(
    request: Request,
    ctx: AnyPage,
    next: Annotated[str | None, Query(max_length=500)] = None,
    created: bool = False,
    email: Annotated[str | None, Query(max_length=320)] = None,
) -> Response:
    return render(
        request, "sign_in.html", values={"email": email or ""}, error=None,
        next=_safe_next(next), created=created,
    )  # fmt: skip


@router.post("/sign-in")
@writes_apart
async def sign_in(request: Request, ctx: AnyPage) -> Response:
    form = await form_of(request)
    settings = request.app.state.settings
    target = _safe_next(form.get("next"))
    policy = _login_policy(settings)
    ttl = _session_ttl(settings)
    email = form.get("email", "")[:320]
    try:
        found = await accounts.check_credentials(
            ctx, email=email, password=form.get("password", "")[:1024], policy=policy
        )
        async with write_unit(request, ctx) as writing:
            try:
                signed_in = await accounts.record_login(
                    writing, found, policy=policy, session_ttl=ttl
                )
            except accounts.InvalidCredentials:
                await writing.session.commit()  # the failure is a fact to keep
                raise
    except Problem as problem:
        return render(
            request,
            "sign_in.html",
            problem.status,
            values={"email": email},
            error=problem.detail or problem.title,
            next=target,
            created=False,
        )
    response = see_other(request, target)
    _set_session_cookie(response, signed_in.token, settings)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, caller: SignedInPage) -> Response:
    await accounts.logout(caller.ctx, caller.session)
    response = see_other(request, "/")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get("/invitations/accept")
async def invitation(
    request: Request, ctx: AnyPage, token: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """What the invitation offers; accepting needs signing in (or up) as the invited address."""
    try:
        found, org = await invitations.find_usable(ctx, token)
    except Problem as problem:
        return render(request, "invitation.html", problem.status, problem=problem)
    return render(
        request,
        "invitation.html",
        invitation=found,
        invited_org=org,
        role=Role(found.role),
        token=token,
        back=quote(f"/invitations/accept?token={token}", safe=""),
    )


@router.post("/invitations/accept")
async def accept_invitation(request: Request, caller: SignedInPage) -> Response:
    form = await form_of(request)
    _invitation, org = await invitations.accept(caller.ctx, form.get("token", ""), caller.user)
    return see_other(request, f"/o/{org.slug}")


def _may_create_org(request: Request, caller: SignedInPage) -> bool:
    """As the API: anyone signed in, unless the operator keeps it to site administrators."""
    return request.app.state.settings.org_creation == "anyone" or caller.user.is_superuser


async def _choose_org(
    request: Request, caller: SignedInPage, status: int = 200, **extra: object
) -> Response:
    # Read before any rollback (a refused org) expires the user row.
    user_id, may_create = caller.user.id, _may_create_org(request, caller)
    extra.setdefault("values", {})
    extra.setdefault("errors", {})
    if status >= 400:
        await caller.ctx.session.rollback()  # a flush may have failed on the unique slug
    memberships = await orgs.memberships_of_user(caller.ctx, user_id)
    return render(
        request, "choose_org.html", status, memberships=memberships, may_create=may_create,
        **extra,
    )  # fmt: skip


@router.get("/dashboard")
async def dashboard(request: Request, caller: SignedInPage) -> Response:
    """Where a person lands after signing in: straight into their organisation if one."""
    memberships = await orgs.memberships_of_user(caller.ctx, caller.user.id)
    if len(memberships) == 1:
        return see_other(request, f"/o/{memberships[0][0].slug}")
    return await _choose_org(request, caller)


@router.post("/orgs/new")
async def create_org(request: Request, caller: SignedInPage) -> Response:
    """A new organisation, its creator the owner (the first person on a fresh server starts
    here); then its dashboard, which points to the first track and invitations."""
    if not _may_create_org(request, caller):
        raise orgs.OrgCreationRestricted()
    form = await form_of(request)
    name = form.get("name", "")
    # Left empty (or without JavaScript, which fills it in as the name is typed): from the name.
    values = {"name": name, "slug": form.get("slug", "").strip().lower() or slug_from(name)}
    try:
        body = OrgCreate.model_validate(values)
        org = await orgs.create_org(caller.ctx, owner=caller.user, slug=body.slug, name=body.name)
    except ValidationError as exc:
        errors = field_errors(exc)
        if "slug" in errors:
            errors["slug"] = "Use lower-case letters, digits and dashes (not at either end)."
        return await _choose_org(request, caller, 422, values=values, errors=errors)
    except orgs.SlugTaken as problem:
        return await _choose_org(
            request, caller, 409, values=values, errors=problem_errors(problem, "slug")
        )
    return see_other(request, f"/o/{org.slug}")


def slug_from(name: str) -> str:
    """The short name an organisation's name suggests: `Élan Vital School` -> `elan-vital-school`
    (accents dropped, anything but letters and digits a dash; app.js does the same as you
    type). Empty when no Latin letter or digit is left: then the person writes one."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:64].rstrip("-")


@router.get("/invite")
async def invite_link(request: Request, ctx: AnyPage) -> Response:
    """Invitation links carry the token in the fragment (never sent to servers or logs); a
    script reads it here and opens the invitation."""
    return render(request, "invite.html")
