"""Attempts (service): start one in any mode, save answers against a server deadline, submit.

Time belongs to the server: an attempt past its deadline is submitted as of the deadline the
next time anyone touches it, and a save after the deadline is refused. Never commits.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func

from studyhall.audit import service as audit
from studyhall.bank import service as bank
from studyhall.bank.content import QuestionContent
from studyhall.bank.models import QuestionVersion
from studyhall.events import service as events
from studyhall.exams import blueprint, hooks, scoring, selection, tracks
from studyhall.exams.aliases import Aliases
from studyhall.exams.attempt_schemas import AnswerSave, AttemptStart, Mode
from studyhall.exams.models import Attempt, AttemptItem, Topic
from studyhall.kit.context import Context
from studyhall.kit.db import may_write
from studyhall.kit.errors import Conflict, NotFound
from studyhall.kit.tenancy import scoped
from studyhall.kit.transaction import NeedsWriter
from studyhall.orgs.models import Org

INSTANT_FEEDBACK_MODES = {Mode.PRACTICE, Mode.DRILL, Mode.MISTAKES, Mode.REVIEW}


class AttemptClosed(Conflict):
    slug = "attempt-closed"
    title = "This attempt is already submitted"


class DeadlinePassed(Conflict):
    slug = "deadline-passed"
    title = "The time for this attempt is over"
    keep_writes = True  # the attempt is settled as of its deadline, and that must stay


class SequentialOnly(Conflict):
    slug = "sequential-navigation"
    title = "This exam moves forward only"


class AnswerLocked(Conflict):
    slug = "answer-locked"
    title = "With instant feedback, an answer is final once it is given"


class NoQuestions(Conflict):
    slug = "no-questions"
    title = "There are no published questions for this selection"


class OnlySkipped(NoQuestions):
    """ "Retry my mistakes" found nothing wrong or flagged, only questions left unanswered:
    the refusal says how many and how to ask for them (pages word it their own way)."""

    def __init__(self, skipped: int) -> None:
        self.skipped = skipped
        super().__init__(
            "Nothing to retry: no question of this track was answered wrong or flagged. "
            f"{_questions(skipped)} you left unanswered can be retried with "
            '"include_unanswered": true.'
        )


def _questions(n: int) -> str:
    return "1 question" if n == 1 else f"{n} questions"


class SimulationRunning(Conflict):
    """A learner has one simulation of a track at a time: a second one started by mistake
    (a second tab, the start page again) would hide the first, whose clock keeps running.
    The refusal names the running one, with its address and time left, to resume it."""

    slug = "attempt-in-progress"
    title = "A simulation of this track is already running"

    def __init__(self, attempt: Attempt, seconds_left: int | None, org_slug: str) -> None:
        self.attempt = attempt
        self.seconds_left = seconds_left
        resume = f"/api/v1/orgs/{org_slug}/attempts/{attempt.id}"
        left = f" ({minutes_left(seconds_left)} left)" if seconds_left is not None else ""
        super().__init__(
            f"Your simulation of this track started earlier is still running{left}: resume it "
            f"at {resume}, or submit it, before starting another.",
            headers={"Link": f'<{resume}>; rel="related"'},
        )


def minutes_left(seconds: int) -> str:
    """Time left as the start page and the lists say it: whole minutes, rounded up (a clock
    showing 8:30 has "9 min left"), hours from 90 minutes on."""
    minutes = -(-seconds // 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 90:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


class Unsettled(NeedsWriter):
    """A read-only transaction met an attempt whose time ran out: the request runs again as a
    writer, which submits it as of its deadline. Reads of attempts are frequent (resume,
    history, progress) and expiries rare, so reads almost never wait for SQLite's writer."""


class NotSubmitted(Conflict):
    slug = "not-submitted"
    title = "Review opens after the attempt is submitted"


_parsed: dict[UUID, QuestionContent] = {}
PARSED_CACHE_SIZE = 5000


def content_of(version: QuestionVersion) -> QuestionContent:
    """The version's content, parsed once per process: versions never change."""
    parsed = _parsed.get(version.id)
    if parsed is None:
        if len(_parsed) >= PARSED_CACHE_SIZE:
            _parsed.clear()
        parsed = _parsed[version.id] = QuestionContent.model_validate(version.content)
    return parsed


# --- starting ------------------------------------------------------------------------------


async def start(
    ctx: Context,
    org: Org,
    track_id: UUID,
    user_id: UUID,
    data: AttemptStart,
    rng: random.Random | None = None,
) -> Attempt:
    rng = rng or random.Random()  # noqa: S311 (shuffling questions, not secrets)
    syllabus = await tracks.get_syllabus(ctx, org.id, track_id)
    track = syllabus.track
    if data.mode is Mode.SIMULATION:
        for running in await in_progress(ctx, org.id, user_id, track.id):
            if running.mode == Mode.SIMULATION.value:
                left = None
                if running.deadline_at is not None:
                    left = max(0, int((running.deadline_at - ctx.now()).total_seconds()))
                raise SimulationRunning(running, left, org.slug)
    pool = await bank.published_pool(
        ctx, org.id, track.id, with_tags=data.mode is Mode.DRILL and bool(data.tag)
    )
    plan = await selection.plan(ctx, syllabus, pool, user_id, data)
    if not plan.by_topic or plan.count == 0:
        if data.mode is Mode.MISTAKES:
            found = await selection.latest_mistakes(ctx, org.id, track.id, user_id)
            skipped = sum(1 for _, kind in found if kind == "unanswered")
            if skipped and not data.include_unanswered:
                raise OnlySkipped(skipped)
            raise NoQuestions(
                "Nothing to retry: no question of this track was answered wrong or flagged "
                "in your submitted attempts yet."
            )
        if data.mode is Mode.REVIEW:
            raise NoQuestions("No question of this track is due for review today.")
        raise NoQuestions("Publish questions for these topics first, or choose other topics.")
    recent = await selection.recently_seen(ctx, org.id, track.id, user_id)
    chosen = blueprint.select_questions(_allocation(plan), plan.by_topic, recent, rng)
    now = ctx.now()
    minutes = track.time_limit_minutes if data.mode is Mode.SIMULATION else data.time_limit_minutes
    feedback = (
        "instant"
        if data.mode in INSTANT_FEEDBACK_MODES
        else (data.feedback or "end")
        if data.mode is Mode.CUSTOM
        else "end"
    )
    attempt = Attempt(
        org_id=org.id, track_id=track.id, user_id=user_id, mode=data.mode.value,
        status="in_progress", navigation=track.navigation if data.mode is Mode.SIMULATION
        else "free", started_at=now, deadline_at=now + timedelta(minutes=minutes)
        if minutes else None, furthest_position=1,
        options={**data.model_dump(mode="json", exclude_none=True), "feedback": feedback},
    )  # fmt: skip
    ctx.session.add(attempt)
    await ctx.session.flush()
    versions = await versions_by_id(ctx, org.id, [plan.versions[q].version_id for q in chosen])
    for position, question_id in enumerate(chosen, start=1):
        version = versions[plan.versions[question_id].version_id]
        ctx.session.add(AttemptItem(
            org_id=org.id, attempt_id=attempt.id, position=position,
            question_id=version.question_id, version_id=version.id, topic_id=version.topic_id,
            presented=selection.presentation(content_of(version), rng),
        ))  # fmt: skip
    await ctx.session.flush()
    audit.record(
        ctx,
        "attempt.started",
        org_id=org.id,
        target_type="attempt",
        target_id=attempt.id,
        summary={"mode": attempt.mode, "questions": len(chosen), "track": str(track.id)},
    )
    events.emit(
        ctx, "attempt.started", aggregate=("attempt", attempt.id), org_id=org.id,
        data={"attempt_id": str(attempt.id), "track_id": str(track.id),
              "user_id": str(user_id), "mode": attempt.mode},
    )  # fmt: skip
    return attempt


def _allocation(plan: selection.Plan) -> dict[UUID, int]:
    available = {topic: len(ids) for topic, ids in plan.by_topic.items()}
    if not plan.represent_all or plan.count < len(available):
        return blueprint.allocate(plan.weights, plan.count, available)
    # Every topic first gets one question, then the rest follows the weights.
    rest = blueprint.allocate(
        plan.weights, plan.count - len(available), {topic: n - 1 for topic, n in available.items()}
    )
    return {topic: 1 + rest.get(topic, 0) for topic in available}


# --- reading and settling ---------------------------------------------------------------------


async def load(
    ctx: Context,
    org_id: UUID,
    attempt_id: UUID,
    user_id: UUID,
    *,
    for_update: bool = False,
) -> Attempt:
    """The caller's own attempt (anyone else's is a 404), settled if its time ran out."""
    query = scoped(Attempt, org_id).where(Attempt.id == attempt_id, Attempt.user_id == user_id)
    if for_update:
        query = query.with_for_update()
    attempt = await ctx.session.scalar(query)
    if attempt is None:
        raise NotFound("No such attempt.")
    await settle_if_expired(ctx, attempt)
    return attempt


def expired(attempt: Attempt, now: datetime) -> bool:
    return (
        attempt.status == "in_progress"
        and attempt.deadline_at is not None
        and now >= attempt.deadline_at
    )


async def settle_if_expired(ctx: Context, attempt: Attempt) -> bool:
    if not expired(attempt, ctx.now()):
        return False
    if not may_write(ctx.session):
        raise Unsettled()
    # Lock and re-read, so a read and a submit racing past the deadline settle it once.
    await ctx.session.refresh(attempt, with_for_update=True)
    if not expired(attempt, ctx.now()):
        return False
    assert attempt.deadline_at is not None
    await submit(ctx, attempt, by="deadline", at=attempt.deadline_at)
    return True


async def items_with_versions(
    ctx: Context, attempt: Attempt
) -> list[tuple[AttemptItem, QuestionVersion]]:
    items = (
        await ctx.session.scalars(
            scoped(AttemptItem, attempt.org_id)
            .where(AttemptItem.attempt_id == attempt.id)
            .order_by(AttemptItem.position)
        )
    ).all()
    versions = await versions_by_id(ctx, attempt.org_id, [i.version_id for i in items])
    return [(item, versions[item.version_id]) for item in items]


# --- answering ---------------------------------------------------------------------------------


# Built once (see save_answer): building it cost about as much as running it.
_ATTEMPT_AND_ITEM = (
    scoped(Attempt, bindparam("org_id"))
    .add_columns(AttemptItem)
    .outerjoin(
        AttemptItem,
        (AttemptItem.attempt_id == Attempt.id)
        & (AttemptItem.org_id == Attempt.org_id)
        & (AttemptItem.position == bindparam("position")),
    )
    .where(Attempt.id == bindparam("attempt_id"), Attempt.user_id == bindparam("user_id"))
    .with_for_update(of=Attempt)
)


async def save_answer(
    ctx: Context, org_id: UUID, attempt_id: UUID, user_id: UUID, position: int, data: AnswerSave
) -> tuple[Attempt, AttemptItem, QuestionVersion]:
    """Save one answer: the attempt (locked) and its item come in one query and the version
    from the process's cache (versions never change), because this is the request learners
    make most — one per question."""
    found = await ctx.session.execute(
        _ATTEMPT_AND_ITEM,
        {"org_id": org_id, "attempt_id": attempt_id, "user_id": user_id, "position": position},
    )
    row = found.first()
    if row is None:
        raise NotFound("No such attempt.")
    attempt, item = row
    await settle_if_expired(ctx, attempt)
    if attempt.status != "in_progress":
        if attempt.submitted_by == "deadline":
            raise DeadlinePassed("The attempt was submitted when its time ran out.")
        raise AttemptClosed()
    if item is None:
        raise NotFound(f"This attempt has no question {position}.")
    if attempt.navigation == "sequential" and position < attempt.furthest_position:
        raise SequentialOnly(
            f"You are at question {attempt.furthest_position}; earlier questions are closed."
        )
    version = await version_of(ctx, item)
    given = data.model_fields_set
    answered_before = item.answer is not None
    if "answer" in given:
        await _set_answer(ctx, attempt, item, version, data.answer)
    if "flagged" in given and data.flagged is not None:
        item.flagged = data.flagged
    if data.time_spent_ms is not None:
        item.time_spent_ms = data.time_spent_ms
    if attempt.mode == Mode.REVIEW.value and not answered_before and item.correct is not None:
        await hooks.answered(ctx, attempt, item)  # its review card is graded now (reviews/)
    if position > attempt.furthest_position:
        attempt.furthest_position = position
    return attempt, item, version


_versions: dict[UUID, QuestionVersion] = {}


async def version_of(ctx: Context, item: AttemptItem) -> QuestionVersion:
    return (await versions_by_id(ctx, item.org_id, [item.version_id]))[item.version_id]


async def versions_by_id(
    ctx: Context, org_id: UUID, ids: list[UUID]
) -> dict[UUID, QuestionVersion]:
    """Versions by id, each read once per process: versions never change, and every save,
    resume and start needs the ones its attempt pins. Cached copies are detached from any
    session (a rollback elsewhere must not expire them) and are only ever read."""
    found = {i: v for i in ids if (v := _versions.get(i)) is not None and v.org_id == org_id}
    missing = [i for i in dict.fromkeys(ids) if i not in found]
    if missing:
        loaded = (
            await ctx.session.scalars(
                scoped(QuestionVersion, org_id).where(QuestionVersion.id.in_(missing))
            )
        ).all()
        if len(loaded) < len(missing):
            raise NotFound("A version this attempt needs no longer exists.")
        if len(_versions) + len(loaded) > PARSED_CACHE_SIZE:
            _versions.clear()
        for version in loaded:
            ctx.session.expunge(version)
            _versions[version.id] = found[version.id] = version
    return found


async def _set_answer(
    ctx: Context,
    attempt: Attempt,
    item: AttemptItem,
    version: QuestionVersion,
    answer: dict[str, Any] | None,
) -> None:
    if answer is not None:
        answer = Aliases(item.presented).to_real(answer)  # the screen's names -> the author's
    if answer == item.answer:
        return  # the same save twice is one answer
    instant = attempt.options.get("feedback") == "instant"
    if instant and item.answer is not None:
        raise AnswerLocked("Its feedback was shown already; move on to the next question.")
    body = content_of(version).body
    if answer is not None:
        scoring.check_answer(body, answer, field="body.answer")
    item.answer = answer
    item.answered_at = ctx.now() if answer is not None else None
    events.emit(
        ctx, "answer.saved", aggregate=("attempt", attempt.id), org_id=attempt.org_id,
        data={"attempt_id": str(attempt.id), "position": item.position,
              "user_id": str(attempt.user_id)},
    )  # fmt: skip
    if instant and answer is not None:
        item.score = scoring.score_answer(body, answer)
        item.correct = scoring.is_correct(item.score)


# --- submitting ---------------------------------------------------------------------------------


async def submit(
    ctx: Context, attempt: Attempt, *, by: str = "learner", at: datetime | None = None
) -> Attempt:
    """Score every question and the whole. Submitting twice returns the same result."""
    if attempt.status == "submitted":
        return attempt
    pairs = await items_with_versions(ctx, attempt)
    topic_names = await _topic_names(ctx, attempt.org_id, {i.topic_id for i, _ in pairs})
    per_topic: dict[UUID, list[float]] = defaultdict(list)
    for item, version in pairs:
        item.score = scoring.score_answer(content_of(version).body, item.answer)
        item.correct = scoring.is_correct(item.score)
        per_topic[item.topic_id].append(item.score)
    points = sum(i.score or 0 for i, _ in pairs)
    percent = round(100 * points / len(pairs), 2) if pairs else 0.0
    syllabus = await tracks.get_syllabus(ctx, attempt.org_id, attempt.track_id)
    track = syllabus.track
    scaled = (
        scoring.scale_score(percent, track.scoring_kind, track.scaled_min, track.scaled_max)
        if track.scoring_kind == "scaled"
        else None
    )
    attempt.status = "submitted"
    attempt.submitted_at = at or ctx.now()
    attempt.submitted_by = by
    attempt.score_points = round(points, 4)
    attempt.score_percent = percent
    attempt.score_scaled = scaled
    attempt.passed = (scaled if scaled is not None else percent) >= track.passing_score
    attempt.breakdown = [
        {"topic_id": str(topic_id), "topic": topic_names.get(topic_id, "?"),
         "correct": sum(1 for s in scores if scoring.is_correct(s)), "total": len(scores),
         "points": round(sum(scores), 4), "percent": round(100 * sum(scores) / len(scores), 2)}
        for topic_id, scores in per_topic.items()
    ]  # fmt: skip
    audit.record(
        ctx,
        "attempt.submitted",
        org_id=attempt.org_id,
        target_type="attempt",
        target_id=attempt.id,
        summary={"by": by, "percent": percent, "passed": attempt.passed},
    )
    events.emit(
        ctx, "attempt.submitted", aggregate=("attempt", attempt.id), org_id=attempt.org_id,
        data={"attempt_id": str(attempt.id), "track_id": str(attempt.track_id),
              "user_id": str(attempt.user_id), "by": by, "score": percent,
              "passed": attempt.passed},
    )  # fmt: skip
    await hooks.submitted(ctx, attempt, pairs)  # review cards made and graded (reviews/)
    return attempt


async def _topic_names(ctx: Context, org_id: UUID, ids: set[UUID]) -> dict[UUID, str]:
    if not ids:
        return {}
    rows = await ctx.session.execute(
        scoped(Topic, org_id).with_only_columns(Topic.id, Topic.name).where(Topic.id.in_(ids))
    )
    return {row[0]: row[1] for row in rows.all()}


async def in_progress(ctx: Context, org_id: UUID, user_id: UUID, track_id: UUID) -> list[Attempt]:
    """The caller's attempts of a track still running (those whose time ran out are settled
    on the way), newest first: the start page offers to resume them."""
    query = (
        scoped(Attempt, org_id)
        .where(
            Attempt.user_id == user_id,
            Attempt.track_id == track_id,
            Attempt.status == "in_progress",
        )
        .order_by(Attempt.started_at.desc())
    )
    running = []
    for attempt in (await ctx.session.scalars(query)).all():
        if not await settle_if_expired(ctx, attempt):
            running.append(attempt)
    return running


async def history(
    ctx: Context,
    org_id: UUID,
    user_id: UUID,
    track_id: UUID | None,
    limit: int = 100,
) -> list[tuple[Attempt, int]]:
    """The caller's attempts, newest first, with their question counts."""
    # Counted per listed attempt (a correlated subquery), not over the organisation's items.
    count = (
        scoped(AttemptItem, org_id)
        .with_only_columns(func.count())
        .where(AttemptItem.attempt_id == Attempt.id)
        .scalar_subquery()
    )
    query = scoped(Attempt, org_id).add_columns(count).where(Attempt.user_id == user_id)
    if track_id is not None:
        query = query.where(Attempt.track_id == track_id)
    rows = await ctx.session.execute(query.order_by(Attempt.started_at.desc()).limit(limit))
    attempts = [(a, int(n)) for a, n in rows.all()]
    for attempt, _ in attempts:
        await settle_if_expired(ctx, attempt)
    return attempts
