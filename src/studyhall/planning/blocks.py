"""A plan's blocks (service): record what the learner did with one, and start what it asks for
(a drill, a simulation, the day's reviews). Never commits; scoped and audited."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from studyhall.audit import service as audit
from studyhall.exams import attempts
from studyhall.exams.attempt_schemas import AttemptStart, Mode
from studyhall.exams.models import Attempt
from studyhall.kit.context import Context
from studyhall.kit.errors import Conflict, InvalidInput, NotFound
from studyhall.kit.tenancy import get_scoped, scoped
from studyhall.orgs.models import Org
from studyhall.planning.models import PlanBlock
from studyhall.planning.scheduler import BlockKind
from studyhall.planning.schemas import BlockUpdate
from studyhall.planning.service import get_goal, list_goals
from studyhall.reviews import service as reviews

DEFAULT_DRILL_QUESTIONS = 10


class NothingToStart(Conflict):
    slug = "block-not-startable"
    title = "This block cannot be started"


# --- blocks --------------------------------------------------------------------------------


async def get_block(ctx: Context, org: Org, user_id: UUID, block_id: UUID) -> PlanBlock:
    """One of the learner's blocks (another learner's is not found)."""
    block = await get_scoped(ctx.session, PlanBlock, org.id, block_id, what="block")
    if block.user_id != user_id:
        raise NotFound("No such block.")
    return block


async def record_block(
    ctx: Context, org: Org, user_id: UUID, block_id: UUID, data: BlockUpdate
) -> PlanBlock:
    """Record what the learner did: done (the block's minutes unless told), partly done,
    skipped, minutes, questions solved, notes. A done block stays done across re-plans."""
    block = await get_block(ctx, org, user_id, block_id)
    changes = data.model_dump(exclude_unset=True)
    nulls = [f"body.{k}" for k, v in changes.items() if v is None]
    if nulls:
        raise InvalidInput(
            "These fields cannot be null.", errors=[(n, "give a value") for n in nulls]
        )
    if data.status == "partial" and data.done_minutes is None and block.done_minutes == 0:
        raise InvalidInput(
            "Say how many minutes were done.",
            errors=[("body.done_minutes", "required when the block is partly done")],
        )
    if data.status == "done" and data.done_minutes is None and block.done_minutes == 0:
        changes["done_minutes"] = block.minutes
    if data.status == "skipped":
        changes.setdefault("done_minutes", 0)
    summary = {k: [getattr(block, k), v] for k, v in changes.items() if getattr(block, k) != v}
    for name, value in changes.items():
        setattr(block, name, value)
    block.updated_at = ctx.now()
    studied = block.kind == BlockKind.STUDY.value and block.status in ("done", "partial")
    if studied and block.topic_id is not None:
        # A topic studied becomes a topic card: its first review comes a few days later.
        await reviews.add_topic_card(ctx, org.id, user_id, block.topic_id)
    if summary:
        audit.record(
            ctx, "plan.block_recorded", org_id=org.id, target_type="plan_block",
            target_id=block.id, summary=summary,
        )  # fmt: skip
    return block


async def start_review_session(ctx: Context, org: Org, user_id: UUID) -> Attempt:
    """The day's review session for a review block. Reviews are shared across goals while a
    session belongs to one track: the session starts on the first goal's track (soonest exam
    first) that has question cards due. Topic cards are graded on the Reviews page."""
    for goal in await list_goals(ctx, org, user_id, active_only=True):
        try:
            return await reviews.start_review_session(ctx, org.id, user_id, goal.track_id)
        except attempts.NoQuestions:
            continue
    raise NothingToStart(
        "No question reviews are due today; topic reviews, if any, are graded on the Reviews page."
    )


@dataclass(frozen=True)
class Started:
    block: PlanBlock
    attempt: Attempt | None
    review_session: dict[str, Any] | None


async def start_block(
    ctx: Context, org: Org, user_id: UUID, block_id: UUID, rng: random.Random | None = None
) -> Started:
    """Start what a block asks for: a practice block a drill of its topic with its number of
    questions, a simulation block a simulation of its goal's track, a review block the day's
    reviews. A block started before resumes its attempt while that is still open."""
    block = await get_block(ctx, org, user_id, block_id)
    if block.status in ("done", "skipped"):
        raise NothingToStart(f"This block is already {block.status}.")
    kind = BlockKind(block.kind)
    if kind not in (BlockKind.PRACTICE, BlockKind.SIMULATION, BlockKind.REVIEW):
        return Started(block, None, None)  # study and essay blocks are done away from here
    if block.attempt_id is not None:
        running = await ctx.session.scalar(
            scoped(Attempt, org.id).where(Attempt.id == block.attempt_id)
        )
        if running is not None and running.status == "in_progress":
            return Started(block, running, None)
    if kind is BlockKind.REVIEW:
        session = await start_review_session(ctx, org, user_id)
        _started(ctx, org, block, session)
        return Started(block, session, {"attempt_id": str(session.id)})
    if block.goal_id is None:
        raise NothingToStart("This block belongs to no goal.")
    goal = await get_goal(ctx, org, user_id, block.goal_id)
    if kind is BlockKind.PRACTICE:
        if block.topic_id is None:
            raise NothingToStart("This practice block has no topic.")
        request = AttemptStart(
            mode=Mode.DRILL, topic_ids=[block.topic_id],
            count=block.questions or DEFAULT_DRILL_QUESTIONS,
        )  # fmt: skip
    else:
        request = AttemptStart(mode=Mode.SIMULATION)
    attempt = await attempts.start(ctx, org, goal.track_id, user_id, request, rng)
    _started(ctx, org, block, attempt)
    return Started(block, attempt, None)


def _started(ctx: Context, org: Org, block: PlanBlock, attempt: Attempt) -> None:
    block.attempt_id = attempt.id
    block.updated_at = ctx.now()
    audit.record(
        ctx, "plan.block_started", org_id=org.id, target_type="plan_block", target_id=block.id,
        summary={"attempt_id": str(attempt.id), "kind": block.kind},
    )  # fmt: skip
