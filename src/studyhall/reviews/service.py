"""Spaced reviews (service): cards made from attempts and studied topics, graded by FSRS,
due dates and expected minutes for the plan, and per-learner settings and parameters.

Cards are personal: every function takes the learner (org_id, user_id) and never shows one
learner's cards to another. Days are UTC days: a card is due "on" a day when its due time is
before the end of that day. Never commits.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from sqlalchemy import func

from studyhall.audit import service as audit
from studyhall.bank.models import QuestionVersion
from studyhall.events import service as events
from studyhall.exams import attempts, hooks
from studyhall.exams.attempt_schemas import AttemptStart, Mode
from studyhall.exams.models import Attempt, AttemptItem, Topic
from studyhall.kit.context import Context
from studyhall.kit.errors import Conflict, NotFound
from studyhall.kit.tenancy import across_orgs, scoped
from studyhall.orgs.models import Org
from studyhall.reviews import memory, optimiser, rules
from studyhall.reviews.models import ReviewCard, ReviewLog, ReviewSettings
from studyhall.reviews.rules import Rating

TRACK_SAMPLE = 1000  # the track's latest answer times that give its typical time


class GradedBySession(Conflict):
    slug = "graded-by-session"
    title = "A question card is graded by answering it in a review session"


# --- days -----------------------------------------------------------------------------------


def end_of(day: date) -> datetime:
    """The first instant after `day` (UTC): cards due before it are due that day."""
    return datetime.combine(day + timedelta(days=1), time(), UTC)


def today(ctx: Context) -> date:
    return ctx.now().astimezone(UTC).date()


# --- settings -------------------------------------------------------------------------------


async def settings_of(ctx: Context, org_id: UUID, user_id: UUID) -> ReviewSettings:
    """The learner's settings; defaults (not stored) until they change one or get fitted
    parameters."""
    found = await ctx.session.scalar(
        scoped(ReviewSettings, org_id).where(ReviewSettings.user_id == user_id)
    )
    if found is None:
        found = ReviewSettings(
            org_id=org_id, user_id=user_id, desired_retention=memory.DEFAULT_RETENTION,
            daily_limit=rules.DEFAULT_DAILY_LIMIT, parameters=None, optimised_at=None,
            optimised_logs=0, updated_at=ctx.now(),
        )  # fmt: skip
    return found


async def _stored_settings(ctx: Context, org_id: UUID, user_id: UUID) -> ReviewSettings:
    found = await settings_of(ctx, org_id, user_id)
    if found not in ctx.session:
        ctx.session.add(found)
    return found


async def update_settings(
    ctx: Context,
    org_id: UUID,
    user_id: UUID,
    *,
    desired_retention: float | None = None,
    daily_limit: int | None = None,
) -> ReviewSettings:
    """Change the learner's desired retention (the recall probability FSRS schedules for) or
    their daily review size; later gradings use them."""
    found = await _stored_settings(ctx, org_id, user_id)
    changes: dict[str, list[float | int]] = {}
    if desired_retention is not None and desired_retention != found.desired_retention:
        changes["desired_retention"] = [found.desired_retention, desired_retention]
        found.desired_retention = desired_retention
    if daily_limit is not None and daily_limit != found.daily_limit:
        changes["daily_limit"] = [found.daily_limit, daily_limit]
        found.daily_limit = daily_limit
    found.updated_at = ctx.now()
    await ctx.session.flush()
    if changes:
        audit.record(
            ctx, "review.settings_changed", org_id=org_id, target_type="user",
            target_id=user_id, summary=changes,
        )  # fmt: skip
    return found


# --- grading ----------------------------------------------------------------------------------


def _memory(card: ReviewCard) -> memory.Memory:
    return memory.Memory(
        state=card.state, step=card.step, stability=card.stability, difficulty=card.difficulty,
        due=card.due, last_review=card.last_review,
    )  # fmt: skip


def _grade(
    ctx: Context,
    card: ReviewCard,
    rating: Rating,
    settings: ReviewSettings,
    *,
    source: str,
    duration_ms: int | None = None,
    attempt_id: UUID | None = None,
    announce: bool = True,
) -> None:
    """Grade one card now: its new FSRS state, a log line and (`announce`) `review.done`."""
    now = ctx.now()
    before = card.last_review
    after = memory.grade(
        _memory(card), rating, now,
        parameters=settings.parameters, retention=settings.desired_retention,
    )  # fmt: skip
    card.state, card.step = after.state, after.step
    card.stability, card.difficulty = after.stability, after.difficulty
    card.due, card.last_review = after.due, after.last_review
    card.reviews += 1
    elapsed = (now - before).total_seconds() / 86400 if before else None
    ctx.session.add(
        ReviewLog(
            org_id=card.org_id, card_id=card.id, user_id=card.user_id, rating=int(rating),
            reviewed_at=now, elapsed_days=elapsed, duration_ms=duration_ms, source=source,
            attempt_id=attempt_id, due_after=card.due,
        )
    )  # fmt: skip
    if announce:
        events.emit(
            ctx, "review.done", aggregate=("review_card", card.id), org_id=card.org_id,
            data={"card_id": str(card.id), "user_id": str(card.user_id), "kind": card.kind,
                  "rating": rating.name.lower(), "due": card.due.isoformat()},
        )  # fmt: skip


def _new_card(
    ctx: Context, org_id: UUID, user_id: UUID, track_id: UUID, kind: str,
    subject_id: UUID, topic_id: UUID, reason: str,
) -> ReviewCard:  # fmt: skip
    now = ctx.now()
    fresh = memory.new_memory(now)
    card = ReviewCard(
        org_id=org_id, user_id=user_id, track_id=track_id, kind=kind, subject_id=subject_id,
        topic_id=topic_id, reason=reason, state=fresh.state, step=fresh.step, stability=None,
        difficulty=None, due=fresh.due, last_review=None, reviews=0, created_at=now,
    )  # fmt: skip
    ctx.session.add(card)
    return card


async def _typical_times(
    ctx: Context, org_id: UUID, track_id: UUID, question_ids: Sequence[UUID]
) -> dict[UUID, int]:
    """Per question, its typical answer time (rules.typical_ms) from everyone's answers."""
    answered = (AttemptItem.answer.is_not(None), AttemptItem.time_spent_ms > 0)
    rows = await ctx.session.execute(
        scoped(AttemptItem, org_id)
        .with_only_columns(AttemptItem.question_id, AttemptItem.time_spent_ms)
        .where(AttemptItem.question_id.in_(question_ids), *answered)
    )
    per_question: dict[UUID, list[int]] = defaultdict(list)
    for question_id, spent in rows.all():
        per_question[question_id].append(spent)
    track_times = list(
        (
            await ctx.session.scalars(
                scoped(AttemptItem, org_id)
                .with_only_columns(AttemptItem.time_spent_ms)
                .join(Attempt, Attempt.id == AttemptItem.attempt_id)
                .where(Attempt.track_id == track_id, *answered)
                .order_by(AttemptItem.answered_at.desc())
                .limit(TRACK_SAMPLE)
            )
        ).all()
    )
    return {q: rules.typical_ms(per_question.get(q, []), track_times) for q in question_ids}


@hooks.after_submit
async def cards_from_attempt(
    ctx: Context, attempt: Attempt, pairs: list[tuple[AttemptItem, QuestionVersion]]
) -> None:
    """After an attempt is submitted (any mode): questions answered wrong, flagged or slow
    become cards, graded at once (wrong: Again; flagged or slow: Hard), and questions that
    already have a card are graded from the answer (rules.rating_for). Unanswered questions
    change nothing."""
    items = [item for item, _ in pairs]
    if not items:
        return
    question_ids = [i.question_id for i in items]
    cards = {
        c.subject_id: c
        for c in (
            await ctx.session.scalars(
                scoped(ReviewCard, attempt.org_id).where(
                    ReviewCard.user_id == attempt.user_id, ReviewCard.kind == "question",
                    ReviewCard.subject_id.in_(question_ids),
                )
            )
        ).all()
    }  # fmt: skip
    typical = await _typical_times(ctx, attempt.org_id, attempt.track_id, question_ids)
    settings = await settings_of(ctx, attempt.org_id, attempt.user_id)
    source = "session" if attempt.mode == Mode.REVIEW.value else "attempt"
    done = await _graded_in(ctx, attempt)
    added = graded = 0
    for item in items:
        answered, correct = item.answer is not None, bool(item.correct)
        card = cards.get(item.question_id)
        if card is not None:
            if not answered or card.id in done:
                continue
            rating = rules.rating_for(
                correct=correct, time_ms=item.time_spent_ms, typical=typical[item.question_id]
            )
            _grade(
                ctx, card, rating, settings, source=source, duration_ms=item.time_spent_ms,
                attempt_id=attempt.id,
            )  # fmt: skip
            graded += 1
            continue
        slow = rules.is_slow(item.time_spent_ms, typical[item.question_id])
        reason = rules.card_reason(
            correct=correct, answered=answered, flagged=item.flagged, slow=slow
        )
        if reason is None:
            continue
        card = cards[item.question_id] = _new_card(
            ctx, attempt.org_id, attempt.user_id, attempt.track_id, "question",
            item.question_id, item.topic_id, reason,
        )  # fmt: skip
        await ctx.session.flush()
        first = Rating.AGAIN if reason == "wrong" else Rating.HARD
        _grade(
            ctx, card, first, settings, source="attempt", duration_ms=item.time_spent_ms,
            attempt_id=attempt.id, announce=False,
        )  # fmt: skip
        added += 1
    if added or graded:
        audit.record(
            ctx, "review.cards_from_attempt", org_id=attempt.org_id, target_type="attempt",
            target_id=attempt.id, actor_user_id=attempt.user_id,
            summary={"added": added, "graded": graded, "mode": attempt.mode},
        )  # fmt: skip


async def _graded_in(ctx: Context, attempt: Attempt) -> set[UUID]:
    """Cards a review attempt graded as its answers were saved (see `grade_answered_card`)."""
    if attempt.mode != Mode.REVIEW.value:
        return set()
    rows = await ctx.session.scalars(
        scoped(ReviewLog, attempt.org_id)
        .with_only_columns(ReviewLog.card_id)
        .where(ReviewLog.attempt_id == attempt.id)
    )
    return set(rows.all())


@hooks.after_answer
async def grade_answered_card(ctx: Context, attempt: Attempt, item: AttemptItem) -> None:
    """A review session's answer grades its card at once (rules.rating_for), so a session
    left unfinished still counts the reviews done; submitting grades the rest."""
    card = await ctx.session.scalar(
        scoped(ReviewCard, attempt.org_id).where(
            ReviewCard.user_id == attempt.user_id, ReviewCard.kind == "question",
            ReviewCard.subject_id == item.question_id,
        )
    )  # fmt: skip
    if card is None:
        return
    typical = await _typical_times(ctx, attempt.org_id, attempt.track_id, [item.question_id])
    rating = rules.rating_for(
        correct=bool(item.correct), time_ms=item.time_spent_ms, typical=typical[item.question_id]
    )
    settings = await settings_of(ctx, attempt.org_id, attempt.user_id)
    _grade(
        ctx, card, rating, settings, source="session", duration_ms=item.time_spent_ms,
        attempt_id=attempt.id,
    )  # fmt: skip
    audit.record(
        ctx, "review.graded", org_id=attempt.org_id, target_type="review_card",
        target_id=card.id, actor_user_id=attempt.user_id,
        summary={"rating": rating.name.lower(), "due": card.due.isoformat(),
                 "attempt_id": str(attempt.id)},
    )  # fmt: skip


async def add_topic_card(ctx: Context, org_id: UUID, user_id: UUID, topic_id: UUID) -> None:
    """The learner studied this topic (a study block done): it gets a topic card, graded
    Good as its first learning, so its first review comes a few days later. A topic that
    has a card already keeps it as it is (studying again is not a review)."""
    topic = await ctx.session.scalar(scoped(Topic, org_id).where(Topic.id == topic_id))
    if topic is None:
        raise NotFound("No such topic.")
    existing = await ctx.session.scalar(
        scoped(ReviewCard, org_id).where(
            ReviewCard.user_id == user_id, ReviewCard.kind == "topic",
            ReviewCard.subject_id == topic_id,
        )
    )  # fmt: skip
    if existing is not None:
        return
    card = _new_card(ctx, org_id, user_id, topic.track_id, "topic", topic.id, topic.id, "studied")
    await ctx.session.flush()
    settings = await settings_of(ctx, org_id, user_id)
    _grade(ctx, card, Rating.GOOD, settings, source="studied", announce=False)
    audit.record(
        ctx, "review.topic_card_added", org_id=org_id, target_type="review_card",
        target_id=card.id, actor_user_id=user_id, summary={"topic_id": str(topic_id)},
    )  # fmt: skip


async def get_card(ctx: Context, org_id: UUID, user_id: UUID, card_id: UUID) -> ReviewCard:
    """The learner's own card (anyone else's is a 404)."""
    card = await ctx.session.scalar(
        scoped(ReviewCard, org_id).where(ReviewCard.id == card_id, ReviewCard.user_id == user_id)
    )
    if card is None:
        raise NotFound("No such review card.")
    return card


async def grade_topic_card(
    ctx: Context,
    org_id: UUID,
    user_id: UUID,
    card_id: UUID,
    rating: Rating,
    duration_ms: int | None = None,
) -> ReviewCard:
    """The learner grades a topic card themselves (Again/Hard/Good/Easy): how well they
    recalled the topic. Question cards are graded by answering them in a review session."""
    card = await get_card(ctx, org_id, user_id, card_id)
    if card.kind != "topic":
        raise GradedBySession(
            "Question cards are graded from your answer: start a review session of the track."
        )
    settings = await settings_of(ctx, org_id, user_id)
    _grade(ctx, card, rating, settings, source="self", duration_ms=duration_ms)
    await ctx.session.flush()
    audit.record(
        ctx, "review.graded", org_id=org_id, target_type="review_card", target_id=card.id,
        summary={"rating": rating.name.lower(), "due": card.due.isoformat()},
    )  # fmt: skip
    return card


# --- review sessions ----------------------------------------------------------------------------


async def _reviewed_today(ctx: Context, org_id: UUID, user_id: UUID) -> int:
    start = end_of(today(ctx)) - timedelta(days=1)
    found = await ctx.session.scalar(
        scoped(ReviewLog, org_id)
        .with_only_columns(func.count())
        .where(
            ReviewLog.user_id == user_id,
            ReviewLog.source == "session",
            ReviewLog.reviewed_at >= start,
        )
    )
    return int(found or 0)


@hooks.review_source
async def due_questions(ctx: Context, org_id: UUID, user_id: UUID, track_id: UUID) -> list[UUID]:
    """The questions a review session of this track asks: the learner's question cards due
    today, most overdue first, up to what is left of their daily review size."""
    settings = await settings_of(ctx, org_id, user_id)
    left = settings.daily_limit - await _reviewed_today(ctx, org_id, user_id)
    if left <= 0:
        return []
    rows = await ctx.session.scalars(
        scoped(ReviewCard, org_id)
        .with_only_columns(ReviewCard.subject_id)
        .where(
            ReviewCard.user_id == user_id, ReviewCard.track_id == track_id,
            ReviewCard.kind == "question", ReviewCard.due < end_of(today(ctx)),
        )
        .order_by(ReviewCard.due, ReviewCard.id)
        .limit(left)
    )  # fmt: skip
    return list(rows.all())


async def start_review_session(
    ctx: Context, org_id: UUID, user_id: UUID, track_id: UUID
) -> Attempt:
    """Start today's review session of a track: an attempt in mode `review` whose questions
    are the learner's due question cards, with instant feedback; submitting grades them.
    Nothing due: 409 `no-questions`."""
    org = await ctx.session.get(Org, org_id)
    if org is None:
        raise NotFound("No such organisation.")
    return await attempts.start(ctx, org, track_id, user_id, AttemptStart(mode=Mode.REVIEW))


# --- what is due ------------------------------------------------------------------------------


async def due_count(ctx: Context, org_id: UUID, user_id: UUID, on: date) -> int:
    """How many of the learner's cards (questions and topics) are due on or before `on`."""
    found = await ctx.session.scalar(
        scoped(ReviewCard, org_id)
        .with_only_columns(func.count())
        .where(ReviewCard.user_id == user_id, ReviewCard.due < end_of(on))
    )
    return int(found or 0)


async def minutes_per_review(ctx: Context, org_id: UUID, user_id: UUID) -> dict[str, float]:
    """The learner's measured minutes per review of each kind (rules.minutes_per_review)."""
    result = {}
    for kind in ("question", "topic"):
        durations = await ctx.session.scalars(
            scoped(ReviewLog, org_id)
            .with_only_columns(ReviewLog.duration_ms)
            .join(ReviewCard, ReviewCard.id == ReviewLog.card_id)
            .where(
                ReviewLog.user_id == user_id, ReviewCard.kind == kind,
                ReviewLog.duration_ms.is_not(None),
            )
            .order_by(ReviewLog.id.desc())
            .limit(rules.MEASURED_WINDOW)
        )  # fmt: skip
        result[kind] = rules.minutes_per_review(kind, [d for d in durations.all() if d])
    return result


async def review_minutes_by_day(
    ctx: Context, org_id: UUID, user_id: UUID, start: date, end: date
) -> dict[date, int]:
    """Expected review minutes on each day from `start` to `end` (both included): the cards
    due that day (overdue ones count on `start`) times the learner's minutes per review of
    their kind, rounded up. Only each card's next review is counted: the ones after it
    depend on how that one goes."""
    if end < start:
        return {}
    days = {start + timedelta(days=n): 0.0 for n in range((end - start).days + 1)}
    per_review = await minutes_per_review(ctx, org_id, user_id)
    rows = await ctx.session.execute(
        scoped(ReviewCard, org_id)
        .with_only_columns(ReviewCard.kind, ReviewCard.due)
        .where(ReviewCard.user_id == user_id, ReviewCard.due < end_of(end))
    )
    for kind, due in rows.all():
        day = max(start, due.astimezone(UTC).date())
        days[day] += per_review[kind]
    return {day: math.ceil(round(minutes, 6)) for day, minutes in days.items()}


# --- the optimiser -----------------------------------------------------------------------------


async def learners_with_logs(ctx: Context, minimum: int) -> list[tuple[UUID, UUID]]:
    """(org_id, user_id) of every learner with at least `minimum` review logs."""
    rows = await ctx.session.execute(
        across_orgs(ReviewLog, reason="the weekly optimiser visits every organisation's learners")
        .with_only_columns(ReviewLog.org_id, ReviewLog.user_id)
        .group_by(ReviewLog.org_id, ReviewLog.user_id)
        .having(func.count() >= minimum)
    )
    return [(org_id, user_id) for org_id, user_id in rows.all()]


async def optimise(ctx: Context, org_id: UUID, user_id: UUID) -> bool:
    """Fit the learner's FSRS parameters to their review logs once they have enough
    (rules.OPTIMISE_MIN_LOGS); later gradings use them. False when there are too few."""
    rows = (
        await ctx.session.execute(
            scoped(ReviewLog, org_id)
            .with_only_columns(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.rating)
            .where(ReviewLog.user_id == user_id)
            .order_by(ReviewLog.id)
        )
    ).all()
    if len(rows) < rules.OPTIMISE_MIN_LOGS:
        return False
    histories: dict[UUID, list[tuple[datetime, int]]] = defaultdict(list)
    for card_id, reviewed_at, rating in rows:
        histories[card_id].append((reviewed_at, rating))
    parameters = optimiser.fit(histories)
    found = await _stored_settings(ctx, org_id, user_id)
    found.parameters = parameters
    found.optimised_at = ctx.now()
    found.optimised_logs = len(rows)
    found.updated_at = ctx.now()
    await ctx.session.flush()
    audit.record(
        ctx, "review.parameters_optimised", org_id=org_id, target_type="user",
        target_id=user_id, summary={"logs": len(rows)},
    )  # fmt: skip
    return True
