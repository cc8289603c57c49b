"""Learner pages: dashboard, starting an attempt, the exam screen, results, review,
mistakes and history. They call the same services as the attempts API; the exam screen's
script saves answers through that API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from studyhall.exams import attempt_views as views
from studyhall.exams import attempts, progress, selection, tracks
from studyhall.exams.attempt_schemas import AttemptStart, Mode, ReviewItem
from studyhall.exams.models import Attempt, Track
from studyhall.kit.context import Context
from studyhall.kit.errors import NotFound, Problem
from studyhall.orgs.permissions import OrgCaller
from studyhall.web import charts, plans
from studyhall.web.access import LearnerPage, PageRoute, see_other
from studyhall.web.forms import field_errors, form_lists, problem_errors
from studyhall.web.rendering import render, zone_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MODES = [
    (Mode.SIMULATION, "Timed simulation", "The exam: its length, time limit and topic weights."),
    (Mode.PRACTICE, "Practice", "Instant feedback after each answer."),
    (Mode.DRILL, "Topic drill", "Questions from one topic, with instant feedback."),
    (Mode.MISTAKES, "Retry my mistakes", "What you last got wrong or flagged."),
    (Mode.CUSTOM, "Custom", "Your topics, number of questions and time."),
]  # fmt: skip
START_FIELDS = {"mode", "count", "topic_ids", "time_limit_minutes", "include_unanswered", "form"}
RECENT = 5
# How each outcome reads on the review and mistakes pages: (badge class, words).
OUTCOME_BADGES = {
    "right": ("pass", "right"),
    "partly": ("partial", "partly right"),
    "wrong": ("fail", "wrong"),
    "unanswered": ("skipped", "unanswered"),
}
MISTAKES_SHOWN = 50  # per track and kind; retrying takes them all


def _questions(n: int) -> str:
    return "1 question" if n == 1 else f"{n} questions"


MAX_POSITION = 10_000  # more questions than any attempt has; bounds the path's integer


def _short_date(zone: tzinfo) -> Callable[[datetime], str]:
    """Dates under the score chart, in the learner's time zone ("23 Nov")."""

    def short(when: datetime) -> str:
        local = when.astimezone(zone)
        return f"{local.day} {local:%b}"

    return short


def _user(caller: OrgCaller) -> UUID:
    if caller.user is None:  # attempts:take is never given to API keys
        raise NotFound("Attempts belong to people.")
    return caller.user.id


async def _state(ctx: Context, attempt: Attempt) -> Any:
    pairs = await attempts.items_with_versions(ctx, attempt)
    syllabus = await tracks.get_syllabus(ctx, attempt.org_id, attempt.track_id)
    state = views.state(attempt, pairs, ctx.clock, syllabus.track.passing_score)
    # Questions whose instant feedback was given, as the review shows them: after a reload the
    # screen shows the right answer exactly as it did when *Check answer* was pressed.
    checked = {i.position: views.review_item(i, v) for i, v in pairs if views.feedback(i, v)}
    return state, syllabus, checked if state.feedback == "instant" else {}


@router.get("/o/{org}")
async def dashboard(
    request: Request, caller: LearnerPage, track: Annotated[UUID | None, Query()] = None
) -> Response:
    """My tracks, last attempts, readiness, weakest topics, score over time, topic accuracy."""
    user_id = _user(caller)
    all_tracks = await tracks.list_tracks(caller.ctx, caller.org.id)
    recent = (await attempts.history(caller.ctx, caller.org.id, user_id, None))[:RECENT]
    chosen = next((t for t in all_tracks if t.id == track), all_tracks[0] if all_tracks else None)
    mine = None
    if chosen is not None:
        syllabus = await tracks.get_syllabus(caller.ctx, caller.org.id, chosen.id)
        mine = await progress.progress(caller.ctx, syllabus, user_id)
    names = {t.id: t.name for t in all_tracks}
    return render(
        request,
        "learner/dashboard.html",
        tracks=all_tracks,
        chosen=chosen,
        progress=mine,
        line=charts.score_over_time(mine, _short_date(zone_of(request))) if mine else None,
        bars=charts.topic_accuracy(mine) if mine else None,
        recent=[
            (views.summary(a, n, caller.ctx.clock), names.get(a.track_id, "")) for a, n in recent
        ],
        plan_card=await plans.today_card(caller),
    )


async def _running(caller: OrgCaller, track_id: UUID) -> list[Any]:
    """This track's attempts still running, newest first, as the start page offers them."""
    found = await attempts.in_progress(caller.ctx, caller.org.id, _user(caller), track_id)
    return [views.summary(a, 0, caller.ctx.clock) for a in found]


@router.get("/o/{org}/tracks/{track_id}/start")
async def start_form(request: Request, track_id: UUID, caller: LearnerPage) -> Response:
    """The start form, after an offer to resume what is still running in this track."""
    syllabus = await tracks.get_syllabus(caller.ctx, caller.org.id, track_id)
    return render(
        request, "learner/start.html", syllabus=syllabus, modes=MODES, values={}, errors={},
        running=await _running(caller, track_id),
    )  # fmt: skip


@router.post("/o/{org}/tracks/{track_id}/start")
async def start(request: Request, track_id: UUID, caller: LearnerPage) -> Response:
    form = await form_lists(request)
    one = {k: v[-1] for k, v in form.items()}
    values: dict[str, Any] = {
        "mode": one.get("mode", "simulation"),
        "adaptive": one.get("adaptive") == "on",
        "include_unanswered": one.get("include_unanswered") == "on",
    }
    if one.get("count"):
        values["count"] = one["count"]
    if one.get("time_limit_minutes"):
        values["time_limit_minutes"] = one["time_limit_minutes"]
    topic_ids = [t for t in form.get("topic_ids", []) if t]
    if topic_ids:
        values["topic_ids"] = topic_ids
    if one.get("feedback") in ("instant", "end"):
        values["feedback"] = one["feedback"]
    try:
        data = AttemptStart.model_validate(values)
        attempt = await attempts.start(caller.ctx, caller.org, track_id, _user(caller), data)
    except (ValidationError, Problem) as exc:  # refused before anything was written
        syllabus = await tracks.get_syllabus(caller.ctx, caller.org.id, track_id)
        errors = field_errors(exc) if isinstance(exc, ValidationError) else problem_errors(exc)
        status = 422 if isinstance(exc, ValidationError) else exc.status
        # A message for a field the form does not show (the API's `tag`, say) goes on top.
        stray = [m for f, m in errors.items() if f.split(".")[0] not in START_FIELDS]
        if stray and "form" not in errors:
            errors["form"] = stray[0]
        if isinstance(exc, attempts.SimulationRunning) and exc.seconds_left is not None:
            errors["form"] = (
                "Your simulation of this track is still running "
                f"({attempts.minutes_left(exc.seconds_left)} left): resume it, or submit it "
                "before starting another."
            )
        if isinstance(exc, attempts.OnlySkipped):  # the API's wording names its own field
            errors["form"] = (
                "Nothing to retry: no question of this track was answered wrong or flagged. "
                f"Tick “Also the questions I skipped” to retry the {_questions(exc.skipped)} "
                "you skipped."
            )
        return render(
            request, "learner/start.html", status, syllabus=syllabus, modes=MODES,
            values={**one, "topic_ids": topic_ids}, errors=errors,
            running=await _running(caller, track_id),
        )  # fmt: skip
    return see_other(request, f"/o/{caller.org.slug}/attempts/{attempt.id}")


@router.get("/o/{org}/attempts/{attempt_id}")
async def exam(request: Request, attempt_id: UUID, caller: LearnerPage) -> Response:
    """The exam screen; a submitted attempt (or one whose time ran out) shows its result."""
    attempt = await attempts.load(caller.ctx, caller.org.id, attempt_id, _user(caller))
    if attempt.status == "submitted":
        return see_other(request, f"/o/{caller.org.slug}/attempts/{attempt.id}/result")
    state, syllabus, checked = await _state(caller.ctx, attempt)
    topics = {t.id: t.name for t in syllabus.topics}
    return render(
        request, "learner/exam.html", state=state, track=syllabus.track, topics=topics,
        checked=checked,
    )  # fmt: skip


@router.get("/o/{org}/attempts/{attempt_id}/feedback/{position}")
async def feedback(
    request: Request,
    attempt_id: UUID,
    position: Annotated[int, Path(ge=1, le=MAX_POSITION)],
    caller: LearnerPage,
) -> Response:
    """The feedback box of one checked question (verdict, right answer, explanation), which
    the exam screen fetches after *Check answer*: the same template as after a reload, so the
    right answer of every question type is drawn in one place. Only where feedback is due
    (instant feedback, the question answered); otherwise not found."""
    attempt = await attempts.load(caller.ctx, caller.org.id, attempt_id, _user(caller))
    found = [
        (i, v) for i, v in await attempts.items_with_versions(caller.ctx, attempt)
        if i.position == position
    ]  # fmt: skip
    if attempt.options.get("feedback") != "instant" or not found or not views.feedback(*found[0]):
        raise NotFound("This question has no feedback to show.")
    item = views.review_item(*found[0])
    return render(request, "learner/_feedback.html", item=item, compact=True)


@router.post("/o/{org}/attempts/{attempt_id}/submit")
async def submit(request: Request, attempt_id: UUID, caller: LearnerPage) -> Response:
    """Submit (also what the screen does at zero); submitting twice keeps the first result."""
    attempt = await attempts.load(
        caller.ctx, caller.org.id, attempt_id, _user(caller), for_update=True
    )
    await attempts.submit(caller.ctx, attempt)
    return see_other(request, f"/o/{caller.org.slug}/attempts/{attempt.id}/result")


@router.get("/o/{org}/attempts/{attempt_id}/result")
async def result(request: Request, attempt_id: UUID, caller: LearnerPage) -> Response:
    attempt = await attempts.load(caller.ctx, caller.org.id, attempt_id, _user(caller))
    if attempt.status != "submitted":
        return see_other(request, f"/o/{caller.org.slug}/attempts/{attempt.id}")
    # The result only: the questions themselves are not shaped for this page.
    items = [item for item, _ in await attempts.items_with_versions(caller.ctx, attempt)]
    syllabus = await tracks.get_syllabus(caller.ctx, attempt.org_id, attempt.track_id)
    outcome = views.result(attempt, items, syllabus.track.passing_score)
    return render(
        request, "learner/result.html", attempt=attempt, result=outcome, track=syllabus.track,
        passing_percent=progress.passing_percent(syllabus.track),
    )  # fmt: skip


@router.get("/o/{org}/attempts/{attempt_id}/review")
async def review(
    request: Request,
    attempt_id: UUID,
    caller: LearnerPage,
    only: Annotated[str | None, Query(pattern="^(wrong|unanswered|flagged)$")] = None,
) -> Response:
    """Each question as shown, your answer, the right one and why; optionally only the wrong
    (or partly right), the unanswered or the flagged ones."""
    attempt = await attempts.load(caller.ctx, caller.org.id, attempt_id, _user(caller))
    if attempt.status != "submitted":
        raise attempts.NotSubmitted("Submit the attempt first.")
    pairs = await attempts.items_with_versions(caller.ctx, attempt)
    syllabus = await tracks.get_syllabus(caller.ctx, attempt.org_id, attempt.track_id)
    everything = items = [views.review_item(i, v) for i, v in pairs]
    if only == "wrong":
        items = [i for i in items if i.outcome in ("wrong", "partly")]
    elif only == "unanswered":
        items = [i for i in items if i.outcome == "unanswered"]
    elif only == "flagged":
        items = [i for i in items if i.flagged]
    return render(
        request, "learner/review.html", attempt=attempt, track=syllabus.track, items=items,
        only=only, topics={t.id: t.name for t in syllabus.topics}, outcome_badges=OUTCOME_BADGES,
        everything=everything, shown={i.position for i in items},
    )  # fmt: skip


@router.get("/o/{org}/attempts")
async def history(request: Request, caller: LearnerPage) -> Response:
    rows = await attempts.history(caller.ctx, caller.org.id, _user(caller), None)
    names = {t.id: t.name for t in await tracks.list_tracks(caller.ctx, caller.org.id)}
    return render(
        request,
        "learner/history.html",
        rows=[(views.summary(a, n, caller.ctx.clock), names.get(a.track_id, "")) for a, n in rows],
    )


@dataclass
class TrackMistakes:
    """One track's mistakes as the page shows them: answered wrong or flagged, and apart from
    them the questions left unanswered."""

    track: Track
    wrong: list[tuple[UUID, ReviewItem]] = field(default_factory=list)  # (attempt, item)
    skipped: list[tuple[UUID, ReviewItem]] = field(default_factory=list)


@router.get("/o/{org}/mistakes")
async def mistakes(request: Request, caller: LearnerPage) -> Response:
    """Per track, the questions whose latest answer was wrong or that are flagged, and apart
    from them those left unanswered (the rule of "retry my mistakes", `selection`), newest
    first, with a way to practise them again."""
    user_id = _user(caller)
    rows = await attempts.history(caller.ctx, caller.org.id, user_id, None)  # settles expired
    when = {a.id: a.submitted_at for a, _ in rows}
    found = []
    for track in await tracks.list_tracks(caller.ctx, caller.org.id):
        latest = await selection.latest_mistakes(caller.ctx, caller.org.id, track.id, user_id)
        if not latest:
            continue
        versions = await attempts.versions_by_id(
            caller.ctx, caller.org.id, [item.version_id for item, _ in latest]
        )
        mine = TrackMistakes(track)
        for item, kind in latest:
            shown = (item.attempt_id, views.review_item(item, versions[item.version_id]))
            (mine.skipped if kind == "unanswered" else mine.wrong).append(shown)
        found.append(mine)
    return render(
        request, "learner/mistakes.html", found=found, when=when, shown_max=MISTAKES_SHOWN
    )
