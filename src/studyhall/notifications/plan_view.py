"""What reminders and the feed need from a learner's plan, as plain data.

The one place this domain reads the planning domain: the feed, the agenda email and the
behind warning all take these values, so the rules of "today's blocks" and "behind" stay in
`planning` and are not written twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from studyhall.kit.context import Context

TODAY_PATH = "/o/{org}"  # the learner's daily page


@dataclass(frozen=True)
class PlannedBlock:
    """One block of the plan where the learner can see it: when, what, and where to start."""

    id: UUID
    kind: str  # study | practice | review | simulation | essay
    title: str  # "Study: Joins and aggregations"
    start: datetime  # UTC
    minutes: int
    path: str  # the block's start page on this server
    notes: str = ""


@dataclass(frozen=True)
class Standing:
    """How the learner stands against their plan today."""

    behind_minutes: int  # 0 when on track
    goal_names: tuple[str, ...] = ()


async def learner_zone(ctx: Context, org_id: UUID, user_id: UUID) -> ZoneInfo | None:
    """The time zone of the learner's study profile, or None without one."""
    return None


async def blocks(
    ctx: Context,
    org_id: UUID,
    user_id: UUID,
    *,
    first: date | None = None,
    last: date | None = None,
) -> list[PlannedBlock]:
    """The learner's planned blocks from `first` to `last` (local days), in order."""
    return []


async def standing(ctx: Context, org_id: UUID, user_id: UUID, today: date) -> Standing | None:
    """Progress against the plan, or None when the learner has no plan."""
    return None


def today_path(org_slug: str) -> str:
    return TODAY_PATH.format(org=org_slug)
