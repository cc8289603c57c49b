"""Study planning (service): the learner's profile and goals, generating and re-planning
their one plan, recording and starting blocks. Never commits; scoped, audited, raises events.

Re-planning rewrites only the future: blocks already done, partly done or skipped stay as
they are, planned blocks of past days become `missed`, and the plan from today on is made
again by the scheduler with the work done counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, or_

from studyhall.audit import service as audit
from studyhall.events import service as events
from studyhall.exams.models import Attempt, Track
from studyhall.exams.tracks import get_syllabus
from studyhall.kit.context import Context
from studyhall.kit.db import may_write
from studyhall.kit.errors import Conflict, InvalidInput, NotFound
from studyhall.kit.ids import new_id
from studyhall.kit.tenancy import get_scoped, scoped, scoped_delete, scoped_update
from studyhall.kit.transaction import NeedsWriter
from studyhall.orgs.models import Org
from studyhall.planning import changes, inputs
from studyhall.planning.models import PlanBlock, StudyGoal, StudyPlan, StudyProfile
from studyhall.planning.scheduler import Block, Plan, build_plan
from studyhall.planning.schemas import (
    MAX_DAY_MINUTES,
    BlockOut,
    GoalIn,
    ProfileIn,
    ReplanPreview,
)

# A plan is laid out day by day; three years of days is already more than any exam needs.
MAX_PLAN_DAYS = 3 * 366


class ProfileMissing(Conflict):
    slug = "study-profile-missing"
    title = "Set your study week first"


class NoActiveGoals(Conflict):
    slug = "no-active-goals"
    title = "Set a goal (a track and an exam date) first"


class NoPlan(NotFound):
    slug = "no-plan"
    title = "No plan yet"


class Stale(NeedsWriter):
    """A read found a plan to bring up to date (missed blocks, new results): run as a writer."""


# --- profile -------------------------------------------------------------------------------


async def get_profile(ctx: Context, org: Org, user_id: UUID) -> StudyProfile | None:
    """The learner's study week in this organisation, or None before they set one."""
    query = scoped(StudyProfile, org.id).where(StudyProfile.user_id == user_id)
    found: StudyProfile | None = await ctx.session.scalar(query)
    return found


def check_profile(data: ProfileIn) -> None:
    """Refuse a week that cannot hold a plan: an unknown zone, a day above 24 h, no time."""
    wrong: list[tuple[str, str]] = []
    if inputs.zone(data.time_zone) is None:
        wrong.append(("body.time_zone", f"{data.time_zone!r} is not an IANA time zone name"))
    for i, minutes in enumerate(data.minutes_by_weekday):
        if not 0 <= minutes <= MAX_DAY_MINUTES:
            wrong.append((f"body.minutes_by_weekday.{i}", "between 0 and 1440 minutes"))
    if not wrong and sum(data.minutes_by_weekday) == 0:
        wrong.append(("body.minutes_by_weekday", "no minutes available in the whole week"))
    if wrong:
        raise InvalidInput("This study week cannot hold a plan.", errors=wrong)


async def set_profile(ctx: Context, org: Org, user_id: UUID, data: ProfileIn) -> StudyProfile:
    """Set or replace the learner's study week; an existing plan is re-made from today."""
    check_profile(data)
    now = ctx.now()
    profile = await get_profile(ctx, org, user_id)
    values: dict[str, Any] = {
        "time_zone": data.time_zone,
        "minutes_by_weekday": list(data.minutes_by_weekday),
        "days_off": sorted({d.isoformat() for d in data.days_off}),
        "day_start": data.start_time(),
        "session_minutes": data.session_minutes,
        "daily_questions": data.daily_questions,
    }
    before: dict[str, Any] = {}
    if profile is None:
        profile = StudyProfile(org_id=org.id, user_id=user_id, created_at=now, **values)
        ctx.session.add(profile)
    else:
        before = {k: getattr(profile, k) for k in values}
        for name, value in values.items():
            setattr(profile, name, value)
    profile.updated_at = now
    await ctx.session.flush()
    changed = {k: [str(before.get(k)), str(v)] for k, v in values.items() if before.get(k) != v}
    audit.record(
        ctx, "plan.profile_set", org_id=org.id, target_type="user", target_id=user_id,
        summary=changed,
    )  # fmt: skip
    if changed and await get_plan(ctx, org, user_id) is not None:
        await replan(ctx, org, user_id, reason="Your study week changed.")
    return profile


# --- goals ---------------------------------------------------------------------------------


async def list_goals(
    ctx: Context, org: Org, user_id: UUID, *, active_only: bool = False
) -> Sequence[StudyGoal]:
    """The learner's goals, soonest exam first."""
    query = scoped(StudyGoal, org.id).where(StudyGoal.user_id == user_id)
    if active_only:
        query = query.where(StudyGoal.status == "active")
    return (await ctx.session.scalars(query.order_by(StudyGoal.exam_date))).all()


async def get_goal(ctx: Context, org: Org, user_id: UUID, goal_id: UUID) -> StudyGoal:
    """One of the learner's goals (another learner's is not found)."""
    goal = await get_scoped(ctx.session, StudyGoal, org.id, goal_id, what="goal")
    if goal.user_id != user_id:
        raise NotFound("No such goal.")
    return goal


async def _learner_today(ctx: Context, org: Org, user_id: UUID) -> date:
    profile = await get_profile(ctx, org, user_id)
    return inputs.local_today(profile.time_zone if profile else "UTC", ctx.now())


async def check_goal(ctx: Context, org: Org, user_id: UUID, data: GoalIn) -> None:
    """Refuse a goal that cannot be planned, naming the field at fault."""
    track = await ctx.session.scalar(scoped(Track, org.id).where(Track.id == data.track_id))
    if track is None:
        raise InvalidInput("No such track.", errors=[("body.track_id", "no such track here")])
    today = await _learner_today(ctx, org, user_id)
    if data.exam_date <= today:
        raise InvalidInput(
            "The exam date must be after today.",
            errors=[("body.exam_date", f"after {today.isoformat()} (today, your time)")],
        )
    if data.exam_date > today + timedelta(days=MAX_PLAN_DAYS):
        raise InvalidInput(
            "The exam date is too far away to plan day by day.",
            errors=[("body.exam_date", f"within {MAX_PLAN_DAYS} days of today")],
        )
    syllabus = await get_syllabus(ctx, org.id, track.id)
    leaves = {leaf.id for leaf in syllabus.leaves()}
    wrong = [
        (f"body.{name}.{i}", "not a topic of this track's syllabus")
        for name in ("mastered_topic_ids", "excluded_topic_ids")
        for i, topic_id in enumerate(getattr(data, name))
        if topic_id not in leaves
    ]
    if wrong:
        raise InvalidInput("Unknown topics for this track.", errors=wrong)
    if not leaves or leaves <= set(data.excluded_topic_ids):
        raise InvalidInput(
            "Nothing left to study.",
            errors=[("body.excluded_topic_ids", "leaves no topic of the track to plan")],
        )


def _goal_values(data: GoalIn) -> dict[str, Any]:
    return {
        "track_id": data.track_id,
        "exam_date": data.exam_date,
        "target_score": data.target_score,
        "essay": data.essay,
        "mastered_topic_ids": sorted({str(t) for t in data.mastered_topic_ids}),
        "excluded_topic_ids": sorted({str(t) for t in data.excluded_topic_ids}),
    }


def _goal_set(ctx: Context, org: Org, goal: StudyGoal, summary: dict[str, Any]) -> None:
    audit.record(
        ctx, "plan.goal_set", org_id=org.id, target_type="study_goal", target_id=goal.id,
        summary=summary,
    )  # fmt: skip
    events.emit(
        ctx, "plan.goal_set", aggregate=("study_goal", goal.id), org_id=org.id,
        data={"goal_id": str(goal.id), "user_id": str(goal.user_id),
              "track_id": str(goal.track_id), "status": goal.status},
    )  # fmt: skip


async def create_goal(ctx: Context, org: Org, user_id: UUID, data: GoalIn) -> StudyGoal:
    """Add an exam to prepare for; an existing plan is re-made to include it."""
    await check_goal(ctx, org, user_id, data)
    now = ctx.now()
    goal = StudyGoal(
        org_id=org.id, user_id=user_id, status="active", created_at=now, updated_at=now,
        **_goal_values(data),
    )  # fmt: skip
    ctx.session.add(goal)
    await ctx.session.flush()
    _goal_set(ctx, org, goal, {"track_id": str(goal.track_id), "exam_date": str(goal.exam_date)})
    if await get_plan(ctx, org, user_id) is not None:
        await replan(ctx, org, user_id, reason="You added a goal.")
    return goal


async def replace_goal(
    ctx: Context, org: Org, user_id: UUID, goal_id: UUID, data: GoalIn
) -> StudyGoal:
    """Replace a goal's settings (a new exam date, target, topics); the plan is re-made."""
    goal = await get_goal(ctx, org, user_id, goal_id)
    await check_goal(ctx, org, user_id, data)
    values = _goal_values(data)
    changed = {
        k: [str(getattr(goal, k)), str(v)] for k, v in values.items() if getattr(goal, k) != v
    }
    for name, value in values.items():
        setattr(goal, name, value)
    goal.updated_at = ctx.now()
    if changed:
        _goal_set(ctx, org, goal, changed)
        if await get_plan(ctx, org, user_id) is not None:
            what = "exam date" if "exam_date" in changed else "goal"
            await replan(ctx, org, user_id, reason=f"Your {what} changed.")
    return goal


async def archive_goal(ctx: Context, org: Org, user_id: UUID, goal_id: UUID) -> StudyGoal:
    """Stop planning for a goal (its past blocks stay in the history)."""
    goal = await get_goal(ctx, org, user_id, goal_id)
    if goal.status == "archived":
        return goal
    goal.status = "archived"
    goal.updated_at = ctx.now()
    _goal_set(ctx, org, goal, {"status": ["active", "archived"]})
    plan = await get_plan(ctx, org, user_id)
    if plan is not None:
        today = await _learner_today(ctx, org, user_id)
        await ctx.session.execute(
            scoped_delete(PlanBlock, org.id).where(
                PlanBlock.plan_id == plan.id, PlanBlock.goal_id == goal.id,
                PlanBlock.status == "planned", PlanBlock.day >= today,
            )
        )  # fmt: skip
        if await list_goals(ctx, org, user_id, active_only=True):
            await replan(ctx, org, user_id, reason="You archived a goal.")
    return goal


# --- the plan ------------------------------------------------------------------------------


async def get_plan(ctx: Context, org: Org, user_id: UUID) -> StudyPlan | None:
    """The learner's current plan in this organisation, or None before the first one."""
    query = scoped(StudyPlan, org.id).where(StudyPlan.user_id == user_id)
    found: StudyPlan | None = await ctx.session.scalar(query)
    return found


async def plan_blocks(
    ctx: Context, org: Org, plan: StudyPlan, *, start: date | None = None, end: date | None = None
) -> Sequence[PlanBlock]:
    """The plan's blocks from `start` to `end` (local dates, both included), in order."""
    query = scoped(PlanBlock, org.id).where(PlanBlock.plan_id == plan.id)
    if start is not None:
        query = query.where(PlanBlock.day >= start)
    if end is not None:
        query = query.where(PlanBlock.day <= end)
    return (await ctx.session.scalars(query.order_by(PlanBlock.starts_at))).all()


_BLOCK_COLUMNS = tuple(PlanBlock.__table__.c[name] for name in BlockOut.model_fields)


async def block_views(
    ctx: Context, org: Org, plan: StudyPlan, *, start: date | None = None, end: date | None = None
) -> list[BlockOut]:
    """`plan_blocks` as the API shows them, read as plain rows: a plan's hundreds of blocks
    need no ORM objects to be sent out (the hot path after generating or re-planning)."""
    query = scoped(PlanBlock, org.id).with_only_columns(*_BLOCK_COLUMNS)
    query = query.where(PlanBlock.plan_id == plan.id)
    if start is not None:
        query = query.where(PlanBlock.day >= start)
    if end is not None:
        query = query.where(PlanBlock.day <= end)
    rows = (await ctx.session.execute(query.order_by(PlanBlock.starts_at))).mappings()
    return [BlockOut.model_validate(dict(row)) for row in rows]


@dataclass(frozen=True)
class Computed:
    """A plan made from today, before it is stored."""

    profile: StudyProfile
    today: date
    plan: Plan
    history: Sequence[PlanBlock]
    used_today: int  # today's blocks start after this many minutes of the day's study time


async def _compute(ctx: Context, org: Org, user_id: UUID, current: StudyPlan | None) -> Computed:
    profile = await get_profile(ctx, org, user_id)
    if profile is None:
        raise ProfileMissing("Set your study week (PUT .../plan/profile) before planning.")
    goals = await list_goals(ctx, org, user_id, active_only=True)
    if not goals:
        raise NoActiveGoals("Add a goal (POST .../plan/goals) before planning.")
    today = inputs.local_today(profile.time_zone, ctx.now())
    past = [g for g in goals if g.exam_date <= today]
    if past:
        raise InvalidInput(
            "An exam date has passed: change it or archive the goal.",
            errors=[(f"goals.{g.id}.exam_date", "on or before today") for g in past],
        )
    kept = await _kept_blocks(ctx, org, current, today) if current is not None else []
    request, _ = await inputs.plan_request(ctx, profile, goals, kept, ctx.now())
    return Computed(profile, today, build_plan(request), kept, request.used_today)


async def _kept_blocks(ctx: Context, org: Org, plan: StudyPlan, today: date) -> Sequence[PlanBlock]:
    """The blocks a re-plan keeps: everything recorded, and every block of a past day. The
    planned future is made again, so it is not even loaded."""
    query = scoped(PlanBlock, org.id).where(
        PlanBlock.plan_id == plan.id, or_(PlanBlock.status != "planned", PlanBlock.day < today)
    )
    return (await ctx.session.scalars(query.order_by(PlanBlock.starts_at))).all()


def _block_row(
    org: Org, plan: StudyPlan, made: Computed, block: Block, now: datetime
) -> dict[str, Any]:
    profile = made.profile
    # The scheduler counts today's offsets from the start of the day's study time; what is
    # already gone today (done work, time elapsed) comes first.
    offset = block.start + (made.used_today if block.day == made.today else 0)
    return dict(
        id=new_id(), org_id=org.id, plan_id=plan.id, user_id=plan.user_id, goal_id=block.goal_id,
        topic_id=block.topic_id, day=block.day,
        starts_at=inputs.block_start(block.day, profile.day_start, profile.time_zone, offset),
        minutes=block.minutes, kind=block.kind.value, questions=block.questions, status="planned",
        done_minutes=0, questions_solved=0, notes="", attempt_id=None, created_at=now,
        updated_at=now,
    )  # fmt: skip


def _outcome(plan: Plan) -> dict[str, Any]:
    return {
        "final_stretch": plan.final_stretch,
        "left_out": [
            {"goal_id": str(x.goal_id), "topic_id": str(x.topic_id), "reason": x.reason}
            for x in plan.left_out
        ],
        "shortfalls": [
            {
                "goal_id": str(s.goal_id),
                "needed_minutes": s.needed_minutes,
                "available_minutes": s.available_minutes,
                "suggestions": list(s.suggestions),
            }
            for s in plan.shortfalls
        ],
    }


async def _store(
    ctx: Context, org: Org, user_id: UUID, current: StudyPlan | None, made: Computed, reason: str
) -> StudyPlan:
    now = ctx.now()
    outcome = _outcome(made.plan)
    if current is None:
        current = StudyPlan(
            org_id=org.id, user_id=user_id, generated_at=now, reason=reason, revision=1,
            created_at=now, **outcome,
        )  # fmt: skip
        ctx.session.add(current)
        await ctx.session.flush()
    else:
        await mark_missed(ctx, org, current, made.today)
        await ctx.session.execute(
            scoped_delete(PlanBlock, org.id).where(
                PlanBlock.plan_id == current.id, PlanBlock.status == "planned",
                PlanBlock.day >= made.today,
            )
        )  # fmt: skip
        current.generated_at = now
        current.reason = reason
        current.revision += 1
        for name, value in outcome.items():
            setattr(current, name, value)
    rows = [_block_row(org, current, made, b, now) for b in made.plan.blocks]
    if rows:
        # One executemany for the whole plan (a plan has hundreds of blocks): the unit of work
        # would build, track and flush an object per row for nothing — the service is done
        # with them once they are written.
        await ctx.session.execute(insert(PlanBlock), rows)
    return current


def _facts(plan: StudyPlan, made: Computed) -> dict[str, Any]:
    return {
        "plan_id": str(plan.id), "user_id": str(plan.user_id), "revision": plan.revision,
        "blocks": len(made.plan.blocks), "final_stretch": made.plan.final_stretch,
        "shortfalls": len(made.plan.shortfalls), "reason": plan.reason,
    }  # fmt: skip


async def _make(
    ctx: Context, org: Org, user_id: UUID, current: StudyPlan | None, reason: str, action: str
) -> StudyPlan:
    """Compute, store, audit and announce (`action` is the audit action and event type)."""
    made = await _compute(ctx, org, user_id, current)
    plan = await _store(ctx, org, user_id, current, made, reason)
    facts = _facts(plan, made)
    audit.record(
        ctx, action, org_id=org.id, target_type="study_plan", target_id=plan.id, summary=facts
    )
    events.emit(ctx, action, aggregate=("study_plan", plan.id), org_id=org.id, data=facts)
    return plan


async def generate(
    ctx: Context, org: Org, user_id: UUID, *, reason: str = "Made on request."
) -> StudyPlan:
    """Make the learner's plan from today to their last exam (again, if one exists: done
    work is kept). Raises `plan.generated`."""
    current = await get_plan(ctx, org, user_id)
    return await _make(ctx, org, user_id, current, reason, "plan.generated")


async def replan(ctx: Context, org: Org, user_id: UUID, *, reason: str) -> StudyPlan:
    """Re-make the plan from today, saying why (the learner sees `reason`). Raises
    `plan.replanned`. Without a plan yet, this makes the first one."""
    current = await get_plan(ctx, org, user_id)
    if current is None:
        return await generate(ctx, org, user_id, reason=reason)
    return await _make(ctx, org, user_id, current, reason, "plan.replanned")


async def preview_replan(
    ctx: Context, org: Org, user_id: UUID, *, reason: str = "Re-planned on request."
) -> ReplanPreview:
    """What re-planning from today would change, without changing anything."""
    current = await get_plan(ctx, org, user_id)
    if current is None:
        raise NoPlan("There is no plan to re-plan yet: generate one.")
    made = await _compute(ctx, org, user_id, current)
    before = [
        b for b in await plan_blocks(ctx, org, current, start=made.today) if b.status == "planned"
    ]
    return changes.diff(before, made.plan, made.today, reason)


async def mark_missed(ctx: Context, org: Org, plan: StudyPlan, today: date) -> int:
    """Planned blocks of days before today become `missed`; returns how many."""
    result = await ctx.session.execute(
        scoped_update(PlanBlock, org.id)
        .where(PlanBlock.plan_id == plan.id, PlanBlock.status == "planned", PlanBlock.day < today)
        .values(status="missed", updated_at=ctx.now())
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def why_stale(ctx: Context, org: Org, plan: StudyPlan, today: date) -> str | None:
    """Why the plan should be re-made now, in plain words, or None: planned blocks left in
    past days, blocks skipped since it was made, or attempts submitted since."""
    blocks = await plan_blocks(ctx, org, plan)
    missed = [b for b in blocks if b.status == "planned" and b.day < today]
    skipped = [b for b in blocks if b.status == "skipped" and b.updated_at > plan.generated_at]
    if missed:
        late = duration(sum(b.minutes for b in missed))
        return f"{_blocks(len(missed))} of past days not done ({late}): re-planned from today."
    if skipped:
        return f"You skipped {_blocks(len(skipped))}: re-planned from today."
    goals = await list_goals(ctx, org, plan.user_id, active_only=True)
    newer = await ctx.session.scalar(
        scoped(Attempt, org.id)
        .with_only_columns(func.count())
        .where(
            Attempt.user_id == plan.user_id,
            Attempt.track_id.in_([g.track_id for g in goals]),
            Attempt.status == "submitted",
            Attempt.submitted_at > plan.generated_at,
        )
    )
    if newer:
        plural = "s" if newer != 1 else ""
        return f"New results from {newer} attempt{plural}: re-planned around your weak topics."
    return None


def _blocks(n: int) -> str:
    return "1 block" if n == 1 else f"{n} blocks"


def duration(minutes: int) -> str:
    """Minutes as a person reads them: "45 min", "3 h", "3 h 20 min"."""
    hours, rest = divmod(max(0, minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


async def refresh(ctx: Context, org: Org, user_id: UUID) -> StudyPlan | None:
    """The learner's plan, re-made first if something happened since (see `why_stale`); on a
    read-only request that finds it stale, the request runs again as a writer."""
    plan = await get_plan(ctx, org, user_id)
    if plan is None:
        return None
    profile = await get_profile(ctx, org, user_id)
    if profile is None:
        return plan
    today = inputs.local_today(profile.time_zone, ctx.now())
    reason = await why_stale(ctx, org, plan, today)
    if reason is None:
        return plan
    if not may_write(ctx.session):
        raise Stale()
    try:
        return await replan(ctx, org, user_id, reason=reason)
    except (NoActiveGoals, InvalidInput):
        return plan  # a goal's exam has passed: the learner sees the plan and fixes the goal
