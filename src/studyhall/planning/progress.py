"""Following a plan: on track or behind, the day's and week's goals, and a reality check.

Definitions (one place, read by the API, the pages, the nightly job and the instructors' list):
- *behind*: since the plan was last made, the minutes of blocks whose time has passed (or
  that were skipped) less the minutes done (re-planning moves what was missed into the
  future, so it starts over).
- *pace*: minutes done per minute available over the last `PACE_DAYS` days (since the plan
  began, if later); with no such day yet, the plan's own pace (1.0) is assumed.
- *coverage by exam day*: the share of the syllabus weight whose first-contact study is done,
  mastered, or planned within the part of the remaining plan the learner gets through at
  their pace (blocks in order).
- *projected score*: `projected_score`, a first model (issue 15 replaces it with a calibrated
  one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from sqlalchemy import func, select

from studyhall.accounts.models import User
from studyhall.exams.models import Attempt
from studyhall.kit.context import Context
from studyhall.kit.tenancy import scoped
from studyhall.orgs.models import Org
from studyhall.planning import inputs
from studyhall.planning.models import PlanBlock, StudyPlan, StudyProfile
from studyhall.planning.scheduler import BlockKind
from studyhall.planning.schemas import AdherenceOut, DayGoal, ProgressOut, RealityCheck
from studyhall.planning.service import (
    duration,
    get_plan,
    get_profile,
    list_goals,
    plan_blocks,
)

PACE_DAYS = 14
ON_TRACK_TOLERANCE = 15  # minutes behind that still count as on track (a block ran short)
INACTIVE_DAYS = 7
# Expected accuracy of a topic never practised: studied (first contact done) or only guessed
# (one right answer in four or five options).
STUDIED_ACCURACY = 0.6
GUESS_ACCURACY = 0.25


@dataclass(frozen=True)
class Behind:
    planned: int
    done: int

    @property
    def minutes(self) -> int:
        return max(0, self.planned - self.done)

    @property
    def on_track(self) -> bool:
        return self.minutes <= ON_TRACK_TOLERANCE

    def words(self) -> str:
        return "On track" if self.on_track else f"Behind by {duration(self.minutes)}"


def behind(blocks: Sequence[PlanBlock], since: date, today: date, now: datetime) -> Behind:
    """Planned minutes whose time has passed since `since` against the minutes done."""
    counted = [b for b in blocks if since <= b.day <= today]
    # A skipped block counts at once: the learner said it will not be done.
    planned = sum(
        b.minutes
        for b in counted
        if b.status == "skipped" or b.starts_at + timedelta(minutes=b.minutes) <= now
    )
    return Behind(planned=planned, done=sum(b.done_minutes for b in counted))


def available_minutes(profile: StudyProfile, start: date, end: date) -> int:
    """Minutes the learner's week offers from `start` to `end` (both included)."""
    off = set(profile.days_off)
    total, day = 0, start
    while day <= end:
        if day.isoformat() not in off:
            total += profile.minutes_by_weekday[day.weekday()]
        day += timedelta(days=1)
    return total


def pace(
    profile: StudyProfile, blocks: Sequence[PlanBlock], began: date, today: date
) -> float | None:
    """Minutes done per available minute over the last PACE_DAYS whole days; None without any."""
    start = max(began, today - timedelta(days=PACE_DAYS))
    end = today - timedelta(days=1)
    offered = available_minutes(profile, start, end) if start <= end else 0
    if offered <= 0:
        return None
    done = sum(b.done_minutes for b in blocks if start <= b.day <= end)
    return round(done / offered, 3)


@dataclass(frozen=True)
class TopicOutlook:
    """A topic as the reality check sees it: its share of its exam, what is measured of it,
    and whether its first-contact study will be done by exam day."""

    weight: float  # 0..1 within its goal
    accuracy: float | None  # 0..1; None when never practised
    covered: bool


def projected_score(topics: Sequence[TopicOutlook]) -> float | None:
    """Percent expected on exam day: each topic's weight times its measured accuracy, or, never
    practised, STUDIED_ACCURACY when covered and GUESS_ACCURACY when not. A first model, kept
    apart and named so a calibrated prediction can replace it."""
    total = sum(t.weight for t in topics)
    if total <= 0:
        return None
    points = 0.0
    for topic in topics:
        if topic.accuracy is not None:
            expected = topic.accuracy
        else:
            expected = STUDIED_ACCURACY if topic.covered else GUESS_ACCURACY
        points += topic.weight * expected
    return round(100 * points / total, 1)


def coverage(topics: Sequence[TopicOutlook]) -> float:
    """Percent of the weight in covered topics."""
    total = sum(t.weight for t in topics)
    return round(100 * sum(t.weight for t in topics if t.covered) / total, 1) if total else 0.0


def covered_topics(
    future: Sequence[PlanBlock], studied: dict[tuple[UUID, UUID], int], at_pace: float
) -> set[tuple[UUID, UUID]]:
    """(goal, topic) pairs whose planned study ends within the share of the remaining plan
    the learner gets through at `at_pace`, blocks taken in order."""
    ordered = sorted(future, key=lambda b: b.starts_at)
    budget = at_pace * sum(b.minutes for b in ordered)
    last_end: dict[tuple[UUID, UUID], int] = {}
    elapsed = 0
    for b in ordered:
        elapsed += b.minutes
        if b.kind == BlockKind.STUDY and b.goal_id and b.topic_id:
            last_end[(b.goal_id, b.topic_id)] = elapsed
    reached = {key for key, end in last_end.items() if end <= budget}
    return reached | {
        key for key, minutes in studied.items() if minutes > 0 and key not in last_end
    }


async def reality_check(
    ctx: Context,
    org: Org,
    profile: StudyProfile,
    plan: StudyPlan,
    blocks: Sequence[PlanBlock],
    today: date,
) -> RealityCheck:
    """Pace, coverage by exam day and projected score over the learner's active goals."""
    began = inputs.local_today(profile.time_zone, plan.created_at)
    measured_pace = pace(profile, blocks, began, today)
    future = [b for b in blocks if b.status == "planned" and b.day >= today]
    studied = inputs.studied_minutes(blocks)
    covered = covered_topics(future, studied, measured_pace if measured_pace is not None else 1)
    goals = await list_goals(ctx, org, profile.user_id, active_only=True)
    outlooks: list[TopicOutlook] = []
    for goal in goals:
        loaded = await inputs.goal_syllabus(ctx, goal)
        accuracy = await inputs.measured(ctx, loaded.syllabus, goal.user_id)
        mastered = set(goal.mastered_topic_ids)
        share = 1 / len(goals)  # each exam counts the same in the learner's overall figure
        for topic_id, _name, weight in loaded.leaves:
            is_covered = str(topic_id) in mastered or (goal.id, topic_id) in covered
            outlooks.append(
                TopicOutlook(weight * share, accuracy.get(topic_id, (None, 0.0))[0], is_covered)
            )
    return RealityCheck(
        pace=measured_pace, coverage_by_exam=coverage(outlooks),
        projected_score=projected_score(outlooks),
    )  # fmt: skip


def _day_goal(blocks: Sequence[PlanBlock], questions_goal: int) -> DayGoal:
    return DayGoal(
        minutes_planned=sum(b.minutes for b in blocks),
        minutes_done=sum(b.done_minutes for b in blocks),
        questions_goal=questions_goal,
        questions_solved=sum(b.questions_solved for b in blocks),
    )


async def progress(ctx: Context, org: Org, user_id: UUID) -> ProgressOut:
    """The learner's standing against their plan, today's and this week's goals, and the
    reality check."""
    now = ctx.now()
    profile = await get_profile(ctx, org, user_id)
    today = inputs.local_today(profile.time_zone if profile else "UTC", now)
    plan = await get_plan(ctx, org, user_id)
    if profile is None or plan is None:
        empty = DayGoal(minutes_planned=0, minutes_done=0, questions_goal=0, questions_solved=0)
        return ProgressOut(
            today=today, status="no_plan", behind_minutes=0, summary="No plan yet",
            planned_minutes_to_date=0, done_minutes_to_date=0, today_goal=empty,
            week_goal=empty, reality=RealityCheck(pace=None, coverage_by_exam=0.0,
                                                  projected_score=None),
        )  # fmt: skip
    blocks = await plan_blocks(ctx, org, plan)
    standing = behind(blocks, inputs.local_today(profile.time_zone, plan.generated_at), today, now)
    monday = today - timedelta(days=today.weekday())
    week = [b for b in blocks if monday <= b.day <= monday + timedelta(days=6)]
    week_days = sum(
        1
        for i in range(7)
        if profile.minutes_by_weekday[i] > 0
        and (monday + timedelta(days=i)).isoformat() not in profile.days_off
    )
    return ProgressOut(
        today=today, status="on_track" if standing.on_track else "behind",
        behind_minutes=standing.minutes, summary=standing.words(),
        planned_minutes_to_date=standing.planned, done_minutes_to_date=standing.done,
        today_goal=_day_goal([b for b in blocks if b.day == today], profile.daily_questions),
        week_goal=_day_goal(week, profile.daily_questions * week_days),
        reality=await reality_check(ctx, org, profile, plan, blocks, today),
    )  # fmt: skip


async def last_active(ctx: Context, org: Org, user_id: UUID) -> datetime | None:
    """When the learner last did anything: a block recorded done or partly done, or an attempt
    submitted."""
    block = await ctx.session.scalar(
        scoped(PlanBlock, org.id)
        .with_only_columns(func.max(PlanBlock.updated_at))
        .where(PlanBlock.user_id == user_id, PlanBlock.status.in_(inputs.DONE_STATUSES))
    )
    attempt = await ctx.session.scalar(
        scoped(Attempt, org.id)
        .with_only_columns(func.max(Attempt.submitted_at))
        .where(Attempt.user_id == user_id)
    )
    moments = [_aware(m) for m in (block, attempt) if m is not None]
    return max(moments) if moments else None


def _aware(moment: datetime) -> datetime:
    # max() over a UTCDateTime column comes back raw (naive on SQLite).
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def adherence(ctx: Context, org: Org) -> list[AdherenceOut]:
    """Each learner with a plan in the organisation: on track, behind by how much, or inactive
    since when (no activity for INACTIVE_DAYS). Read-only."""
    now = ctx.now()
    plans = (await ctx.session.scalars(scoped(StudyPlan, org.id))).all()
    profiles = {
        p.user_id: p for p in (await ctx.session.scalars(scoped(StudyProfile, org.id))).all()
    }
    users = {
        u.id: u
        for u in (
            await ctx.session.scalars(select(User).where(User.id.in_([p.user_id for p in plans])))
        ).all()
    }
    rows = []
    for plan in plans:
        profile = profiles.get(plan.user_id)
        zone = profile.time_zone if profile else "UTC"
        today = inputs.local_today(zone, now)
        blocks = await plan_blocks(ctx, org, plan)
        standing = behind(blocks, inputs.local_today(zone, plan.generated_at), today, now)
        active = await last_active(ctx, org, plan.user_id)
        idle_since = active or plan.created_at
        if now - idle_since >= timedelta(days=INACTIVE_DAYS):
            status, summary = "inactive", f"Inactive since {idle_since.date().isoformat()}"
        elif standing.on_track:
            status, summary = "on_track", standing.words()
        else:
            status, summary = "behind", standing.words()
        user = users.get(plan.user_id)
        rows.append(AdherenceOut(
            user_id=plan.user_id, display_name=user.display_name if user else "",
            status=status, behind_minutes=standing.minutes, last_active_at=active,
            summary=summary,
        ))  # fmt: skip
    return sorted(rows, key=lambda r: (r.status != "behind", -r.behind_minutes, r.display_name))
