"""A learner's progress in a track: attempts over time, per-topic accuracy and its trend,
weakest topics, and a first readiness figure (later replaced by a calibrated prediction)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from studyhall.exams.models import Attempt, AttemptItem, Track
from studyhall.exams.tracks import Syllabus
from studyhall.kit.context import Context
from studyhall.kit.tenancy import scoped

TREND_ATTEMPTS = 5  # accuracy and trend look at a topic's latest attempts
WEAKEST = 3
TREND_STEP = 5.0  # percentage points between first and last half that count as a trend


class AttemptPoint(BaseModel):
    attempt_id: UUID
    mode: str
    submitted_at: datetime
    percent: float
    scaled: float | None
    passed: bool


class TopicProgress(BaseModel):
    topic_id: UUID
    topic: str
    exam_share: float
    answered: int = Field(description="Scored answers in the latest attempts touching the topic.")
    accuracy: float | None = Field(description="Percent right over those answers.")
    trend: list[float] = Field(description="Accuracy per attempt, oldest first.")
    direction: Literal["improving", "declining", "steady", "unknown"]


class PracticeSummary(BaseModel):
    """Practice, drills, mistake retries and custom sets together: short sets of the
    learner's choosing, measured by the questions answered, not scored like an exam."""

    sets: int = Field(description="Submitted sets.")
    answered: int = Field(description="Questions answered in them (skipped ones not counted).")
    right_percent: float | None = Field(description="Percent of the answered ones right.")


class Progress(BaseModel):
    track_id: UUID
    passing_percent: float = Field(description="The pass mark in percent (on every track).")
    passing_score: float = Field(description="The pass mark on the track's own scale.")
    attempts: list[AttemptPoint] = Field(description="Every submitted attempt, any mode.")
    simulations: list[AttemptPoint] = Field(
        description="Submitted simulations only, oldest first: the exam-like scores."
    )
    practice: PracticeSummary
    topics: list[TopicProgress]
    weakest: list[TopicProgress]
    readiness: float = Field(
        description="Percent of the exam's weight in topics where your "
        "recent accuracy is at or above the pass mark."
    )


def passing_percent(track: Track) -> float:
    """The pass mark in percent: a scaled track's mark mapped back through its scale (700 on
    100 to 1000 is 66.67 %), so marks, scores and topic accuracies compare in one unit."""
    if track.scoring_kind == "scaled" and track.scaled_min is not None and track.scaled_max:
        span = track.scaled_max - track.scaled_min
        return round(100 * (track.passing_score - track.scaled_min) / span, 2)
    return track.passing_score


def _direction(trend: list[float]) -> Literal["improving", "declining", "steady", "unknown"]:
    if len(trend) < 2:
        return "unknown"
    half = len(trend) // 2
    before, after = trend[:half], trend[len(trend) - half :]
    change = sum(after) / len(after) - sum(before) / len(before)
    return (
        "improving" if change >= TREND_STEP else "declining" if change <= -TREND_STEP else "steady"
    )


async def progress(ctx: Context, syllabus: Syllabus, user_id: UUID) -> Progress:
    track = syllabus.track
    attempts = (
        await ctx.session.scalars(
            scoped(Attempt, track.org_id)
            .where(Attempt.user_id == user_id, Attempt.track_id == track.id)
            .order_by(Attempt.started_at)
        )
    ).all()
    items = (
        (
            await ctx.session.scalars(
                scoped(AttemptItem, track.org_id).where(
                    AttemptItem.attempt_id.in_([a.id for a in attempts]),
                    AttemptItem.score.is_not(None),
                )
            )
        ).all()
        if attempts
        else []
    )
    order = {a.id: index for index, a in enumerate(attempts)}
    # topic -> attempt -> scores, attempts in time order
    per_topic: dict[UUID, dict[UUID, list[float]]] = {}
    for item in sorted(items, key=lambda i: order[i.attempt_id]):
        assert item.score is not None
        per_topic.setdefault(item.topic_id, {}).setdefault(item.attempt_id, []).append(item.score)
    shares = syllabus.exam_shares()
    pass_mark = passing_percent(track)
    topics = []
    for leaf in syllabus.leaves():
        recent = list(per_topic.get(leaf.id, {}).values())[-TREND_ATTEMPTS:]
        scores = [s for attempt_scores in recent for s in attempt_scores]
        trend = [round(100 * sum(s) / len(s), 1) for s in recent]
        topics.append(TopicProgress(
            topic_id=leaf.id, topic=leaf.name, exam_share=round(shares[leaf.id], 4),
            answered=len(scores),
            accuracy=round(100 * sum(scores) / len(scores), 1) if scores else None,
            trend=trend, direction=_direction(trend),
        ))  # fmt: skip
    submitted = [a for a in attempts if a.status == "submitted" and a.submitted_at]
    points = [
        AttemptPoint(
            attempt_id=a.id, mode=a.mode, submitted_at=a.submitted_at, percent=a.score_percent or 0,
            scaled=a.score_scaled, passed=bool(a.passed),
        )
        for a in submitted
        if a.submitted_at is not None
    ]  # fmt: skip
    practice_ids = {a.id for a in submitted if a.mode != "simulation"}
    answered = [
        i.score or 0 for i in items if i.attempt_id in practice_ids and i.answer is not None
    ]
    measured = [t for t in topics if t.accuracy is not None]
    weakest = sorted(measured, key=lambda t: (t.accuracy, -t.exam_share))[:WEAKEST]
    ready_share = sum(t.exam_share for t in measured if (t.accuracy or 0) >= pass_mark)
    return Progress(
        track_id=track.id, passing_percent=pass_mark, passing_score=track.passing_score,
        attempts=points, simulations=[p for p in points if p.mode == "simulation"],
        practice=PracticeSummary(
            sets=len(practice_ids), answered=len(answered),
            right_percent=round(100 * sum(answered) / len(answered), 1) if answered else None,
        ),
        topics=topics, weakest=weakest, readiness=round(min(100.0, ready_share), 1),
    )  # fmt: skip
