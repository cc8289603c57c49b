"""HTTP for spaced reviews: my cards (due or all), a card with its history, grading a topic
card, starting a review session, and my review settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, status

from studyhall.exams import attempt_views as views
from studyhall.exams import attempts, tracks
from studyhall.exams.attempt_schemas import AttemptState
from studyhall.kit.errors import (
    BadRequest,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
    responses,
)
from studyhall.kit.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    InvalidCursor,
    Page,
    decode_cursor,
    encode_cursor,
    next_link,
)
from studyhall.kit.transaction import TransactionalRoute
from studyhall.orgs.permissions import OrgCaller
from studyhall.reviews import listing, memory, rules, service
from studyhall.reviews.models import ReviewLog, ReviewSettings
from studyhall.reviews.permissions import Reviewer
from studyhall.reviews.schemas import (
    CardDetail,
    CardOut,
    ReviewLogOut,
    SettingsIn,
    SettingsOut,
    TopicGrade,
    rating_name,
)

router = APIRouter(prefix="/api/v1/orgs/{org}", tags=["reviews"], route_class=TransactionalRoute)
IN_ORG = (Unauthenticated, Forbidden, NotFound)


def _user_id(caller: OrgCaller) -> UUID:
    if caller.user is None:  # attempts:take is never given to API keys
        raise NotFound("Review cards belong to people.")
    return caller.user.id


def _after(secret: str, cursor: str | None) -> tuple[datetime, UUID] | None:
    if cursor is None:
        return None
    key = decode_cursor(secret, cursor)
    try:
        due, card_id = key
        return datetime.fromisoformat(due), UUID(card_id)
    except (TypeError, ValueError) as exc:
        raise InvalidCursor() from exc


@router.get(
    "/review-cards",
    summary="My review cards",
    response_model=Page[CardOut],
    responses=responses(*IN_ORG, BadRequest),
)
async def list_cards(
    request: Request,
    caller: Reviewer,
    due: Annotated[bool, Query(description="Only the cards due today (UTC).")] = False,
    track: Annotated[UUID | None, Query(description="Only this track's cards.")] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[CardOut]:
    """Your cards, soonest due first: questions you answered wrong, flagged or slowly, and
    topics you studied; `due=true` for those due today."""
    secret = request.app.state.settings.secret_key
    rows = await listing.list_cards(
        caller.ctx, caller.org.id, _user_id(caller), due_only=due, track_id=track,
        after=_after(secret, cursor), limit=limit,
    )  # fmt: skip
    items = [CardOut.of(c) for c in rows[:limit]]
    more = None
    if len(rows) > limit:
        more = encode_cursor(secret, [items[-1].due.isoformat(), str(items[-1].id)])
    return Page[CardOut](items=items, next=next_link(request.url, more))


def _log(log: ReviewLog) -> ReviewLogOut:
    return ReviewLogOut(
        rating=rating_name(log.rating), reviewed_at=log.reviewed_at,
        elapsed_days=log.elapsed_days, duration_ms=log.duration_ms,
        source=log.source,
        due_after=log.due_after,
    )  # fmt: skip


@router.get(
    "/review-cards/{card_id}",
    summary="A review card and its history",
    response_model=CardDetail,
    responses=responses(*IN_ORG),
)
async def get_card(card_id: UUID, caller: Reviewer) -> CardDetail:
    """One of your cards with every grading it had (rating, when, days since the one
    before, time spent and the due time it set)."""
    card = await service.get_card(caller.ctx, caller.org.id, _user_id(caller), card_id)
    history = [_log(log) for log in await listing.history_of(caller.ctx, card)]
    return CardDetail(**CardOut.of(card).model_dump(), history=history)


@router.post(
    "/review-cards/{card_id}/grade",
    summary="Grade a topic card",
    response_model=CardOut,
    responses=responses(*IN_ORG, InvalidInput, service.GradedBySession),
)
async def grade_card(card_id: UUID, body: TopicGrade, caller: Reviewer) -> CardOut:
    """Say how well you recalled a topic (`again`, `hard`, `good`, `easy`): FSRS sets its
    next review. Question cards are graded by answering them in a review session (409
    `graded-by-session`)."""
    card = await service.grade_topic_card(
        caller.ctx, caller.org.id, _user_id(caller), card_id, body.as_rating(), body.duration_ms
    )
    return CardOut.of(card)


@router.post(
    "/tracks/{track_id}/review-sessions",
    summary="Start a review session",
    status_code=status.HTTP_201_CREATED,
    response_model=AttemptState,
    responses=responses(*IN_ORG, attempts.NoQuestions),
)
async def start_session(track_id: UUID, caller: Reviewer) -> AttemptState:
    """An attempt in mode `review` with your question cards of this track due today (up to
    your daily review size), with instant feedback. Each answer grades its card as it is
    saved: wrong -> again, right but slow -> hard, right -> good, right and fast -> easy.
    Nothing due: 409 `no-questions`."""
    attempt = await service.start_review_session(
        caller.ctx, caller.org.id, _user_id(caller), track_id
    )
    pairs = await attempts.items_with_versions(caller.ctx, attempt)
    syllabus = await tracks.get_syllabus(caller.ctx, attempt.org_id, attempt.track_id)
    return views.state(attempt, pairs, caller.ctx.clock, syllabus.track.passing_score)


def _settings(found: ReviewSettings) -> SettingsOut:
    return SettingsOut(
        desired_retention=found.desired_retention, daily_limit=found.daily_limit,
        personalised=found.parameters is not None,
        parameters=list(found.parameters or memory.DEFAULT_PARAMETERS),
        optimised_at=found.optimised_at, optimised_logs=found.optimised_logs,
        logs_needed=rules.OPTIMISE_MIN_LOGS,
    )  # fmt: skip


@router.get(
    "/review-settings",
    summary="My review settings",
    response_model=SettingsOut,
    responses=responses(*IN_ORG),
)
async def get_settings(caller: Reviewer) -> SettingsOut:
    """Desired retention, daily review size, and the FSRS parameters in use (yours once the
    weekly optimiser has fitted them)."""
    return _settings(await service.settings_of(caller.ctx, caller.org.id, _user_id(caller)))


@router.put(
    "/review-settings",
    summary="Change my review settings",
    response_model=SettingsOut,
    responses=responses(*IN_ORG, InvalidInput),
)
async def put_settings(body: SettingsIn, caller: Reviewer) -> SettingsOut:
    """Fields left out are kept. A higher desired retention means shorter intervals and
    more reviews; later gradings use the new value."""
    found = await service.update_settings(
        caller.ctx, caller.org.id, _user_id(caller), desired_retention=body.desired_retention,
        daily_limit=body.daily_limit,
    )  # fmt: skip
    return _settings(found)
