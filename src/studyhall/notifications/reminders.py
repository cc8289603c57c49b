"""Reminder emails: who is due now, and what their message says.

A scheduled pass (every quarter hour) finds learners whose chosen local hour has come and
enqueues one `notifications.send_email` job per message with a dedupe key of the learner's
local date, so each reminder goes at most once a day however often the pass runs and however
many workers run it. The message itself is composed when the job runs, from the plan as it
is then, and not at all if the learner opted out in between or has nothing to be told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import or_

from studyhall.accounts.models import User
from studyhall.config import Settings
from studyhall.jobs import queue
from studyhall.kit.context import Context
from studyhall.kit.tenancy import across_orgs
from studyhall.notifications import mail, plan_view
from studyhall.notifications.models import ReminderPreference
from studyhall.notifications.service import local_now, preferences
from studyhall.orgs import service as orgs
from studyhall.orgs.models import Org

SEND_EMAIL = "notifications.send_email"
AGENDA = "daily_agenda"
BEHIND = "behind"
TEST = "test"
TEMPLATES = (AGENDA, BEHIND, TEST)


@dataclass(frozen=True)
class Due:
    org_id: UUID
    user_id: UUID
    template: str
    day: date  # the learner's local date: one message of a kind per day

    @property
    def dedupe_key(self) -> str:
        return f"reminder:{self.template}:{self.org_id}:{self.user_id}:{self.day.isoformat()}"

    def payload(self) -> dict[str, Any]:
        return {
            "org_id": str(self.org_id),
            "user_id": str(self.user_id),
            "template": self.template,
            "day": self.day.isoformat(),
        }


def due_reminders(prefs: ReminderPreference, now: Any) -> list[Due]:
    """The reminders this learner's choices call for at `now` (UTC): those they opted into,
    when their local hour is the one they chose."""
    local = local_now(now, prefs.time_zone)
    if local.hour != prefs.agenda_hour:
        return []
    wanted = [t for t, on in ((AGENDA, prefs.daily_agenda), (BEHIND, prefs.behind_warning)) if on]
    return [Due(prefs.org_id, prefs.user_id, t, local.date()) for t in wanted]


async def enqueue_due(ctx: Context, settings: Settings) -> int:
    """Enqueue every reminder due now that was not enqueued yet today; returns how many.
    With email off nothing is enqueued (there would be nothing to send them with)."""
    if not settings.email_enabled:
        return 0
    query = across_orgs(
        ReminderPreference, reason="the reminder pass looks at every learner who opted in"
    ).where(or_(ReminderPreference.daily_agenda, ReminderPreference.behind_warning))
    enqueued = 0
    for prefs in (await ctx.session.scalars(query)).all():
        for due in due_reminders(prefs, ctx.now()):
            if await queue.find_by_dedupe_key(ctx, due.dedupe_key) is None:
                queue.enqueue(ctx, SEND_EMAIL, due.payload(), dedupe_key=due.dedupe_key)
                enqueued += 1
    return enqueued


def enqueue_test(ctx: Context, settings: Settings, org_id: UUID, user_id: UUID) -> bool:
    """A test message to the learner, so they can see reminders reach them; False (nothing
    enqueued) when email is off."""
    if not settings.email_enabled:
        return False
    due = Due(org_id, user_id, TEST, ctx.now().date())
    queue.enqueue(ctx, SEND_EMAIL, due.payload())
    return True


def _minutes(n: int) -> str:
    hours, minutes = divmod(n, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


async def compose(ctx: Context, settings: Settings, payload: dict[str, Any]) -> mail.Message | None:
    """The message a `send_email` job sends, or None when there is nothing to send: the
    learner left the organisation, opted out since, or has no blocks today / is not behind."""
    org_id, user_id = UUID(payload["org_id"]), UUID(payload["user_id"])
    template, day = payload["template"], date.fromisoformat(payload["day"])
    if template not in TEMPLATES:
        raise ValueError(f"no email template {template!r}")
    user = await ctx.session.get(User, user_id)
    org = await ctx.session.get(Org, org_id)
    if user is None or org is None or await orgs.membership_of(ctx, org_id, user_id) is None:
        return None
    prefs = await preferences(ctx, org_id, user_id)
    base = settings.base_url
    common = {
        "name": user.display_name,
        "org_name": org.name,
        "today_url": base + plan_view.today_path(org.slug),
        "settings_url": f"{base}/o/{org.slug}/reminders",
        "day": day,
    }
    if template == TEST:
        return mail.compose(TEST, to=user.email, subject="Studyhall reminders reach you", **common)
    if template == AGENDA:
        if not prefs.daily_agenda:
            return None
        found = await plan_view.blocks(ctx, org_id, user_id, first=day, last=day, only_planned=True)
        if not found:
            return None
        zone = local_now(ctx.now(), prefs.time_zone).tzinfo
        items = [
            {
                "title": b.title,
                "time": b.start.astimezone(zone).strftime("%H:%M"),
                "length": _minutes(b.minutes),
                "url": base + b.path,
            }
            for b in found
        ]
        total = _minutes(sum(b.minutes for b in found))
        subject = f"Today's study plan: {len(found)} block{'s' * (len(found) != 1)}, {total}"
        return mail.compose(AGENDA, to=user.email, subject=subject, items=items, total=total,
                            **common)  # fmt: skip
    if not prefs.behind_warning:
        return None
    standing = await plan_view.standing(ctx, org_id, user_id, day)
    if standing is None or not standing.behind:  # "behind" is planning's word, not ours
        return None
    behind = _minutes(standing.behind_minutes)
    return mail.compose(
        BEHIND, to=user.email, subject=f"You are {behind} behind your study plan",
        behind=behind, goals=standing.goal_names, **common,
    )  # fmt: skip
