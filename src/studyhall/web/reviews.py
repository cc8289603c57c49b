"""The learner's spaced-review pages: what is due today, a review session per track (the exam
screen in mode `review`), Again/Hard/Good/Easy for topic cards, and the desired retention.
They call the reviews service, as the API does."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from studyhall.exams import attempts, tracks
from studyhall.kit.errors import NotFound, Problem
from studyhall.orgs.permissions import OrgCaller
from studyhall.reviews import listing, service
from studyhall.reviews.schemas import SettingsIn, TopicGrade
from studyhall.web.access import LearnerPage, PageRoute, see_other
from studyhall.web.forms import field_errors, form_lists, problem_errors
from studyhall.web.rendering import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

RATINGS = [
    ("again", "Again", "I did not remember it"),
    ("hard", "Hard", "I remembered it with effort"),
    ("good", "Good", "I remembered it"),
    ("easy", "Easy", "I knew it at once"),
]


def _user(caller: OrgCaller) -> UUID:
    if caller.user is None:  # attempts:take is never given to API keys
        raise NotFound("Reviews belong to people.")
    return caller.user.id


async def _page(
    request: Request, caller: OrgCaller, status: int = 200, errors: dict[str, str] | None = None
) -> Response:
    user_id = _user(caller)
    due = await listing.due_today(caller.ctx, caller.org.id, user_id)
    settings = await service.settings_of(caller.ctx, caller.org.id, user_id)
    names = {t.id: t for t in await tracks.list_tracks(caller.ctx, caller.org.id)}
    return render(
        request, "learner/reviews.html", status,
        sessions=[(names[t], n) for t, n in due.questions_by_track.items() if t in names],
        topics=due.topics, later=due.later, ratings=RATINGS, settings=settings,
        errors=errors or {},
    )  # fmt: skip


@router.get("/o/{org}/reviews")
async def reviews(request: Request, caller: LearnerPage) -> Response:
    """Today's reviews: a session per track with question cards due, and the topic cards due,
    each with Again/Hard/Good/Easy."""
    return await _page(request, caller)


@router.post("/o/{org}/tracks/{track_id}/review-session")
async def start_session(request: Request, track_id: UUID, caller: LearnerPage) -> Response:
    """Start the track's review session and open it in the exam screen."""
    try:
        attempt = await service.start_review_session(
            caller.ctx, caller.org.id, _user(caller), track_id
        )
    except attempts.NoQuestions as exc:  # refused before anything was written
        return await _page(request, caller, exc.status, problem_errors(exc))
    return see_other(request, f"/o/{caller.org.slug}/attempts/{attempt.id}")


@router.post("/o/{org}/reviews/{card_id}/grade")
async def grade(request: Request, card_id: UUID, caller: LearnerPage) -> Response:
    """Grade a topic card with the button pressed."""
    form = {k: v[-1] for k, v in (await form_lists(request)).items()}
    try:
        body = TopicGrade.model_validate({"rating": form.get("rating")})
        await service.grade_topic_card(
            caller.ctx, caller.org.id, _user(caller), card_id, body.as_rating()
        )
    except (ValidationError, Problem) as exc:
        if isinstance(exc, NotFound):
            raise
        errors = field_errors(exc) if isinstance(exc, ValidationError) else problem_errors(exc)
        status = 422 if isinstance(exc, ValidationError) else exc.status
        return await _page(request, caller, status, {"form": next(iter(errors.values()))})
    return see_other(request, f"/o/{caller.org.slug}/reviews")


@router.post("/o/{org}/reviews/settings")
async def settings(request: Request, caller: LearnerPage) -> Response:
    """Change the desired retention (and the daily review size)."""
    form = {k: v[-1] for k, v in (await form_lists(request)).items()}
    values: dict[str, Any] = {
        k: form[k] for k in ("desired_retention", "daily_limit") if form.get(k)
    }
    try:
        body = SettingsIn.model_validate(values)
    except ValidationError as exc:
        return await _page(request, caller, 422, field_errors(exc))
    await service.update_settings(
        caller.ctx, caller.org.id, _user(caller), desired_retention=body.desired_retention,
        daily_limit=body.daily_limit,
    )  # fmt: skip
    return see_other(request, f"/o/{caller.org.slug}/reviews")
