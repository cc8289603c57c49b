"""HTTP for accounts: sign-up, sign-in, sign-out and who am I."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from fastapi import APIRouter, Request, Response, status

from studyhall.accounts import service
from studyhall.accounts.permissions import SESSION_COOKIE, PublicContext, SignedIn
from studyhall.accounts.schemas import (
    LoginOut,
    LoginRequest,
    MembershipSummary,
    MeOut,
    RegisterAccepted,
    RegisterRequest,
    UserOut,
)
from studyhall.kit.errors import InvalidInput, Unauthenticated, responses
from studyhall.kit.transaction import TransactionalRoute, write_unit, writes_apart
from studyhall.orgs import service as orgs

router = APIRouter(prefix="/api/v1", tags=["accounts"], route_class=TransactionalRoute)


REGISTERED = (
    "If this address had no account, it has one now: sign in with it and your password. "
    "If it had one, nothing changed."
)


@router.post(
    "/auth/register",
    summary="Create an account",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RegisterAccepted,
    responses=responses(InvalidInput, service.RegistrationThrottled),
)
async def register(body: RegisterRequest, request: Request, ctx: PublicContext) -> RegisterAccepted:
    """Create a person's account. The password must be at least 10 characters, not one of the
    most common passwords and not the email address.

    The answer is the same whether or not the address already had an account, so it cannot
    be used to find out who has one; attempts are throttled per address named and per
    client address (429 `registration-throttled` with `Retry-After`)."""
    settings = request.app.state.settings
    policy = service.ThrottlePolicy(
        window=timedelta(seconds=settings.login_window_seconds),
        max_per_account=settings.registration_max_per_email,
        max_per_address=settings.registration_max_per_address,
    )
    await service.throttle_registration(ctx, email=body.email, policy=policy)
    # A taken address still costs the password hash (register hashes first), so the time
    # taken does not tell either.
    with contextlib.suppress(service.EmailTaken):
        await service.register(
            ctx, email=body.email, password=body.password, display_name=body.display_name
        )
    return RegisterAccepted(email=service.normalize_email(body.email), detail=REGISTERED)


@router.post(
    "/auth/login",
    summary="Sign in",
    response_model=LoginOut,
    responses=responses(InvalidInput, service.InvalidCredentials, service.LoginThrottled),
)
@writes_apart
async def login(
    body: LoginRequest, request: Request, response: Response, ctx: PublicContext
) -> LoginOut:
    """Exchange email and password for a bearer token (also set as an HttpOnly session cookie
    for the web app). Repeated failures for one account or from one address are refused with
    429 and `Retry-After` for a while."""
    settings = request.app.state.settings
    policy = service.ThrottlePolicy(
        window=timedelta(seconds=settings.login_window_seconds),
        max_per_account=settings.login_max_failures_per_account,
        max_per_address=settings.login_max_failures_per_address,
    )
    ttl = timedelta(hours=settings.session_ttl_hours)
    found = await service.check_credentials(
        ctx, email=body.email, password=body.password, policy=policy
    )
    async with write_unit(request, ctx) as writing:
        try:
            signed_in = await service.record_login(writing, found, policy=policy, session_ttl=ttl)
        except service.InvalidCredentials:
            await writing.session.commit()  # the failure is a fact to keep; then refuse
            raise
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.is_production,
        path="/",
    )
    return LoginOut(
        token=signed_in.token,
        expires_at=signed_in.session.expires_at,
        user=UserOut.model_validate(signed_in.user),
    )


@router.post(
    "/auth/logout",
    summary="Sign out",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(Unauthenticated),
)
async def logout(caller: SignedIn) -> Response:
    """End this session: its token stops working at once and the cookie is cleared."""
    await service.logout(caller.ctx, caller.session)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get("/me", summary="Who am I", response_model=MeOut, responses=responses(Unauthenticated))
async def me(caller: SignedIn) -> MeOut:
    """The signed-in person and the organisations they belong to, with their role in each."""
    memberships = await orgs.memberships_of_user(caller.ctx, caller.user.id)
    return MeOut(
        id=caller.user.id,
        email=caller.user.email,
        display_name=caller.user.display_name,
        created_at=caller.user.created_at,
        site_admin=caller.user.is_superuser,
        memberships=[
            MembershipSummary(org_slug=o.slug, org_name=o.name, role=m.role) for o, m in memberships
        ],
    )
