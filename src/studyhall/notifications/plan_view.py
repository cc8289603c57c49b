"""What reminders and the feed need from a learner's plan, as plain data.

The one place this domain reads the planning domain: the feed, the agenda email and the
behind warning all take these values, so the rules of "today's blocks" and "behind" stay in
`planning` (its service and `progress`) and are not written twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from studyhall.exams import tracks
from studyhall.kit.context import Context
from studyhall.orgs.models import Org
from studyhall.planning import progress
from studyhall.planning import service as planning
from studyhall.planning.scheduler import BlockKind

# The learner's Today page, where each block has its start button; a block's link is this
# page at the block (`#block-<id>`).
TODAY_PATH = "/o/{org}/plan"
# Blocks the calendar no longer shows: the learner let them go, and a re-plan moved the work.
GONE = frozenset({"skipped", "missed"})


@dataclass(frozen=True)
class PlannedBlock:
    """One block of the plan where the learner can see it: when, what, and where to start."""

    id: UUID
    kind: str  # study | practice | review | simulation | essay
    title: str  # "Study: Joins and aggregations"
    start: datetime  # UTC
    minutes: int
    path: str  # the block's place on the learner's daily page
    status: str = "planned"
    notes: str = ""


@dataclass(frozen=True)
class Standing:
    """How the learner stands against their plan today."""

    behind_minutes: int
    behind: bool  # planning's own verdict (it allows a block that ran a little short)
    goal_names: tuple[str, ...] = ()


def today_path(org_slug: str) -> str:
    return TODAY_PATH.format(org=org_slug)


def block_path(org_slug: str, block_id: UUID) -> str:
    return f"{today_path(org_slug)}#block-{block_id}"


async def _org(ctx: Context, org_id: UUID) -> Org | None:
    return await ctx.session.get(Org, org_id)


async def learner_zone(ctx: Context, org_id: UUID, user_id: UUID) -> ZoneInfo | None:
    """The time zone of the learner's study profile, or None without one."""
    org = await _org(ctx, org_id)
    profile = await planning.get_profile(ctx, org, user_id) if org else None
    return ZoneInfo(profile.time_zone) if profile is not None else None


async def _names(ctx: Context, org: Org, user_id: UUID) -> tuple[dict[UUID, str], dict[UUID, str]]:
    """Topic names, and each goal's track name, for the learner's goals."""
    topics: dict[UUID, str] = {}
    goals: dict[UUID, str] = {}
    for goal in await planning.list_goals(ctx, org, user_id):
        syllabus = await tracks.get_syllabus(ctx, org.id, goal.track_id)
        goals[goal.id] = syllabus.track.name
        topics.update({t.id: t.name for t in syllabus.topics})
    return topics, goals


def _title(kind: str, topic: str | None, track: str | None, questions: int) -> str:
    if kind == BlockKind.STUDY:
        return f"Study: {topic or 'a topic'}"
    if kind == BlockKind.PRACTICE:
        asked = f" ({questions} questions)" if questions else ""
        return f"Practice: {topic or 'a topic'}{asked}"
    if kind == BlockKind.REVIEW:
        return "Reviews due"
    if kind == BlockKind.SIMULATION:
        return f"Full simulation: {track}" if track else "Full simulation"
    return f"Essay practice: {track}" if track else "Essay practice"


async def blocks(
    ctx: Context,
    org_id: UUID,
    user_id: UUID,
    *,
    first: date | None = None,
    last: date | None = None,
    only_planned: bool = False,
) -> list[PlannedBlock]:
    """The learner's blocks from `first` to `last` (local days), in order; skipped and missed
    ones left out, and with `only_planned` those already done too."""
    org = await _org(ctx, org_id)
    plan = await planning.get_plan(ctx, org, user_id) if org else None
    if org is None or plan is None:
        return []
    rows = await planning.plan_blocks(ctx, org, plan, start=first, end=last)
    topics, goals = await _names(ctx, org, user_id)
    return [
        PlannedBlock(
            id=row.id,
            kind=row.kind,
            title=_title(
                row.kind,
                topics.get(row.topic_id) if row.topic_id else None,
                goals.get(row.goal_id) if row.goal_id else None,
                row.questions,
            ),
            start=row.starts_at,
            minutes=row.minutes,
            path=block_path(org.slug, row.id),
            status=row.status,
            notes=f"For {goals[row.goal_id]}" if row.goal_id in goals else "",
        )
        for row in rows
        if row.status not in GONE and (row.status == "planned" or not only_planned)
    ]


async def standing(ctx: Context, org_id: UUID, user_id: UUID, today: date) -> Standing | None:
    """Progress against the plan (planning's own measure), or None without a plan."""
    org = await _org(ctx, org_id)
    if org is None:
        return None
    found = await progress.progress(ctx, org, user_id)
    if found.status == "no_plan":
        return None
    goals = await planning.list_goals(ctx, org, user_id, active_only=True)
    names = tuple([(await tracks.get_syllabus(ctx, org.id, g.track_id)).track.name for g in goals])
    return Standing(
        behind_minutes=found.behind_minutes, behind=found.status == "behind", goal_names=names
    )
