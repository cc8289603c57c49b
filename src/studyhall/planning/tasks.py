"""Planning's background work: the nightly re-plan of plans that fell behind.

The cron tick (`planning.replan_behind`) enqueues one `planning.replan_plan` job per plan,
keyed by plan and date so a tick run twice adds nothing; each job re-checks its plan and
re-makes it only when the learner is behind or left planned blocks in past days, recording
why in the plan's `reason` (the learner sees it) and in the `plan.replanned` event.
"""

from __future__ import annotations

from uuid import UUID

import structlog
from sqlalchemy import select

from studyhall.jobs import queue
from studyhall.jobs.registry import JobRun, task
from studyhall.kit.context import Context
from studyhall.kit.errors import Problem
from studyhall.kit.tenancy import across_orgs
from studyhall.orgs.models import Org
from studyhall.planning import inputs, service
from studyhall.planning.models import StudyPlan
from studyhall.planning.progress import behind

log = structlog.get_logger(__name__)

REPLAN_BEHIND = "planning.replan_behind"
REPLAN_PLAN = "planning.replan_plan"


@task(REPLAN_BEHIND, timeout=300)
async def replan_behind(run: JobRun) -> None:
    """Enqueue tonight's check of every plan (one job each)."""
    async with run.unit() as ctx:
        plans = (
            await ctx.session.execute(
                across_orgs(
                    StudyPlan, reason="the nightly re-plan checks every learner's plan"
                ).with_only_columns(StudyPlan.id, StudyPlan.org_id, StudyPlan.user_id)
            )
        ).all()
        night = ctx.now().date().isoformat()
        for plan_id, org_id, user_id in plans:
            key = f"{REPLAN_PLAN}:{plan_id}:{night}"
            if await queue.find_by_dedupe_key(ctx, key) is None:
                queue.enqueue(
                    ctx, REPLAN_PLAN, {"org_id": str(org_id), "user_id": str(user_id)},
                    dedupe_key=key,
                )  # fmt: skip
        await run.complete_in(ctx)


async def why_replan(ctx: Context, org: Org, user_id: UUID) -> str | None:
    """Why the nightly check re-makes this learner's plan, or None when it is on track."""
    plan = await service.get_plan(ctx, org, user_id)
    profile = await service.get_profile(ctx, org, user_id)
    if plan is None or profile is None:
        return None
    now = ctx.now()
    today = inputs.local_today(profile.time_zone, now)
    blocks = await service.plan_blocks(ctx, org, plan)
    standing = behind(blocks, inputs.local_today(profile.time_zone, plan.generated_at), today, now)
    missed = [b for b in blocks if b.status == "planned" and b.day < today]
    if standing.on_track and not missed:
        return None
    late = service.duration(standing.minutes)
    return f"You fell behind by {late}: the nightly check re-made your plan from today."


@task(REPLAN_PLAN, timeout=120)
async def replan_plan(run: JobRun) -> None:
    """Re-make one learner's plan if it fell behind (idempotent: on track, nothing happens)."""
    org_id, user_id = UUID(run.payload["org_id"]), UUID(run.payload["user_id"])
    async with run.unit() as ctx:
        org = await ctx.session.scalar(select(Org).where(Org.id == org_id))
        if org is not None:
            reason = await why_replan(ctx, org, user_id)
            if reason is not None:
                try:
                    await service.replan(ctx, org, user_id, reason=reason)
                except Problem as refused:  # an exam date passed, no goals left: nothing to do
                    log.info("planning.replan_skipped", user_id=str(user_id), why=refused.detail)
        await run.complete_in(ctx)
