"""HTTP for study plans: the learner's week and goals, their plan, re-plans, blocks, progress;
and, for instructors, every learner's adherence (read-only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from studyhall.exams import attempts
from studyhall.kit.errors import Forbidden, InvalidInput, NotFound, Unauthenticated, responses
from studyhall.kit.transaction import TransactionalRoute
from studyhall.orgs.permissions import AttemptsTaker, OrgCaller, require
from studyhall.orgs.roles import Permission
from studyhall.planning import blocks, inputs, service
from studyhall.planning import progress as plan_progress
from studyhall.planning.models import PlanBlock, StudyPlan
from studyhall.planning.schemas import (
    AdherenceOut,
    BlockOut,
    BlockStarted,
    BlockUpdate,
    GoalIn,
    GoalOut,
    LeftOutOut,
    PlanOut,
    ProfileIn,
    ProfileOut,
    ProgressOut,
    ReplanIn,
    ReplanPreview,
    ShortfallOut,
)

router = APIRouter(prefix="/api/v1/orgs/{org}/plan", tags=["plans"], route_class=TransactionalRoute)
PlansReader = Annotated[OrgCaller, require(Permission.PLANS_READ)]
IN_ORG = (Unauthenticated, Forbidden, NotFound)
PLANNING = (service.ProfileMissing, service.NoActiveGoals, InvalidInput)


class ProfileNotSet(NotFound):
    slug = "study-week-not-set"
    title = "No study week set yet"


def _user_id(caller: OrgCaller) -> UUID:
    assert caller.user is not None  # attempts:take is never given to API keys
    return caller.user.id


def plan_out(plan: StudyPlan, rows: Sequence[PlanBlock | BlockOut]) -> PlanOut:
    """The plan as the API shows it, with the given blocks."""
    return PlanOut(
        id=plan.id,
        generated_at=plan.generated_at,
        reason=plan.reason,
        revision=plan.revision,
        final_stretch=plan.final_stretch,
        left_out=[LeftOutOut.model_validate(x) for x in plan.left_out],
        shortfalls=[ShortfallOut.model_validate(x) for x in plan.shortfalls],
        blocks=[b if isinstance(b, BlockOut) else BlockOut.model_validate(b) for b in rows],
    )


@router.get(
    "/profile",
    summary="My study week",
    response_model=ProfileOut,
    responses=responses(*IN_ORG, ProfileNotSet),
)
async def get_profile(caller: AttemptsTaker) -> ProfileOut:
    """Your time zone, minutes per weekday, days off, start time, session length and daily
    question goal (404 before you set them)."""
    profile = await service.get_profile(caller.ctx, caller.org, _user_id(caller))
    if profile is None:
        raise ProfileNotSet("Set your study week with PUT first.")
    return ProfileOut.model_validate(profile)


@router.put(
    "/profile",
    summary="Set my study week",
    response_model=ProfileOut,
    responses=responses(*IN_ORG, InvalidInput),
)
async def put_profile(body: ProfileIn, caller: AttemptsTaker) -> ProfileOut:
    """Set or replace your study week. An existing plan is re-made from today (done work
    stays). An unknown time zone, a day above 1440 minutes or a week with no minutes is
    refused naming the field."""
    profile = await service.set_profile(caller.ctx, caller.org, _user_id(caller), body)
    return ProfileOut.model_validate(profile)


@router.get(
    "/goals", summary="My study goals", response_model=list[GoalOut], responses=responses(*IN_ORG)
)
async def list_goals(caller: AttemptsTaker) -> list[GoalOut]:
    """Your goals in this organisation (active and archived), soonest exam first."""
    goals = await service.list_goals(caller.ctx, caller.org, _user_id(caller))
    return [GoalOut.model_validate(g) for g in goals]


@router.post(
    "/goals",
    summary="Add a study goal",
    status_code=201,
    response_model=GoalOut,
    responses=responses(*IN_ORG, InvalidInput),
)
async def create_goal(body: GoalIn, caller: AttemptsTaker) -> GoalOut:
    """An exam to prepare for: a track of this organisation, an exam date after today (your
    time), a target score, topics mastered or left out. Several goals share one plan."""
    goal = await service.create_goal(caller.ctx, caller.org, _user_id(caller), body)
    return GoalOut.model_validate(goal)


@router.get(
    "/goals/{goal_id}", summary="A study goal", response_model=GoalOut, responses=responses(*IN_ORG)
)
async def get_goal(goal_id: UUID, caller: AttemptsTaker) -> GoalOut:
    """One of your goals."""
    goal = await service.get_goal(caller.ctx, caller.org, _user_id(caller), goal_id)
    return GoalOut.model_validate(goal)


@router.put(
    "/goals/{goal_id}",
    summary="Change a study goal",
    response_model=GoalOut,
    responses=responses(*IN_ORG, InvalidInput),
)
async def put_goal(goal_id: UUID, body: GoalIn, caller: AttemptsTaker) -> GoalOut:
    """Replace a goal's settings (a new exam date, target, topics); the plan is re-made."""
    goal = await service.replace_goal(caller.ctx, caller.org, _user_id(caller), goal_id, body)
    return GoalOut.model_validate(goal)


@router.delete(
    "/goals/{goal_id}",
    summary="Archive a study goal",
    status_code=204,
    responses=responses(*IN_ORG),
)
async def archive_goal(goal_id: UUID, caller: AttemptsTaker) -> Response:
    """Stop planning for this exam: its future blocks go, its past ones stay in the history."""
    await service.archive_goal(caller.ctx, caller.org, _user_id(caller), goal_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "",
    summary="My study plan",
    response_model=PlanOut,
    responses=responses(*IN_ORG, InvalidInput, service.NoPlan),
)
async def get_plan(
    caller: AttemptsTaker,
    start: Annotated[date | None, Query(description="First day (default: today).")] = None,
    end: Annotated[date | None, Query(description="Last day (default: exam day).")] = None,
) -> PlanOut:
    """Your plan with its blocks from `start` to `end` (your local dates). If blocks were
    missed or skipped, or new results came in since it was made, it is re-made from today
    first, and `reason` says why."""
    ctx, org, user_id = caller.ctx, caller.org, _user_id(caller)
    if start is not None and end is not None and end < start:
        raise InvalidInput("The range ends before it starts.", errors=[("query.end", "< start")])
    plan = await service.refresh(ctx, org, user_id)
    if plan is None:
        raise service.NoPlan("You have no plan yet: POST .../plan/generate makes one.")
    if start is None:
        profile = await service.get_profile(ctx, org, user_id)
        start = inputs.local_today(profile.time_zone if profile else "UTC", ctx.now())
    rows = await service.block_views(ctx, org, plan, start=start, end=end)
    return plan_out(plan, list(rows))


@router.post(
    "/generate",
    summary="Make my study plan",
    response_model=PlanOut,
    responses=responses(*IN_ORG, *PLANNING),
)
async def generate(caller: AttemptsTaker) -> PlanOut:
    """Make your plan from today to your last exam, over all your active goals. A goal that
    does not fit comes back with its shortfall in numbers and what would make it fit."""
    ctx, org, user_id = caller.ctx, caller.org, _user_id(caller)
    plan = await service.generate(ctx, org, user_id)
    return plan_out(plan, await service.block_views(ctx, org, plan))


@router.post(
    "/replan",
    summary="Re-plan from today (preview or apply)",
    response_model=ReplanPreview | PlanOut,
    responses=responses(*IN_ORG, *PLANNING, service.NoPlan),
)
async def replan(
    caller: AttemptsTaker,
    body: ReplanIn | None = None,
    preview: Annotated[bool, Query(description="Only show what would change.")] = False,
) -> ReplanPreview | PlanOut:
    """With `preview=true`: the blocks that would be added, removed and moved, and minutes per
    topic before and after, changing nothing. Without: re-make the plan from today (done work
    stays, past planned blocks become missed) and raise `plan.replanned` with the reason."""
    ctx, org, user_id = caller.ctx, caller.org, _user_id(caller)
    reason = (body or ReplanIn()).reason
    if preview:
        return await service.preview_replan(ctx, org, user_id, reason=reason)
    if await service.get_plan(ctx, org, user_id) is None:
        raise service.NoPlan("There is no plan to re-plan yet: generate one.")
    plan = await service.replan(ctx, org, user_id, reason=reason)
    return plan_out(plan, await service.block_views(ctx, org, plan))


@router.patch(
    "/blocks/{block_id}",
    summary="Record a block",
    response_model=BlockOut,
    responses=responses(*IN_ORG, InvalidInput),
)
async def record_block(block_id: UUID, body: BlockUpdate, caller: AttemptsTaker) -> BlockOut:
    """Mark a block `done` (its minutes unless you say), `partial` (say the minutes) or
    `skipped`, with questions solved and notes. A done block stays done when re-planning."""
    block = await blocks.record_block(caller.ctx, caller.org, _user_id(caller), block_id, body)
    return BlockOut.model_validate(block)


@router.post(
    "/blocks/{block_id}/start",
    summary="Start a block",
    response_model=BlockStarted,
    responses=responses(
        *IN_ORG, blocks.NothingToStart, attempts.NoQuestions, attempts.SimulationRunning
    ),
)
async def start_block(block_id: UUID, caller: AttemptsTaker) -> BlockStarted:
    """A practice block starts a drill of its topic with its number of questions, a
    simulation block a simulation of its track (open it at `/attempts/{attempt_id}`), a review
    block the day's reviews; a study block only starts its timer."""
    started = await blocks.start_block(caller.ctx, caller.org, _user_id(caller), block_id)
    return BlockStarted(
        block=BlockOut.model_validate(started.block),
        attempt_id=started.attempt.id if started.attempt else None,
        review_session=started.review_session,
    )


@router.get(
    "/progress",
    summary="My progress against the plan",
    response_model=ProgressOut,
    responses=responses(*IN_ORG),
)
async def get_progress(caller: AttemptsTaker) -> ProgressOut:
    """On track or behind (and by how much), today's and this week's goals (minutes and
    questions), and the reality check: your pace over the last 14 days, the share of the
    syllabus covered by exam day at that pace, and the projected score."""
    return await plan_progress.progress(caller.ctx, caller.org, _user_id(caller))


@router.get(
    "/adherence",
    summary="Learners' plan adherence",
    response_model=list[AdherenceOut],
    responses=responses(*IN_ORG),
)
async def adherence(caller: PlansReader) -> list[AdherenceOut]:
    """Every learner with a plan here: on track, behind by how much, or inactive since when.
    Read-only; for instructors and admins."""
    return await plan_progress.adherence(caller.ctx, caller.org)
