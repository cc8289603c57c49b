"""Accounts: sign-up, sign-in with throttling, sessions. Never commits (the boundary does)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, text
from sqlalchemy.orm import InstrumentedAttribute

from studyhall.accounts import passwords
from studyhall.accounts.models import AuthSession, LoginFailure, User
from studyhall.audit import service as audit
from studyhall.kit.context import Context
from studyhall.kit.errors import Conflict, InvalidInput, TooManyRequests, Unauthenticated
from studyhall.kit.security import hash_token, keyed_digest, new_token

SESSION_TOKEN_PREFIX = "shs"  # noqa: S105 (a prefix, not a secret)
# A session's last-used time is refreshed at most this often, so reads stay reads.
TOUCH_INTERVAL = timedelta(minutes=5)


class EmailTaken(Conflict):
    slug = "email-taken"
    title = "An account with this email already exists"


class InvalidCredentials(Unauthenticated):
    slug = "invalid-credentials"
    title = "Email or password is wrong"
    keep_writes = True  # the failure record and its audit entry must survive the refusal


class LoginThrottled(TooManyRequests):
    slug = "login-throttled"
    title = "Too many failed sign-ins; wait before trying again"


class RegistrationThrottled(TooManyRequests):
    slug = "registration-throttled"
    title = "Too many sign-ups; wait before trying again"


@dataclass(frozen=True)
class ThrottlePolicy:
    window: timedelta
    max_per_account: int
    max_per_address: int


@dataclass(frozen=True)
class SignIn:
    user: User
    session: AuthSession
    token: str  # shown to the client once, never stored


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password_policy(password: str, *, email: str, field: str = "body.password") -> None:
    if violations := passwords.policy_violations(password, email=email):
        raise InvalidInput(
            "The password does not meet the policy.",
            errors=[(field, f"Password {v}.") for v in violations],
        )


async def get_user_by_email(ctx: Context, email: str) -> User | None:
    return await ctx.session.scalar(select(User).where(User.email == normalize_email(email)))


async def display_names(ctx: Context, user_ids: Iterable[UUID | None]) -> dict[UUID, str]:
    """Who these people are, as pages name them (accounts are site-wide, not an org's)."""
    wanted = {i for i in user_ids if i is not None}
    if not wanted:
        return {}
    rows = await ctx.session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


async def register(
    ctx: Context, *, email: str, password: str, display_name: str, superuser: bool = False
) -> User:
    email = normalize_email(email)
    check_password_policy(password, email=email)
    # Hash before the first query: on SQLite a write request holds the write lock from its
    # first statement, and argon2 should not run inside it.
    password_hash = await passwords.hash_password_async(password)
    if await get_user_by_email(ctx, email) is not None:
        raise EmailTaken(errors=[("body.email", "is already registered")])
    now = ctx.now()
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=password_hash,
        is_superuser=superuser,
        created_at=now,
        updated_at=now,
    )
    ctx.session.add(user)
    await ctx.session.flush()
    audit.record(
        ctx,
        "user.registered",
        target_type="user",
        target_id=user.id,
        actor_user_id=user.id,
        summary={"superuser": superuser} if superuser else {},
    )
    return user


async def _retry_after(
    ctx: Context, column: InstrumentedAttribute[Any], value: str, limit: int, window: timedelta
) -> int | None:
    """Seconds until this key may try again, or None when it is under its limit."""
    since = ctx.now() - window
    times = (
        await ctx.session.scalars(
            select(LoginFailure.created_at)
            .where(column == value, LoginFailure.created_at > since)
            .order_by(LoginFailure.created_at.desc())
            .limit(limit)
        )
    ).all()
    if len(times) < limit:
        return None
    # Allowed again once the oldest of the last `limit` failures leaves the window.
    oldest: datetime = times[-1]
    return max(1, int((oldest + window - ctx.now()).total_seconds()) + 1)


async def _refuse_if_throttled(ctx: Context, account_key: str, policy: ThrottlePolicy) -> None:
    waits = [
        await _retry_after(
            ctx, LoginFailure.account_key, account_key, policy.max_per_account, policy.window
        ),
    ]
    if ctx.client_ip is not None:
        waits.append(
            await _retry_after(
                ctx, LoginFailure.client_ip, ctx.client_ip, policy.max_per_address, policy.window
            )
        )
    if blocked := [w for w in waits if w is not None]:
        wait = max(blocked)
        raise LoginThrottled(f"Try again in {wait} seconds.", retry_after=wait)


@dataclass(frozen=True)
class Credentials:
    """What checking an email and password found, before anything is written."""

    account_key: str
    user: User | None
    valid: bool
    rehash: str | None = None  # a fresh hash when the stored one uses old parameters


async def check_credentials(
    ctx: Context, *, email: str, password: str, policy: ThrottlePolicy
) -> Credentials:
    """Throttle, then verify (argon2, off the event loop). Reads only: the caller writes the
    outcome with `record_login` in a short write transaction of its own."""
    account_key = keyed_digest(ctx.secret_key, normalize_email(email))
    await _refuse_if_throttled(ctx, account_key, policy)
    user = await get_user_by_email(ctx, email)
    if user is None:
        # As slow as a real check, so response times do not tell which accounts exist.
        await passwords.verify_password_async(passwords.dummy_hash(), password)
        return Credentials(account_key, None, valid=False)
    valid = await passwords.verify_password_async(user.password_hash, password)
    rehash = None
    if valid and passwords.needs_rehash(user.password_hash):
        rehash = await passwords.hash_password_async(password)
    return Credentials(account_key, user, valid, rehash)


async def record_login(
    ctx: Context, found: Credentials, *, policy: ThrottlePolicy, session_ttl: timedelta
) -> SignIn:
    """Write the outcome: a failure record and its audit entry (then raise 401), or a session.

    The throttle is asked again here, inside the write: a burst of parallel guesses all pass
    the first check before any of their failures is written, and must not all get a verdict.
    """
    if ctx.session.get_bind().dialect.name == "postgresql":
        # SQLite runs one writer at a time; PostgreSQL needs telling that these writes queue.
        await ctx.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": found.account_key},
        )
    await _refuse_if_throttled(ctx, found.account_key, policy)
    user = found.user
    if user is None or not found.valid:
        ctx.session.add(
            LoginFailure(account_key=found.account_key, client_ip=ctx.client_ip,
                         created_at=ctx.now())
        )  # fmt: skip
        audit.record(
            ctx,
            "auth.login_failed",
            target_type="user" if user else None,
            target_id=user.id if user else None,
            summary={"reason": "wrong password" if user else "unknown account"},
        )
        raise InvalidCredentials()
    user = await ctx.session.merge(user)  # loaded by the read transaction
    if found.rehash:
        user.password_hash = found.rehash
    # A success forgives the account's earlier failures (not the address's).
    await ctx.session.execute(
        delete(LoginFailure).where(LoginFailure.account_key == found.account_key)
    )
    token = new_token(SESSION_TOKEN_PREFIX)
    now = ctx.now()
    auth_session = AuthSession(
        user_id=user.id,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + session_ttl,
        last_used_at=now,
    )
    ctx.session.add(auth_session)
    await ctx.session.flush()
    audit.record(
        ctx,
        "auth.login",
        target_type="user",
        target_id=user.id,
        actor_user_id=user.id,
        summary={"session": str(auth_session.id)},
    )
    return SignIn(user=user, session=auth_session, token=token)


async def logout(ctx: Context, auth_session: AuthSession) -> None:
    await ctx.session.execute(delete(AuthSession).where(AuthSession.id == auth_session.id))
    audit.record(
        ctx,
        "auth.logout",
        target_type="user",
        target_id=auth_session.user_id,
        summary={"session": str(auth_session.id)},
    )


async def session_for_token(ctx: Context, token: str) -> tuple[AuthSession, User] | None:
    """The live session and user this bearer token belongs to, if any."""
    row = (
        await ctx.session.execute(
            select(AuthSession, User)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.token_hash == hash_token(token), AuthSession.expires_at > ctx.now())
        )
    ).first()
    return (row[0], row[1]) if row else None


async def throttle_registration(ctx: Context, *, email: str, policy: ThrottlePolicy) -> None:
    """Refuse (429) a sign-up that names an address asked about too often, or comes from a
    client address that asked too often, within the window; else count this attempt.

    Registration cannot tell a taken address from a free one in its answer, but without an
    email to confirm, whoever signs in afterwards with the password they chose learns it; the
    throttle makes that slow. Attempts are kept in the sign-in throttle's table, under keys
    of their own (keyed hashes, so neither address is stored), and pruned with it.
    """
    named = keyed_digest(ctx.secret_key, "register\0" + normalize_email(email))
    marks = [(named, policy.max_per_account)]
    if ctx.client_ip is not None:
        key = keyed_digest(ctx.secret_key, "register-from\0" + ctx.client_ip)
        marks.append((key, policy.max_per_address))
    waits = [
        await _retry_after(ctx, LoginFailure.account_key, key, limit, policy.window)
        for key, limit in marks
    ]
    if blocked := [w for w in waits if w is not None]:
        wait = max(blocked)
        raise RegistrationThrottled(f"Try again in {wait} seconds.", retry_after=wait)
    for key, _ in marks:
        ctx.session.add(LoginFailure(account_key=key, client_ip=None, created_at=ctx.now()))
