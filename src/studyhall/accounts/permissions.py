"""Who is calling: the access rules `Public` and `SignedIn` and the bearer token they read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from studyhall.accounts import service
from studyhall.accounts.models import AuthSession, User
from studyhall.kit.access import AccessRule
from studyhall.kit.context import Context
from studyhall.kit.errors import Unauthenticated
from studyhall.kit.transaction import bookkeeping_write, lookup_context, request_context

SESSION_COOKIE = "studyhall_session"


def bearer_token(request: Request) -> str | None:
    """The token of `Authorization: Bearer …`, else of the session cookie the web app holds."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None
    return request.cookies.get(SESSION_COOKIE) or None


@dataclass(frozen=True)
class Caller:
    """A signed-in person, with the unit of work already acting as them."""

    ctx: Context
    user: User
    session: AuthSession


def session_token(request: Request) -> str | None:
    """The caller's token when it is a person's session token (not an API key)."""
    token = bearer_token(request)
    if not token or not token.startswith(service.SESSION_TOKEN_PREFIX + "_"):
        return None
    return token


async def resolve_user(request: Request, ctx: Context) -> Caller | None:
    token = session_token(request)
    if token is None:
        return None
    found = await service.session_for_token(lookup_context(request, ctx), token)
    if found is None:
        return None
    return await signed_in(request, ctx, *found)


async def signed_in(
    request: Request, ctx: Context, auth_session: AuthSession, user: User
) -> Caller:
    """The caller for a live session found by the token: the unit of work now acts as them."""
    if ctx.now() - auth_session.last_used_at > service.TOUCH_INTERVAL:
        await bookkeeping_write(request, auth_session, last_used_at=ctx.now())
    ctx = ctx.acting_as(user_id=user.id)
    request.state.context = ctx
    return Caller(ctx=ctx, user=user, session=auth_session)


class Public(AccessRule):
    """Anyone may call, signed in or not."""

    def describe(self) -> str:
        return "public"

    async def __call__(self, ctx: Annotated[Context, Depends(request_context)]) -> Context:
        return ctx


class SignedInRule(AccessRule):
    """A person with a live session; API keys are for organisation routes only."""

    def describe(self) -> str:
        return "signed-in"

    async def __call__(
        self, request: Request, ctx: Annotated[Context, Depends(request_context)]
    ) -> Caller:
        caller = await resolve_user(request, ctx)
        if caller is None:
            raise Unauthenticated("Sign in, or send a valid `Authorization: Bearer` token.")
        return caller


PublicContext = Annotated[Context, Depends(Public())]
SignedIn = Annotated[Caller, Depends(SignedInRule())]
