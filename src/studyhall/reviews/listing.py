"""Reading a learner's cards for the API and the pages: lists by due time, a card's history,
and what is due today. Days are UTC days, as in the service. Never writes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import func

from studyhall.exams.models import Topic
from studyhall.kit.context import Context
from studyhall.kit.tenancy import scoped
from studyhall.reviews.models import ReviewCard, ReviewLog
from studyhall.reviews.service import end_of, today


async def list_cards(
    ctx: Context,
    org_id: UUID,
    user_id: UUID,
    *,
    due_only: bool,
    track_id: UUID | None = None,
    after: tuple[datetime, UUID] | None = None,
    limit: int = 50,
) -> list[ReviewCard]:
    """The learner's cards by due time (soonest first); `due_only`: those due today.
    Returns up to `limit + 1` rows: one more tells the caller another page exists."""
    query = scoped(ReviewCard, org_id).where(ReviewCard.user_id == user_id)
    if due_only:
        query = query.where(ReviewCard.due < end_of(today(ctx)))
    if track_id is not None:
        query = query.where(ReviewCard.track_id == track_id)
    if after is not None:
        due, card_id = after
        query = query.where(
            (ReviewCard.due > due) | ((ReviewCard.due == due) & (ReviewCard.id > card_id))
        )
    rows = await ctx.session.scalars(query.order_by(ReviewCard.due, ReviewCard.id).limit(limit + 1))
    return list(rows.all())


@dataclass(frozen=True)
class DueToday:
    """What the learner's review page shows: question cards due today per track (a session
    asks them) and the topic cards due today, each with its topic's name."""

    questions_by_track: dict[UUID, int]
    topics: list[tuple[ReviewCard, str]]
    later: int  # cards due after today


async def due_today(ctx: Context, org_id: UUID, user_id: UUID) -> DueToday:
    cutoff = end_of(today(ctx))
    due = (
        await ctx.session.scalars(
            scoped(ReviewCard, org_id)
            .where(ReviewCard.user_id == user_id, ReviewCard.due < cutoff)
            .order_by(ReviewCard.due, ReviewCard.id)
        )
    ).all()
    per_track: dict[UUID, int] = defaultdict(int)
    for card in due:
        if card.kind == "question":
            per_track[card.track_id] += 1
    topic_cards = [c for c in due if c.kind == "topic"]
    names: dict[UUID, str] = {}
    if topic_cards:
        rows = await ctx.session.execute(
            scoped(Topic, org_id)
            .with_only_columns(Topic.id, Topic.name)
            .where(Topic.id.in_({c.topic_id for c in topic_cards}))
        )
        names = {topic_id: name for topic_id, name in rows.all()}
    total = await ctx.session.scalar(
        scoped(ReviewCard, org_id).with_only_columns(func.count()).where(
            ReviewCard.user_id == user_id
        )
    )  # fmt: skip
    return DueToday(
        questions_by_track=dict(per_track),
        topics=[(c, names.get(c.topic_id, "?")) for c in topic_cards],
        later=int(total or 0) - len(due),
    )


async def history_of(ctx: Context, card: ReviewCard) -> list[ReviewLog]:
    """A card's gradings, oldest first."""
    rows = await ctx.session.scalars(
        scoped(ReviewLog, card.org_id).where(ReviewLog.card_id == card.id).order_by(ReviewLog.id)
    )
    return list(rows.all())
