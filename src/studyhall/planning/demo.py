"""The demo learner's study plan: a week, a goal two months out, and the plan made from it,
so a new install shows Today, the calendar and progress at once."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from studyhall.kit.context import Context
from studyhall.orgs.models import Org
from studyhall.planning import inputs, service
from studyhall.planning.models import StudyPlan
from studyhall.planning.schemas import GoalIn, ProfileIn

DEMO_TIME_ZONE = "America/Sao_Paulo"
DEMO_WEEK = [90, 90, 90, 90, 60, 180, 0]  # weekday evenings, a longer Saturday, Sunday off
DEMO_EXAM_IN_DAYS = 60


async def give_demo_plan(ctx: Context, org: Org, user_id: UUID, track_id: UUID) -> StudyPlan:
    """Set the learner's week and a goal for `track_id`, and make their plan."""
    learner = ctx.acting_as(user_id=user_id)
    week = ProfileIn(
        time_zone=DEMO_TIME_ZONE, minutes_by_weekday=DEMO_WEEK, day_start="19:00",
        session_minutes=45, daily_questions=20,
    )  # fmt: skip
    await service.set_profile(learner, org, user_id, week)
    today = inputs.local_today(DEMO_TIME_ZONE, ctx.now())
    goal = GoalIn(
        track_id=track_id, exam_date=today + timedelta(days=DEMO_EXAM_IN_DAYS), target_score=75
    )
    await service.create_goal(learner, org, user_id, goal)
    return await service.generate(learner, org, user_id, reason="The demo's starting plan.")
