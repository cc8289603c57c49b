"""Which questions an attempt gets: the pool per topic, the weights, what to avoid, and the
order options are shown in. The arithmetic (quotas, picking) is in `blueprint`."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

from studyhall.bank.content import (
    Matching,
    MultipleResponse,
    Ordering,
    QuestionContent,
    SingleChoice,
)
from studyhall.bank.service import PoolEntry
from studyhall.exams import hooks
from studyhall.exams.attempt_schemas import AttemptStart, Mode
from studyhall.exams.models import Attempt, AttemptItem, Topic
from studyhall.exams.tracks import Syllabus
from studyhall.kit.context import Context
from studyhall.kit.errors import InvalidInput
from studyhall.kit.tenancy import scoped

RECENT_ATTEMPTS = 3  # questions seen in this many latest attempts are avoided while possible
ADAPTIVE_WINDOW = 5  # attempts whose answers measure a topic's recent accuracy
ADAPTIVE_FLOOR = 0.15  # a mastered topic keeps this much of its weight
UNKNOWN_ACCURACY = 0.5
DEFAULT_COUNT = 10


@dataclass
class Plan:
    count: int
    weights: dict[UUID, float]  # leaf topic -> weight
    by_topic: dict[UUID, list[UUID]]  # leaf topic -> drawable question ids
    versions: dict[UUID, PoolEntry] = field(default_factory=dict)  # question id -> its entry
    represent_all: bool = False  # give every topic with questions at least one


def _subtree_leaves(syllabus: Syllabus, roots: Sequence[UUID]) -> set[UUID]:
    children: dict[UUID | None, list[Topic]] = {}
    for topic in syllabus.topics:
        children.setdefault(topic.parent_id, []).append(topic)
    leaves: set[UUID] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        kids = children.get(node, [])
        if kids:
            stack += [k.id for k in kids]
        else:
            leaves.add(node)
    return leaves


def _topics_asked(syllabus: Syllabus, data: AttemptStart) -> set[UUID]:
    known = {t.id for t in syllabus.topics}
    if unknown := [str(t) for t in data.topic_ids if t not in known]:
        raise InvalidInput(errors=[("body.topic_ids", f"not topics of this track: {unknown}")])
    return _subtree_leaves(syllabus, data.topic_ids)


async def plan(
    ctx: Context,
    syllabus: Syllabus,
    pool: Sequence[PoolEntry],
    user_id: UUID,
    data: AttemptStart,
) -> Plan:
    track = syllabus.track
    shares = syllabus.exam_shares()
    leaves = {t.id for t in syllabus.leaves()}
    versions = {e.question_id: e for e in pool if e.topic_id in leaves}
    count = data.count or DEFAULT_COUNT
    adaptive = False
    if data.mode is Mode.SIMULATION:
        count = track.exam_length
    elif data.mode is Mode.DRILL:
        if data.tag:
            tag = data.tag.strip().lower()
            versions = {q: v for q, v in versions.items() if tag in v.tags}
        elif len(data.topic_ids) == 1:
            wanted = _topics_asked(syllabus, data)
            versions = {q: v for q, v in versions.items() if v.topic_id in wanted}
        else:
            raise InvalidInput(
                "A drill needs one topic or one tag.",
                errors=[("body.topic_ids", "give exactly one topic, or a tag")],
            )
    elif data.mode is Mode.MISTAKES:
        mistakes = await mistaken_questions(
            ctx, track.org_id, track.id, user_id, include_unanswered=data.include_unanswered
        )
        versions = {q: v for q, v in versions.items() if q in mistakes}
        count = min(data.count or len(versions), len(versions))
    elif data.mode is Mode.REVIEW:
        due = await hooks.review_questions(ctx, track.org_id, user_id, track.id)
        versions = {q: versions[q] for q in due if q in versions}
        count = len(versions)
    elif data.mode is Mode.CUSTOM:
        if data.topic_ids:
            wanted = _topics_asked(syllabus, data)
            versions = {q: v for q, v in versions.items() if v.topic_id in wanted}
        count = data.count or track.exam_length
    elif data.mode is Mode.PRACTICE:
        adaptive = data.adaptive
    by_topic: dict[UUID, list[UUID]] = {}
    for question_id, version in versions.items():
        by_topic.setdefault(version.topic_id, []).append(question_id)
    weights = {topic: shares[topic] for topic in by_topic}
    if adaptive:
        accuracy = await recent_accuracy(ctx, track.org_id, track.id, user_id)
        weights = adaptive_weights(weights, accuracy)
    return Plan(
        count=count, weights=weights, by_topic=by_topic, versions=versions, represent_all=adaptive
    )


def adaptive_weights(shares: dict[UUID, float], accuracy: dict[UUID, float]) -> dict[UUID, float]:
    """Exam weight times weakness: a topic answered 40% right weighs 0.75 of its share, one
    answered 100% right 0.15 — never nothing, so every topic stays in practice."""
    return {
        topic: share
        * max(ADAPTIVE_FLOOR, 1.0 + ADAPTIVE_FLOOR - accuracy.get(topic, UNKNOWN_ACCURACY))
        for topic, share in shares.items()
    }


async def _answered_items(
    ctx: Context, org_id: UUID, track_id: UUID, user_id: UUID, attempts: int | None
) -> list[AttemptItem]:
    """The learner's items in this track, newest attempt first."""
    recent = (
        scoped(Attempt, org_id)
        .with_only_columns(Attempt.id)
        .where(Attempt.user_id == user_id, Attempt.track_id == track_id)
        .order_by(Attempt.started_at.desc())
    )
    if attempts is not None:
        recent = recent.limit(attempts)
    ids = list((await ctx.session.scalars(recent)).all())
    if not ids:
        return []
    order = {attempt_id: index for index, attempt_id in enumerate(ids)}
    items = (
        await ctx.session.scalars(
            scoped(AttemptItem, org_id).where(AttemptItem.attempt_id.in_(ids))
        )
    ).all()
    return sorted(items, key=lambda i: (order[i.attempt_id], i.position))


async def recently_seen(ctx: Context, org_id: UUID, track_id: UUID, user_id: UUID) -> set[UUID]:
    items = await _answered_items(ctx, org_id, track_id, user_id, RECENT_ATTEMPTS)
    return {item.question_id for item in items}


async def recent_accuracy(
    ctx: Context, org_id: UUID, track_id: UUID, user_id: UUID
) -> dict[UUID, float]:
    """Per leaf topic, the mean score of its scored answers in the latest attempts."""
    scores: dict[UUID, list[float]] = {}
    for item in await _answered_items(ctx, org_id, track_id, user_id, ADAPTIVE_WINDOW):
        if item.score is not None and (item.answer is not None or item.correct is not None):
            scores.setdefault(item.topic_id, []).append(item.score)
    return {topic: sum(s) / len(s) for topic, s in scores.items()}


Outcome = Literal["right", "partly", "wrong", "unanswered"]
MistakeKind = Literal["wrong", "flagged", "unanswered"]


def outcome(item: AttemptItem) -> Outcome | None:
    """How a scored question went; None while it is not scored (an open attempt's question
    without instant feedback). A question left unanswered is not a wrong answer: it counts
    0 points, but the learner never chose anything wrong."""
    if item.score is None or item.correct is None:
        return None
    if item.answer is None:
        return "unanswered"
    if item.correct:
        return "right"
    return "partly" if item.score > 0 else "wrong"


def mistake_kind(item: AttemptItem) -> MistakeKind | None:
    """Why a question comes back to "retry my mistakes": answered wrong (or partly), flagged by
    the learner, or left unanswered; None for a right one."""
    how = outcome(item)
    if how in ("wrong", "partly"):
        return "wrong"
    if item.flagged:
        return "flagged"
    return "unanswered" if how == "unanswered" else None


async def latest_mistakes(
    ctx: Context, org_id: UUID, track_id: UUID, user_id: UUID
) -> list[tuple[AttemptItem, MistakeKind]]:
    """Per question, its latest scored (or flagged) item in this track when that item is a
    mistake of some kind, newest attempt first. The one rule behind the API's mistakes mode
    and the mistakes page."""
    latest: dict[UUID, AttemptItem] = {}
    for item in await _answered_items(ctx, org_id, track_id, user_id, None):
        if item.question_id not in latest and (item.flagged or item.correct is not None):
            latest[item.question_id] = item
    found = [(item, mistake_kind(item)) for item in latest.values()]
    return [(item, kind) for item, kind in found if kind is not None]


async def mistaken_questions(
    ctx: Context,
    org_id: UUID,
    track_id: UUID,
    user_id: UUID,
    *,
    include_unanswered: bool = False,
) -> set[UUID]:
    """Questions whose latest answer was wrong or that are flagged there; the ones left
    unanswered only when asked for (a skipped question is not a mistake the learner made, and
    counting them turned a half-finished simulation into a 49-question "mistakes" set)."""
    wanted = {"wrong", "flagged", "unanswered"} if include_unanswered else {"wrong", "flagged"}
    return {
        item.question_id
        for item, kind in await latest_mistakes(ctx, org_id, track_id, user_id)
        if kind in wanted
    }


def presentation(content: QuestionContent, rng: random.Random) -> dict[str, list[str]]:
    """The order things are shown in, fixed for the attempt so a reload shows the same."""
    body = content.body
    if isinstance(body, SingleChoice | MultipleResponse):
        ids = [o.id for o in body.options]
        if body.shuffle:
            rng.shuffle(ids)
        return {"options": ids}
    if isinstance(body, Ordering):
        ids = [i.id for i in body.items]
        correct = list(ids)
        while ids == correct:  # two or more items: a shuffle that gives the answer away is redone
            rng.shuffle(ids)
        return {"items": ids}
    if isinstance(body, Matching):
        responses = [r.id for r in body.responses]
        rng.shuffle(responses)
        return {"premises": [p.id for p in body.premises], "responses": responses}
    return {}
