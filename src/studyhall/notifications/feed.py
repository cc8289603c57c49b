"""A learner's plan as calendar events: the loader between `plan_view` and `ical`."""

from __future__ import annotations

from uuid import UUID
from zoneinfo import ZoneInfo

from studyhall.kit.context import Context
from studyhall.notifications import ical, plan_view
from studyhall.notifications.service import preferences
from studyhall.orgs.models import Org

UID_DOMAIN = "studyhall"


def block_uid(block_id: UUID) -> str:
    """Stable for the life of the block: an app that fetches again updates the event."""
    return f"block-{block_id}@{UID_DOMAIN}"


async def feed_zone(ctx: Context, org_id: UUID, user_id: UUID) -> ZoneInfo | None:
    """The zone events are written in: the study profile's, else the reminders' (when one
    was chosen), else None for UTC."""
    zone = await plan_view.learner_zone(ctx, org_id, user_id)
    if zone is not None:
        return zone
    prefs = await preferences(ctx, org_id, user_id)
    return ZoneInfo(prefs.time_zone) if prefs.time_zone != "UTC" else None


async def calendar_of(ctx: Context, org: Org, user_id: UUID, base_url: str) -> bytes:
    """The learner's whole plan as one VCALENDAR."""
    zone = await feed_zone(ctx, org.id, user_id)
    events = [
        ical.FeedEvent(
            uid=block_uid(block.id),
            summary=block.title,
            start=block.start,
            minutes=block.minutes,
            description="\n".join(filter(None, [block.notes, f"Start: {base_url}{block.path}"])),
            url=base_url + block.path,
        )
        for block in await plan_view.blocks(ctx, org.id, user_id)
    ]
    return ical.render_feed(events, name=f"Study plan · {org.name}", stamp=ctx.now(), zone=zone)
