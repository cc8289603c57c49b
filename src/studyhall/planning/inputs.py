"""Turning stored rows into the scheduler's inputs, and the scheduler's days back into times.

The scheduler (scheduler.py) is a pure function; this module is its loader: the learner's
local `today`, each active goal's leaf topics with normalised weights, measured accuracy and
trend (from exams' per-topic progress), the study time each topic still needs, the FSRS
review load and the work already done.

Study-time estimate (no track stores one today): a syllabus takes
`TRACK_STUDY_MINUTES` of first-contact study in all, shared among its leaf topics by their
exam weight, and never less than `MIN_TOPIC_STUDY_MINUTES` for a topic (a small topic still
needs a first reading). Study already done on a topic is taken off; a mastered topic needs none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from studyhall.exams import progress as exam_progress
from studyhall.exams import tracks
from studyhall.kit.context import Context
from studyhall.planning.models import PlanBlock, StudyGoal, StudyProfile
from studyhall.planning.scheduler import (
    BlockKind,
    DoneWork,
    GoalInput,
    PlanRequest,
    TopicInput,
)
from studyhall.reviews import service as reviews

TRACK_STUDY_MINUTES = 120 * 60  # a whole syllabus: about 120 hours of first contact
MIN_TOPIC_STUDY_MINUTES = 30
DONE_STATUSES = ("done", "partial")


def zone(name: str) -> ZoneInfo | None:
    """The IANA zone of this name, or None when there is none (or the name is not a name)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_today(time_zone: str, now: datetime) -> date:
    """The learner's date at this instant."""
    found = zone(time_zone) or ZoneInfo("UTC")
    return now.astimezone(found).date()


def block_start(day: date, day_start: time, time_zone: str, offset_minutes: int) -> datetime:
    """When a block starts, in UTC: the day's local start time in the learner's zone (its
    offset that very day, so weeks across a daylight-saving change stay right), plus the
    block's offset in elapsed minutes. A start time that does not exist that day (in the
    spring-forward gap) is read with the offset before the change, i.e. one hour later."""
    found = zone(time_zone) or ZoneInfo("UTC")
    local = datetime.combine(day, day_start, tzinfo=found)
    return local.astimezone(UTC) + timedelta(minutes=offset_minutes)


def study_estimate(share: float, total_share: float) -> int:
    """First-contact minutes a topic needs: its part of the track's study time by weight."""
    part = share / total_share if total_share > 0 else 0.0
    return max(MIN_TOPIC_STUDY_MINUTES, round(TRACK_STUDY_MINUTES * part))


@dataclass(frozen=True)
class GoalSyllabus:
    """A goal with the leaves the plan covers: (topic id, name, normalised weight)."""

    goal: StudyGoal
    syllabus: tracks.Syllabus
    leaves: tuple[tuple[UUID, str, float], ...]


async def goal_syllabus(ctx: Context, goal: StudyGoal) -> GoalSyllabus:
    """The goal's track leaves less the excluded ones, with weights summing to 1."""
    syllabus = await tracks.get_syllabus(ctx, goal.org_id, goal.track_id)
    excluded = {UUID(t) for t in goal.excluded_topic_ids}
    shares = syllabus.exam_shares()
    kept = [leaf for leaf in syllabus.leaves() if leaf.id not in excluded]
    total = sum(max(shares[leaf.id], 0.0) for leaf in kept)
    count = len(kept) or 1
    leaves = tuple(
        (leaf.id, leaf.name, (shares[leaf.id] / total) if total > 0 else 1 / count) for leaf in kept
    )
    return GoalSyllabus(goal, syllabus, leaves)


async def measured(
    ctx: Context, syllabus: tracks.Syllabus, user_id: UUID
) -> dict[UUID, tuple[float | None, float]]:
    """Per leaf topic: accuracy 0..1 (None if never practised) and its trend -1..1, from the
    learner's submitted attempts (exams' own per-topic progress)."""
    found = await exam_progress.progress(ctx, syllabus, user_id)
    out: dict[UUID, tuple[float | None, float]] = {}
    for topic in found.topics:
        accuracy = topic.accuracy / 100 if topic.accuracy is not None else None
        trend = (topic.trend[-1] - topic.trend[0]) / 100 if len(topic.trend) >= 2 else 0.0
        out[topic.topic_id] = (accuracy, max(-1.0, min(1.0, trend)))
    return out


async def review_minutes(
    ctx: Context, org_id: UUID, user_id: UUID, start: date, end: date
) -> dict[date, int]:
    """Expected FSRS review minutes per day from `start` to `end` (the reviews domain's
    forecast of the cards due, at the learner's own minutes per review)."""
    return await reviews.review_minutes_by_day(ctx, org_id, user_id, start, end)


def today_used(profile: StudyProfile, history: Sequence[PlanBlock], now: datetime) -> int:
    """Minutes of today's study time already gone: the later of the work recorded today and
    the time elapsed since today's start time (a plan made at 21:00 starts at 21:00)."""
    today = local_today(profile.time_zone, now)
    opened = block_start(today, profile.day_start, profile.time_zone, 0)
    elapsed = max(0, int((now - opened).total_seconds() // 60))
    ends = [
        int((b.starts_at - opened).total_seconds() // 60) + b.minutes
        for b in history
        if b.day == today and b.status != "planned"
    ]
    return min(24 * 60, max([elapsed, *ends]))


def done_work(blocks: Sequence[PlanBlock]) -> tuple[DoneWork, ...]:
    """Work done so far, as the scheduler counts it (reviews are FSRS's, not a goal's)."""
    return tuple(
        DoneWork(
            goal_id=b.goal_id, topic_id=b.topic_id, kind=BlockKind(b.kind), minutes=b.done_minutes
        )
        for b in blocks
        if b.status in DONE_STATUSES and b.goal_id is not None and b.done_minutes > 0
    )


def studied_minutes(blocks: Sequence[PlanBlock]) -> dict[tuple[UUID, UUID], int]:
    """Study minutes done per (goal, topic)."""
    out: dict[tuple[UUID, UUID], int] = defaultdict(int)
    for b in blocks:
        if (
            b.status in DONE_STATUSES
            and b.kind == BlockKind.STUDY
            and b.goal_id is not None
            and b.topic_id is not None
        ):
            out[(b.goal_id, b.topic_id)] += b.done_minutes
    return out


async def plan_request(
    ctx: Context,
    profile: StudyProfile,
    goals: Sequence[StudyGoal],
    history: Sequence[PlanBlock],
    now: datetime,
) -> tuple[PlanRequest, list[GoalSyllabus]]:
    """The scheduler's whole input for this learner from their today on."""
    today = local_today(profile.time_zone, now)
    studied = studied_minutes(history)
    goal_inputs = []
    loaded = []
    for goal in goals:
        gs = await goal_syllabus(ctx, goal)
        loaded.append(gs)
        accuracy = await measured(ctx, gs.syllabus, goal.user_id)
        mastered = {UUID(t) for t in goal.mastered_topic_ids}
        topics = []
        for topic_id, name, weight in gs.leaves:
            acc, trend = accuracy.get(topic_id, (None, 0.0))
            needed = 0 if topic_id in mastered else study_estimate(weight, 1.0)
            needed = max(0, needed - studied.get((goal.id, topic_id), 0))
            topics.append(TopicInput(
                id=topic_id, name=name, weight=weight, study_minutes=needed, accuracy=acc,
                trend=trend, mastered=topic_id in mastered,
            ))  # fmt: skip
        goal_inputs.append(GoalInput(
            id=goal.id, exam_date=goal.exam_date, target_score=goal.target_score,
            session_minutes=profile.session_minutes, daily_questions=profile.daily_questions,
            simulation_minutes=gs.syllabus.track.time_limit_minutes, essay=goal.essay,
            topics=tuple(topics),
        ))  # fmt: skip
    last = max((g.exam_date for g in goals), default=today)
    reviews = await review_minutes(ctx, profile.org_id, profile.user_id, today, last)
    used_today = today_used(profile, history, now)
    weekdays = tuple(profile.minutes_by_weekday)
    assert len(weekdays) == 7
    request = PlanRequest(
        today=today,
        minutes_by_weekday=weekdays,
        days_off=frozenset(date.fromisoformat(d) for d in profile.days_off),
        goals=tuple(goal_inputs),
        review_minutes=reviews,
        done=done_work(history),
        used_today=used_today,
    )
    return request, loaded
