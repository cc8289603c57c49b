"""What a re-plan changes: blocks added, removed and moved, and minutes per topic, between the
planned future and a newly made plan (shown to the learner before they apply it)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from uuid import UUID

from studyhall.planning.models import PlanBlock
from studyhall.planning.scheduler import Block, Plan
from studyhall.planning.schemas import BlockChange, ReplanPreview, ShortfallOut, TopicMinutes

Key = tuple[str, UUID | None, UUID | None]


def diff(before: Sequence[PlanBlock], after: Plan, today: date, reason: str) -> ReplanPreview:
    """Blocks added, removed and moved (same kind and topic, another day), and minutes per
    topic before and after, between the planned future and a new plan."""
    old: dict[Key, list[PlanBlock]] = defaultdict(list)
    new: dict[Key, list[Block]] = defaultdict(list)
    for b in before:
        old[(b.kind, b.goal_id, b.topic_id)].append(b)
    for n in after.blocks:
        new[(n.kind.value, n.goal_id, n.topic_id)].append(n)
    changes: list[BlockChange] = []
    for key in sorted(set(old) | set(new), key=str):
        olds = Counter(b.day for b in old.get(key, []))
        news = Counter(b.day for b in new.get(key, []))
        same = olds & news
        gone = sorted((olds - same).elements())
        came = sorted((news - same).elements())
        kind, goal_id, topic_id = key
        minutes = (old.get(key) or new.get(key) or [None])[0]
        size = minutes.minutes if minutes is not None else 0
        for from_day, to_day in zip(gone, came, strict=False):
            changes.append(BlockChange(
                kind="moved", day=from_day, to_day=to_day, block_kind=kind,
                topic_id=topic_id, goal_id=goal_id, minutes=size,
            ))  # fmt: skip
        for day in gone[len(came) :]:
            changes.append(BlockChange(
                kind="removed", day=day, block_kind=kind,
                topic_id=topic_id, goal_id=goal_id, minutes=size,
            ))  # fmt: skip
        for day in came[len(gone) :]:
            changes.append(BlockChange(
                kind="added", day=day, block_kind=kind,
                topic_id=topic_id, goal_id=goal_id, minutes=size,
            ))  # fmt: skip
    minutes_before: Counter[tuple[UUID | None, UUID | None]] = Counter()
    minutes_after: Counter[tuple[UUID | None, UUID | None]] = Counter()
    for b in before:
        minutes_before[(b.goal_id, b.topic_id)] += b.minutes
    for n in after.blocks:
        minutes_after[(n.goal_id, n.topic_id)] += n.minutes
    topics = [
        TopicMinutes(
            goal_id=g, topic_id=t, before=minutes_before[(g, t)], after=minutes_after[(g, t)]
        )
        for g, t in sorted(set(minutes_before) | set(minutes_after), key=str)
        if minutes_before[(g, t)] != minutes_after[(g, t)]
    ]
    changes.sort(key=lambda c: (c.day, c.kind))
    count = Counter(c.kind for c in changes)
    return ReplanPreview(
        today=today, reason=reason, added=count["added"], removed=count["removed"],
        moved=count["moved"], changes=changes, minutes_by_topic=topics,
        final_stretch=after.final_stretch,
        shortfalls=[ShortfallOut(
            goal_id=s.goal_id, needed_minutes=s.needed_minutes,
            available_minutes=s.available_minutes, suggestions=list(s.suggestions),
        ) for s in after.shortfalls],
    )  # fmt: skip
