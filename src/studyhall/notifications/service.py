"""Calendar feeds and reminder preferences (service): make, rotate and find a learner's feed
address; read and change their reminder choices. Never commits; every change is audited."""

from __future__ import annotations

import hmac
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from uuid import UUID

from studyhall.audit import service as audit
from studyhall.kit.context import Context
from studyhall.kit.errors import InvalidInput
from studyhall.kit.sealing import Unreadable
from studyhall.kit.security import hash_token, new_token
from studyhall.kit.tenancy import across_orgs, scoped
from studyhall.notifications.models import CalendarFeed, ReminderPreference
from studyhall.orgs import service as orgs

FEED_TOKEN_PREFIX = "shc"  # noqa: S105 (a prefix, not a secret); "Studyhall calendar", as sessions are `shs_` and keys `shk_`
FEED_PATH = "/calendar/{token}.ics"
DEFAULT_HOUR = 7


@dataclass(frozen=True)
class FeedAddress:
    """A feed and its token, read back from the sealed copy (or just made)."""

    feed: CalendarFeed
    token: str | None  # None when the secret key that sealed it is gone (replace it to see)

    @property
    def path(self) -> str | None:
        return feed_path(self.token) if self.token else None


def feed_path(token: str) -> str:
    """The feed's path on this server; calendar apps need the absolute URL (`base_url`)."""
    return FEED_PATH.format(token=token)


async def _feed_row(ctx: Context, org_id: UUID, user_id: UUID) -> CalendarFeed | None:
    query = scoped(CalendarFeed, org_id).where(CalendarFeed.user_id == user_id)
    found: CalendarFeed | None = await ctx.session.scalar(query)
    return found


async def feed_of(ctx: Context, org_id: UUID, user_id: UUID) -> FeedAddress | None:
    """The learner's feed address in this organisation, or None before they asked for one."""
    feed = await _feed_row(ctx, org_id, user_id)
    if feed is None:
        return None
    try:
        return FeedAddress(feed, ctx.sealer().open(feed.sealed_token))
    except Unreadable:  # sealed under a secret key since dropped: the address still works
        return FeedAddress(feed, None)


def _new_token(ctx: Context, feed: CalendarFeed) -> str:
    token = new_token(FEED_TOKEN_PREFIX)
    feed.token_hash = hash_token(token)
    feed.sealed_token = ctx.sealer().seal(token)
    feed.rotated_at = ctx.now()
    return token


async def create_feed(ctx: Context, org_id: UUID, user_id: UUID) -> FeedAddress:
    """The learner's feed address, made now if they had none (asking twice gives one)."""
    existing = await feed_of(ctx, org_id, user_id)
    if existing is not None:
        return existing
    feed = CalendarFeed(org_id=org_id, user_id=user_id, created_at=ctx.now())
    token = _new_token(ctx, feed)
    ctx.session.add(feed)
    await ctx.session.flush()
    audit.record(
        ctx, "calendar_feed.created", org_id=org_id, target_type="calendar_feed", target_id=feed.id
    )
    return FeedAddress(feed, token)


async def rotate_feed(ctx: Context, org_id: UUID, user_id: UUID) -> FeedAddress:
    """A new secret address; the old one answers 404 from the moment this commits."""
    feed = await _feed_row(ctx, org_id, user_id)
    if feed is None:
        return await create_feed(ctx, org_id, user_id)
    token = _new_token(ctx, feed)
    audit.record(
        ctx, "calendar_feed.rotated", org_id=org_id, target_type="calendar_feed", target_id=feed.id
    )
    return FeedAddress(feed, token)


async def find_feed(ctx: Context, token: str) -> CalendarFeed | None:
    """The feed this token opens, or None: unknown, rotated away, or its learner is no longer
    a member of the organisation.

    The token is looked up by its SHA-256, and the stored hash compared again in constant
    time, so neither the index nor the comparison tells an attacker how close a guess was."""
    if not token.startswith(FEED_TOKEN_PREFIX + "_") or len(token) > 100:
        return None
    wanted = hash_token(token)
    query = across_orgs(CalendarFeed, reason="the token names the feed, and with it the org")
    feed: CalendarFeed | None = await ctx.session.scalar(
        query.where(CalendarFeed.token_hash == wanted)
    )
    if feed is None or not hmac.compare_digest(feed.token_hash, wanted):
        return None
    if await orgs.membership_of(ctx, feed.org_id, feed.user_id) is None:
        return None
    return feed


# --- reminder preferences ---------------------------------------------------------------


@cache
def known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_zone(name: str, field: str = "body.time_zone") -> zoneinfo.ZoneInfo:
    """The IANA zone of this name, or a 422 naming the field."""
    if name not in known_zones():
        raise InvalidInput(
            f"{name!r} is not a time zone we know (an IANA name such as Europe/Lisbon).",
            errors=[(field, "not a time zone we know; write one such as Europe/Lisbon")],
        )
    return zoneinfo.ZoneInfo(name)


async def preferences(ctx: Context, org_id: UUID, user_id: UUID) -> ReminderPreference:
    """The learner's choices; unsaved defaults (everything off) before they chose."""
    query = scoped(ReminderPreference, org_id).where(ReminderPreference.user_id == user_id)
    found: ReminderPreference | None = await ctx.session.scalar(query)
    if found is not None:
        return found
    return ReminderPreference(
        org_id=org_id, user_id=user_id, daily_agenda=False, behind_warning=False,
        agenda_hour=DEFAULT_HOUR, time_zone="UTC",
    )  # fmt: skip


async def update_preferences(
    ctx: Context,
    org_id: UUID,
    user_id: UUID,
    *,
    daily_agenda: bool,
    behind_warning: bool,
    agenda_hour: int,
    time_zone: str,
) -> ReminderPreference:
    """Save the learner's choices (checked first, so a refusal writes nothing)."""
    if not 0 <= agenda_hour <= 23:
        raise InvalidInput(
            "The hour must be a whole hour from 0 to 23.",
            errors=[("body.agenda_hour", "must be from 0 to 23")],
        )
    check_zone(time_zone)
    prefs = await preferences(ctx, org_id, user_id)
    now = ctx.now()
    wanted = {
        "daily_agenda": daily_agenda,
        "behind_warning": behind_warning,
        "agenda_hour": agenda_hour,
        "time_zone": time_zone,
    }
    changed = {k: [getattr(prefs, k), v] for k, v in wanted.items() if getattr(prefs, k) != v}
    if prefs.id is None:
        prefs.created_at = now
        ctx.session.add(prefs)
    for name, value in wanted.items():
        setattr(prefs, name, value)
    prefs.updated_at = now
    await ctx.session.flush()
    if changed:
        audit.record(
            ctx, "reminders.updated", org_id=org_id, target_type="reminder_preferences",
            target_id=prefs.id, summary=changed,
        )  # fmt: skip
    return prefs


def local_now(now: datetime, time_zone: str) -> datetime:
    """`now` on the learner's wall clock (UTC for a zone no longer known)."""
    zone = zoneinfo.ZoneInfo(time_zone) if time_zone in known_zones() else zoneinfo.ZoneInfo("UTC")
    return now.astimezone(zone)
