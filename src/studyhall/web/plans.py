"""The learner's study-plan pages: goal settings, Today, the week, re-planning, and marking
or starting a block. They call the planning service, as its API does; what the pages say is
shaped in `plan_views`, and the settings form is read in `plan_form`."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from studyhall.exams import tracks
from studyhall.kit.errors import InvalidInput, NotFound, Problem
from studyhall.orgs.permissions import OrgCaller
from studyhall.planning import blocks as plan_blocks
from studyhall.planning import progress as plan_progress
from studyhall.planning import service as planning
from studyhall.planning.models import PlanBlock, StudyGoal, StudyPlan, StudyProfile
from studyhall.planning.schemas import BlockUpdate, GoalIn, ProfileIn, ProgressOut
from studyhall.web import plan_views as views
from studyhall.web.access import LearnerPage, PageRoute, see_other
from studyhall.web.forms import field_errors, form_lists, person_text, sentence
from studyhall.web.plan_form import WEEKDAYS, form_field, read_settings, time_zones, values_of
from studyhall.web.rendering import env, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
env.filters["plan_minutes"] = views.minutes_words
MAX_CHANGES_SHOWN = 40  # a preview lists this many block changes, then counts the rest


def reviews_on() -> bool:
    """Whether the reviews domain is installed: a review block's Start leads to its session
    only then (until then a review block is marked by hand)."""
    if importlib.util.find_spec("studyhall.reviews") is None:  # the package, then its room
        return False
    return importlib.util.find_spec("studyhall.reviews.service") is not None


def _user(caller: OrgCaller) -> UUID:
    if caller.user is None:  # attempts:take is never given to API keys
        raise NotFound("Study plans belong to people.")
    return caller.user.id


@dataclass(frozen=True)
class TopicRow:
    """A leaf topic as the settings form lists it: plain values, which outlive a rollback."""

    id: UUID
    name: str


@dataclass(frozen=True)
class TrackInfo:
    id: UUID
    name: str


async def _names(caller: OrgCaller, goals: Sequence[StudyGoal]) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """Topic names (all tracks with a goal) and each goal's track name, by goal id."""
    topics: dict[UUID, str] = {}
    track_names: dict[UUID | None, str] = {}
    for goal in goals:
        syllabus = await tracks.get_syllabus(caller.ctx, caller.org.id, goal.track_id)
        topics.update({t.id: t.name for t in syllabus.topics})
        track_names[goal.id] = syllabus.track.name
    return topics, track_names


async def _block_views(
    caller: OrgCaller, rows: Sequence[PlanBlock], goals: Sequence[StudyGoal]
) -> list[views.BlockView]:
    topics, track_names = await _names(caller, goals)
    zone = _zone(await planning.get_profile(caller.ctx, caller.org, _user(caller)))
    on = reviews_on()
    return [
        views.block_view(b, topics=topics, tracks=track_names, zone=zone, reviews_on=on)
        for b in rows
    ]


def _zone(profile: StudyProfile | None) -> Any:
    from studyhall.planning import inputs

    return inputs.zone(profile.time_zone if profile else "UTC") or inputs.zone("UTC")


def _today(profile: StudyProfile, caller: OrgCaller) -> date:
    from studyhall.planning import inputs

    return inputs.local_today(profile.time_zone, caller.ctx.now())


# --- goal settings -------------------------------------------------------------------------


@router.get("/o/{org}/plan/goals")
async def goals(request: Request, caller: LearnerPage) -> Response:
    """Every track of the organisation, with the learner's goal for it (or a way to set one)."""
    user_id = _user(caller)
    mine = {g.track_id: g for g in await planning.list_goals(caller.ctx, caller.org, user_id)}
    rows = []
    for track in await tracks.list_tracks(caller.ctx, caller.org.id):
        goal = mine.get(track.id)
        shown = None
        if goal is not None and goal.status == "active":
            shown = {"exam_label": views.day_words(goal.exam_date) + f" {goal.exam_date.year}",
                     "target_score": goal.target_score}  # fmt: skip
        rows.append((track, shown))
    has_plan = await planning.get_plan(caller.ctx, caller.org, user_id) is not None
    return render(request, "plans/goals.html", rows=rows, has_plan=has_plan)


async def _settings_parts(caller: OrgCaller, track_id: UUID) -> tuple[TrackInfo, list[TopicRow]]:
    syllabus = await tracks.get_syllabus(caller.ctx, caller.org.id, track_id)
    leaves = [TopicRow(t.id, t.name) for t in syllabus.leaves()]
    return TrackInfo(syllabus.track.id, syllabus.track.name), leaves


async def _goal_for(caller: OrgCaller, track_id: UUID) -> StudyGoal | None:
    found = await planning.list_goals(caller.ctx, caller.org, _user(caller))
    return next((g for g in found if g.track_id == track_id and g.status == "active"), None)


def _settings_page(
    request: Request,
    track: TrackInfo,
    topics: list[TopicRow],
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status: int = 200,
    has_plan: bool = False,
) -> Response:
    return render(
        request, "plans/settings.html", status, track=track, topics=topics, values=values,
        errors=errors, zones=time_zones(), weekdays=WEEKDAYS, has_plan=has_plan,
    )  # fmt: skip


@router.get("/o/{org}/plan/goals/{track_id}")
async def settings_form(request: Request, track_id: UUID, caller: LearnerPage) -> Response:
    """The goal for one track and the learner's week (shared by all their goals)."""
    track, topics = await _settings_parts(caller, track_id)
    user_id = _user(caller)
    profile = await planning.get_profile(caller.ctx, caller.org, user_id)
    goal = await _goal_for(caller, track_id)
    stored_profile = None
    if profile is not None:
        stored_profile = {
            "time_zone": profile.time_zone, "minutes_by_weekday": profile.minutes_by_weekday,
            "days_off": profile.days_off, "session_minutes": profile.session_minutes,
            "daily_questions": profile.daily_questions,
        }  # fmt: skip
    stored_goal = None
    if goal is not None:
        stored_goal = {
            "exam_date": goal.exam_date, "target_score": goal.target_score, "essay": goal.essay,
            "mastered_topic_ids": goal.mastered_topic_ids,
            "excluded_topic_ids": goal.excluded_topic_ids,
        }  # fmt: skip
    browser_zone = str(getattr(request, "cookies", {}).get("studyhall_tz", "") or "UTC")
    values = values_of(stored_profile, stored_goal, browser_zone)
    has_plan = await planning.get_plan(caller.ctx, caller.org, user_id) is not None
    return _settings_page(request, track, topics, values, {}, has_plan=has_plan)


def _service_errors(problem: Problem) -> dict[str, str]:
    """A service's refusal as messages beside the form's fields."""
    if not problem.errors:
        return {"form": sentence(problem.detail or problem.title)}
    out: dict[str, str] = {}
    for error in problem.errors:
        name = form_field(error.field.removeprefix("body."))
        if name == "excluded_topic_ids":
            name = "topics"
        message = person_text(error.message)
        if name == "exam_date":
            message = f"The exam must be {message}"
        out.setdefault(name, sentence(message))
    return out


@router.post("/o/{org}/plan/goals/{track_id}")
async def save_settings(request: Request, track_id: UUID, caller: LearnerPage) -> Response:
    """Save the week and the goal, then make (or re-make) the plan and show Today. A goal that
    cannot be planned is refused with messages beside its fields, and nothing is saved."""
    user_id = _user(caller)
    track, topics = await _settings_parts(caller, track_id)
    read = read_settings(await form_lists(request), [t.id for t in topics])
    if read.settings is None:
        return _settings_page(request, track, topics, read.values, read.errors, status=422)
    given = read.settings
    try:
        profile = await planning.get_profile(caller.ctx, caller.org, user_id)
        week = ProfileIn(
            time_zone=given.time_zone, minutes_by_weekday=list(given.minutes_by_weekday),
            days_off=given.days_off, session_minutes=given.session_minutes,
            daily_questions=given.daily_questions,
            **({"day_start": profile.day_start} if profile is not None else {}),
        )  # fmt: skip
        goal_in = GoalIn(
            track_id=track_id, exam_date=given.exam_date, target_score=given.target_score,
            essay=given.essay, mastered_topic_ids=given.mastered_topic_ids,
            excluded_topic_ids=given.excluded_topic_ids,
        )  # fmt: skip
        await planning.set_profile(caller.ctx, caller.org, user_id, week)
        goal = await _goal_for(caller, track_id)
        if goal is None:
            await planning.create_goal(caller.ctx, caller.org, user_id, goal_in)
        else:
            await planning.replace_goal(caller.ctx, caller.org, user_id, goal.id, goal_in)
        if await planning.get_plan(caller.ctx, caller.org, user_id) is None:
            await planning.generate(
                caller.ctx, caller.org, user_id, reason=f"Made for your goal in {track.name}."
            )
    except (ValidationError, Problem) as exc:
        # Nothing half-written: the week may already be saved when the goal is refused.
        await caller.ctx.session.rollback()
        errors = field_errors(exc) if isinstance(exc, ValidationError) else _service_errors(exc)
        status = 422 if isinstance(exc, ValidationError) else exc.status
        return _settings_page(request, track, topics, read.values, errors, status=status)
    return see_other(request, f"/o/{caller.org.slug}/plan?saved=goal")


# --- Today, the week -----------------------------------------------------------------------


@dataclass
class Loaded:
    """The learner's plan with what every plan page needs beside it."""

    plan: StudyPlan
    profile: StudyProfile
    goals: Sequence[StudyGoal]
    today: date


async def _loaded(caller: OrgCaller) -> Loaded | None:
    """The plan, brought up to date first (missed blocks, new results: `planning.refresh`),
    or None before the learner has one."""
    user_id = _user(caller)
    plan = await planning.refresh(caller.ctx, caller.org, user_id)
    profile = await planning.get_profile(caller.ctx, caller.org, user_id)
    if plan is None or profile is None:
        return None
    found = await planning.list_goals(caller.ctx, caller.org, user_id)
    return Loaded(plan, profile, found, _today(profile, caller))


async def _notes(caller: OrgCaller, plan: Any, goals: Sequence[StudyGoal]) -> dict[str, Any]:
    """Shortfalls and left-out topics in words, with track and topic names."""
    topics, track_names = await _names(caller, goals)
    shortfalls = []
    for s in getattr(plan, "shortfalls", ()):
        s = s if isinstance(s, dict) else s.model_dump()
        needed, available = int(s["needed_minutes"]), int(s["available_minutes"])
        shortfalls.append({
            "track": track_names.get(_uuid(s["goal_id"]), ""), "needed_minutes": needed,
            "available_minutes": available, "suggestions": list(s.get("suggestions", ())),
            "percent": round(100 * available / needed) if needed else 100,
        })  # fmt: skip
    left_out = []
    for item in getattr(plan, "left_out", ()):  # a re-plan preview lists none
        item = item if isinstance(item, dict) else item.model_dump()
        left_out.append({
            "topic": topics.get(_uuid(item["topic_id"]), "A topic"),
            "track": track_names.get(_uuid(item["goal_id"]), "") if len(goals) > 1 else "",
            "reason": item["reason"],
        })  # fmt: skip
    return {"shortfalls": shortfalls, "left_out": left_out}


def _uuid(value: Any) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None


SAVED = {
    "goal": "Your goal is saved and your plan is ready.",
    "block": "Saved.",
    "replan": "Your plan was made again from today.",
}


@router.get("/o/{org}/plan")
async def today(
    request: Request,
    caller: LearnerPage,
    saved: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Today: the block to do now first, the rest of the day, goal progress, the reality
    check and why the plan is what it is."""
    loaded = await _loaded(caller)
    if loaded is None:
        return see_other(request, f"/o/{caller.org.slug}/plan/goals")
    return await _today_page(request, caller, loaded, saved=SAVED.get(saved or ""))


async def _today_page(
    request: Request,
    caller: OrgCaller,
    loaded: Loaded,
    *,
    saved: str | None = None,
    errors: dict[str, str] | None = None,
    posted: tuple[UUID, views.BlockForm] | None = None,
    status: int = 200,
) -> Response:
    rows = await planning.plan_blocks(
        caller.ctx, caller.org, loaded.plan, start=loaded.today, end=loaded.today
    )
    shown = await _block_views(caller, rows, loaded.goals)
    if posted is not None:
        for b in shown:
            if b.id == posted[0]:
                b.form = posted[1]
    first, later = views.next_and_later(shown)
    upcoming = await planning.plan_blocks(
        caller.ctx, caller.org, loaded.plan, start=loaded.today + timedelta(days=1),
        end=loaded.today + timedelta(days=14),
    )  # fmt: skip
    progress = await _progress(caller)
    status_class, status_line = views.status_words(progress)
    view = {
        "today_label": views.day_words(loaded.today),
        "status": status_class,
        "status_line": status_line,
        "reason": loaded.plan.reason,
        "generated_label": views.day_words(loaded.plan.generated_at.astimezone(
            _zone(loaded.profile)).date()),
        "blocks": shown,
        "next_block": first,
        "later": later,
        "next_day_label": views.day_words(upcoming[0].day) if upcoming else None,
        "goal_meters": views.goal_meters(progress),
        "reality": views.reality_words(progress, [g.target_score for g in loaded.goals
                                                  if g.status == "active"]),
        **await _notes(caller, loaded.plan, loaded.goals),
    }  # fmt: skip
    return render(request, "plans/today.html", status, view=view, saved=saved, errors=errors or {})


async def _progress(caller: OrgCaller) -> ProgressOut:
    return await plan_progress.progress(caller.ctx, caller.org, _user(caller))


@router.get("/o/{org}/plan/week")
async def week(
    request: Request, caller: LearnerPage, start: Annotated[date | None, Query()] = None
) -> Response:
    """Seven days (Monday first) with each day's blocks and the study time they use."""
    loaded = await _loaded(caller)
    if loaded is None:
        return see_other(request, f"/o/{caller.org.slug}/plan/goals")
    monday = views.monday_of(start or loaded.today)
    rows = await planning.plan_blocks(
        caller.ctx, caller.org, loaded.plan, start=monday, end=monday + timedelta(days=6)
    )
    shown = await _block_views(caller, rows, loaded.goals)
    off = [date.fromisoformat(d) for d in loaded.profile.days_off]
    days = views.week_view(monday, loaded.today, shown, loaded.profile.minutes_by_weekday, off)
    return render(request, "plans/week.html", week=days)


# --- re-planning ---------------------------------------------------------------------------


@router.get("/o/{org}/plan/replan")
async def replan_preview(request: Request, caller: LearnerPage) -> Response:
    """What re-planning from today would change (blocks added, removed, moved; minutes per
    topic before and after), with Apply and Cancel. Nothing changes until Apply."""
    loaded = await _loaded(caller)
    if loaded is None:
        return see_other(request, f"/o/{caller.org.slug}/plan/goals")
    preview = await planning.preview_replan(caller.ctx, caller.org, _user(caller))
    topics, _ = await _names(caller, loaded.goals)

    def what(kind: str, topic_id: UUID | None) -> str:
        title = views.KIND_WORDS.get(kind, kind)
        return f"{title}: {topics[topic_id]}" if topic_id in topics else title

    changes = []
    for c in preview.changes[:MAX_CHANGES_SHOWN]:
        text = f"{what(c.block_kind, c.topic_id)}, {views.minutes_words(c.minutes)}, "
        text += views.day_words(c.day)
        if c.kind == "moved" and c.to_day is not None:
            text += f" → {views.day_words(c.to_day)}"
        changes.append({"kind": c.kind, "text": text})
    topic_rows = [
        {"name": what("study", t.topic_id) if t.topic_id else "Reviews and simulations",
         "before": t.before, "after": t.after}
        for t in preview.minutes_by_topic
    ]  # fmt: skip
    notes = await _notes(caller, preview, loaded.goals)
    return render(
        request, "plans/replan.html", preview=preview, changes=changes, topics=topic_rows,
        more=max(0, len(preview.changes) - MAX_CHANGES_SHOWN), view=notes,
    )  # fmt: skip


@router.post("/o/{org}/plan/replan")
async def replan_apply(request: Request, caller: LearnerPage) -> Response:
    """Apply the re-plan: the plan is made again from today; what is done stays done."""
    if await planning.get_plan(caller.ctx, caller.org, _user(caller)) is None:
        return see_other(request, f"/o/{caller.org.slug}/plan/goals")
    await planning.replan(caller.ctx, caller.org, _user(caller), reason="You re-planned.")
    return see_other(request, f"/o/{caller.org.slug}/plan?saved=replan")


# --- a block -------------------------------------------------------------------------------

BLOCK_FIELDS = ("status", "done_minutes", "questions_solved", "notes")


@router.post("/o/{org}/plan/blocks/{block_id}")
async def record(request: Request, block_id: UUID, caller: LearnerPage) -> Response:
    """Mark a block done, partly done or skipped, with minutes, questions solved and notes."""
    user_id = _user(caller)
    form = {k: v[-1] for k, v in (await form_lists(request)).items() if v}
    posted = views.BlockForm(**{k: form.get(k, "").strip() for k in BLOCK_FIELDS})
    data = {k: v for k, v in vars(posted).items() if v != "" or k == "notes"}
    try:
        update = BlockUpdate.model_validate(data)
        await plan_blocks.record_block(caller.ctx, caller.org, user_id, block_id, update)
    except (ValidationError, InvalidInput) as exc:
        # Refused before anything changed (`record_block` checks, then writes), so the page
        # is drawn in the same transaction, its rows still loaded.
        if isinstance(exc, ValidationError):
            found = field_errors(exc)
        else:
            found = {
                e.field.removeprefix("body."): sentence(person_text(e.message)) for e in exc.errors
            } or {"form": sentence(exc.detail or exc.title)}
        # The block is another learner's or none: answered as not found, before any message.
        await plan_blocks.get_block(caller.ctx, caller.org, user_id, block_id)
        loaded = await _loaded(caller)
        if loaded is None:
            raise NotFound("No plan yet.") from exc
        errors = {f"{block_id}.{k.split('.')[0]}": m for k, m in found.items()}
        errors[str(block_id)] = "This was not saved: see the message below the field."
        return await _today_page(
            request, caller, loaded, errors=errors, posted=(block_id, posted), status=422
        )
    return see_other(request, f"/o/{caller.org.slug}/plan?saved=block#block-{block_id}")


@router.post("/o/{org}/plan/blocks/{block_id}/start")
async def start(request: Request, block_id: UUID, caller: LearnerPage) -> Response:
    """Start a block: a practice block's drill or a simulation opens in the exam screen, a
    review block's session where reviews are on; a study block goes back to Today."""
    started = await plan_blocks.start_block(caller.ctx, caller.org, _user(caller), block_id)
    attempt_id = started.attempt.id if started.attempt is not None else None
    if attempt_id is None and started.review_session:
        found = started.review_session.get("attempt_id") or started.review_session.get("id")
        attempt_id = _uuid(found) if found else None
    if attempt_id is not None:
        return see_other(request, f"/o/{caller.org.slug}/attempts/{attempt_id}")
    return see_other(request, f"/o/{caller.org.slug}/plan#block-{block_id}")


# --- the dashboard's card ------------------------------------------------------------------


@dataclass(frozen=True)
class TodayCard:
    """The dashboard's "Today's plan" card: what is left today, and the next block."""

    blocks_left: int
    minutes_left: int
    next_title: str | None


async def today_card(caller: OrgCaller) -> TodayCard | None:
    """The card for a learner with an active goal and a plan, else None. It reads only (the
    plan is brought up to date when Today opens)."""
    if caller.user is None:
        return None
    user_id = caller.user.id
    plan = await planning.get_plan(caller.ctx, caller.org, user_id)
    profile = await planning.get_profile(caller.ctx, caller.org, user_id)
    active = await planning.list_goals(caller.ctx, caller.org, user_id, active_only=True)
    if plan is None or profile is None or not active:
        return None
    day = _today(profile, caller)
    rows = await planning.plan_blocks(caller.ctx, caller.org, plan, start=day, end=day)
    left = [b for b in rows if b.status == "planned"]
    shown = await _block_views(caller, left[:1], active)
    return TodayCard(len(left), sum(b.minutes for b in left), shown[0].title if shown else None)
