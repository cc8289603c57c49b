"""The learner's "Calendar & reminders" page: the calendar feed's secret address (copy it,
replace it), and the reminder emails they opt into. It says so when this server sends no
email. The notifications service keeps the rules; this page only reads the form."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from studyhall.kit.errors import InvalidInput, NotFound
from studyhall.notifications import plan_view, reminders, service
from studyhall.orgs.permissions import OrgCaller
from studyhall.web.access import LearnerPage, PageRoute, see_other
from studyhall.web.forms import form_of, problem_errors
from studyhall.web.rendering import render, zone_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)
HOURS = list(range(24))


def _user_id(caller: OrgCaller) -> UUID:
    if caller.user is None:  # attempts:take is never given to API keys
        raise NotFound("Reminders belong to people.")
    return caller.user.id


def _base_url(request: Request) -> str:
    """Where calendar apps reach this server: the configured public URL, else the address
    this page was reached at."""
    configured = request.app.state.settings.public_url
    return str(configured or str(request.base_url)).rstrip("/")


async def _page(
    request: Request, caller: LearnerPage, status: int = 200, **extra: object
) -> Response:
    user_id = _user_id(caller)
    found = await service.feed_of(caller.ctx, caller.org.id, user_id)
    prefs = await service.preferences(caller.ctx, caller.org.id, user_id)
    zone = prefs.time_zone
    if prefs.id is None:  # never saved: offer the study week's zone, else the browser's
        studied = await plan_view.learner_zone(caller.ctx, caller.org.id, user_id)
        zone = getattr(studied or zone_of(request), "key", "UTC")
    extra.setdefault("errors", {})
    extra.setdefault(
        "values",
        {"daily_agenda": prefs.daily_agenda, "behind_warning": prefs.behind_warning,
         "agenda_hour": prefs.agenda_hour, "time_zone": zone},
    )  # fmt: skip
    return render(
        request, "learner/reminders.html", status,
        has_feed=found is not None,
        feed_url=_base_url(request) + found.path if found and found.path else None,
        email_enabled=request.app.state.settings.email_enabled, hours=HOURS,
        zones=sorted(service.known_zones()), notice=request.query_params.get("done"), **extra,
    )  # fmt: skip


@router.get("/o/{org}/reminders")
async def reminders_page(request: Request, caller: LearnerPage) -> Response:
    """The calendar feed and the reminder choices."""
    return await _page(request, caller)


@router.post("/o/{org}/reminders")
async def save_reminders(request: Request, caller: LearnerPage) -> Response:
    """Save the reminder choices; a wrong hour or zone is named beside its field."""
    user_id = _user_id(caller)
    form = await form_of(request)
    values = {
        "daily_agenda": form.get("daily_agenda") == "on",
        "behind_warning": form.get("behind_warning") == "on",
        "agenda_hour": form.get("agenda_hour", ""),
        "time_zone": form.get("time_zone", "").strip(),
    }
    try:
        hour = str(values["agenda_hour"])
        if not hour.isdigit():
            raise InvalidInput(
                "Choose an hour.", errors=[("body.agenda_hour", "Choose an hour from the list.")]
            )
        await service.update_preferences(
            caller.ctx, caller.org.id, user_id,
            daily_agenda=bool(values["daily_agenda"]),
            behind_warning=bool(values["behind_warning"]), agenda_hour=int(hour),
            time_zone=str(values["time_zone"]),
        )  # fmt: skip
    except InvalidInput as problem:
        return await _page(request, caller, 422, values=values, errors=problem_errors(problem))
    return see_other(request, f"/o/{caller.org.slug}/reminders?done=saved")


@router.post("/o/{org}/reminders/feed")
async def create_feed(request: Request, caller: LearnerPage) -> Response:
    """Make the learner's calendar address (asking again keeps the one they have)."""
    await service.create_feed(caller.ctx, caller.org.id, _user_id(caller))
    return see_other(request, f"/o/{caller.org.slug}/reminders?done=feed")


@router.post("/o/{org}/reminders/feed/rotate")
async def rotate_feed(request: Request, caller: LearnerPage) -> Response:
    """A new calendar address; the old one stops working at once."""
    await service.rotate_feed(caller.ctx, caller.org.id, _user_id(caller))
    return see_other(request, f"/o/{caller.org.slug}/reminders?done=rotated")


@router.post("/o/{org}/reminders/test")
async def send_test(request: Request, caller: LearnerPage) -> Response:
    """Send a test email through the job queue; the page answers at once either way."""
    settings = request.app.state.settings
    sent = reminders.enqueue_test(caller.ctx, settings, caller.org.id, _user_id(caller))
    return see_other(request, f"/o/{caller.org.slug}/reminders?done={'test' if sent else 'off'}")
