"""HTTP for attempts: start, resume, answer, flag, submit, review, history."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, status

from studyhall.accounts.permissions import SignedIn
from studyhall.exams import attempt_views as views
from studyhall.exams import attempts, progress, scoring, tracks
from studyhall.exams.attempt_schemas import (
    AnswerSave,
    AttemptResult,
    AttemptReview,
    AttemptStart,
    AttemptState,
    AttemptSummary,
    SavedAnswer,
)
from studyhall.exams.models import Attempt
from studyhall.exams.progress import Progress
from studyhall.kit.context import Context
from studyhall.kit.errors import Forbidden, InvalidInput, NotFound, Unauthenticated, responses
from studyhall.kit.transaction import TransactionalRoute, looks_up_in_write
from studyhall.orgs.permissions import AttemptsTaker, OrgCaller

router = APIRouter(prefix="/api/v1", tags=["attempts"], route_class=TransactionalRoute)

IN_ORG = (Unauthenticated, Forbidden, NotFound)
Position = Annotated[int, Path(ge=1, le=500, description="1 for the first question.")]


def _user_id(caller: OrgCaller) -> UUID:
    assert caller.user is not None  # attempts:take is never given to API keys
    return caller.user.id


async def _state(ctx: Context, attempt: Attempt) -> AttemptState:
    pairs = await attempts.items_with_versions(ctx, attempt)
    syllabus = await tracks.get_syllabus(ctx, attempt.org_id, attempt.track_id)
    return views.state(attempt, pairs, ctx.clock, syllabus.track.passing_score)


@router.post(
    "/orgs/{org}/tracks/{track_id}/attempts",
    summary="Start an attempt",
    status_code=status.HTTP_201_CREATED,
    response_model=AttemptState,
    responses=responses(*IN_ORG, InvalidInput, attempts.NoQuestions, attempts.SimulationRunning),
)
async def start_attempt(track_id: UUID, body: AttemptStart, caller: AttemptsTaker) -> AttemptState:
    """Start a `simulation` (the track's length and time limit, topics drawn by their exam
    weights, recently seen questions avoided while the bank allows, feedback after submitting),
    `practice` (instant feedback; `adaptive` favours weak topics), `drill` (one topic or tag),
    `mistakes` (what you last got wrong or flagged) or `custom` (topics, count, time).
    A simulation of a track whose previous simulation is still running is refused (409
    `attempt-in-progress`, its address in `detail` and a `Link` header): resume or submit
    that one first."""
    attempt = await attempts.start(caller.ctx, caller.org, track_id, _user_id(caller), body)
    return await _state(caller.ctx, attempt)


@router.get(
    "/orgs/{org}/attempts",
    summary="My attempts",
    response_model=list[AttemptSummary],
    responses=responses(*IN_ORG),
)
async def list_attempts(
    caller: AttemptsTaker, track: Annotated[UUID | None, Query()] = None
) -> list[AttemptSummary]:
    """Your attempts in this organisation, newest first (optionally of one track)."""
    rows = await attempts.history(caller.ctx, caller.org.id, _user_id(caller), track)
    return [views.summary(a, n, caller.ctx.clock) for a, n in rows]


@router.get(
    "/orgs/{org}/attempts/{attempt_id}",
    summary="Resume an attempt",
    response_model=AttemptState,
    responses=responses(*IN_ORG),
)
async def get_attempt(attempt_id: UUID, caller: AttemptsTaker) -> AttemptState:
    """The full state to resume after a disconnect: questions as shown, your answers, flags,
    time spent, the server's deadline and clock. An attempt whose time ran out is submitted
    as of its deadline."""
    attempt = await attempts.load(caller.ctx, caller.org.id, attempt_id, _user_id(caller))
    return await _state(caller.ctx, attempt)


@router.put(
    "/orgs/{org}/attempts/{attempt_id}/answers/{position}",
    summary="Save an answer",
    response_model=SavedAnswer,
    responses=responses(
        *IN_ORG,
        InvalidInput,
        scoring.InvalidAnswer,
        attempts.DeadlinePassed,
        attempts.AttemptClosed,
        attempts.SequentialOnly,
        attempts.AnswerLocked,
    ),
)
@looks_up_in_write
async def save_answer(
    attempt_id: UUID, position: Position, body: AnswerSave, caller: AttemptsTaker
) -> SavedAnswer:
    """Save the answer to one question, its flag and the time spent on it. Saving the same
    thing twice is one save; a later save replaces an earlier one until you submit. After the
    deadline the save is refused (409 `deadline-passed`) and the attempt counts as submitted."""
    attempt, item, version = await attempts.save_answer(
        caller.ctx, caller.org.id, attempt_id, _user_id(caller), position, body
    )
    instant = attempt.options.get("feedback") == "instant"
    return SavedAnswer(
        position=item.position, answer=views.answer_shown(item), flagged=item.flagged,
        time_spent_ms=item.time_spent_ms, answered_at=item.answered_at,
        seconds_left=views.seconds_left(attempt, caller.ctx.clock),
        feedback=views.feedback(item, version) if instant else None,
    )  # fmt: skip


@router.post(
    "/orgs/{org}/attempts/{attempt_id}/submit",
    summary="Submit an attempt",
    response_model=AttemptResult,
    responses=responses(*IN_ORG),
)
async def submit_attempt(attempt_id: UUID, caller: AttemptsTaker) -> AttemptResult:
    """Score every question: total, scaled score, pass or fail, per-topic breakdown and time
    per question. Submitting again returns the same result."""
    attempt = await attempts.load(
        caller.ctx, caller.org.id, attempt_id, _user_id(caller), for_update=True
    )
    await attempts.submit(caller.ctx, attempt)
    # Only the result: the whole state would shape every question for nothing, and this
    # runs while the learners still answering wait for the writer.
    pairs = await attempts.items_with_versions(caller.ctx, attempt)
    syllabus = await tracks.get_syllabus(caller.ctx, attempt.org_id, attempt.track_id)
    return views.result(attempt, [item for item, _ in pairs], syllabus.track.passing_score)


@router.get(
    "/orgs/{org}/attempts/{attempt_id}/review",
    summary="Review a submitted attempt",
    response_model=AttemptReview,
    responses=responses(*IN_ORG, attempts.NotSubmitted),
)
async def review_attempt(attempt_id: UUID, caller: AttemptsTaker) -> AttemptReview:
    """Each question as it was shown, your answer, the right one, feedback and explanation."""
    attempt = await attempts.load(caller.ctx, caller.org.id, attempt_id, _user_id(caller))
    if attempt.status != "submitted":
        raise attempts.NotSubmitted("Submit the attempt first.")
    state = await _state(caller.ctx, attempt)
    pairs = await attempts.items_with_versions(caller.ctx, attempt)
    assert state.result is not None
    return AttemptReview(
        id=attempt.id, result=state.result, items=[views.review_item(i, v) for i, v in pairs]
    )


@router.get(
    "/me/progress",
    summary="My progress in a track",
    response_model=Progress,
    responses=responses(Unauthenticated, NotFound, InvalidInput),
)
async def my_progress(caller: SignedIn, track: Annotated[UUID, Query()]) -> Progress:
    """Attempts over time, per-topic accuracy with its trend over recent attempts, the weakest
    topics, and readiness: the share of the exam's weight where you are above the pass mark."""
    found = await tracks.track_for_member(caller.ctx, track, caller.user.id)
    syllabus = await tracks.get_syllabus(caller.ctx, found.org_id, found.id)
    # Attempts whose time ran out count as submitted: settle them first.
    await attempts.history(caller.ctx, found.org_id, caller.user.id, found.id)
    return await progress.progress(caller.ctx, syllabus, caller.user.id)
