"""Who gets a reminder when: the learner's chosen local hour, once per local day, only what
they opted into, and nothing at all while email is off."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyhall.kit.clock import FrozenClock
from studyhall.kit.context import Context
from studyhall.notifications import reminders
from studyhall.notifications.models import ReminderPreference
from tests.notifications.helpers import jobs, page, school
from tests.notifications.smtp import Mailbox

SEND = "notifications.send_email"
ZONES = ["Europe/Lisbon", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]


def _prefs(zone: str, hour: int, agenda: bool = True, behind: bool = True) -> ReminderPreference:
    return ReminderPreference(
        org_id=uuid.uuid4(), user_id=uuid.uuid4(), daily_agenda=agenda, behind_warning=behind,
        agenda_hour=hour, time_zone=zone,
    )  # fmt: skip


@given(
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2029, 12, 31)),
    agenda=st.booleans(),
    behind=st.booleans(),
)
def test_over_any_day_each_chosen_reminder_is_due_at_the_chosen_local_hour_only(
    zone: str, hour: int, start: datetime, agenda: bool, behind: bool
) -> None:
    prefs = _prefs(zone, hour, agenda, behind)
    ticks = [start.replace(tzinfo=UTC) + timedelta(minutes=15 * i) for i in range(4 * 48)]
    for tick in ticks:
        due = reminders.due_reminders(prefs, tick)
        local = tick.astimezone(ZoneInfo(zone))
        if local.hour != hour:
            assert due == []
            continue
        assert {d.template for d in due} == {
            t for t, on in ((reminders.AGENDA, agenda), (reminders.BEHIND, behind)) if on
        }
        assert all(d.day == local.date() for d in due)
    # However often the pass runs, one dedupe key per reminder and local day.
    keys = [d.dedupe_key for t in ticks for d in reminders.due_reminders(prefs, t)]
    days = {
        t.astimezone(ZoneInfo(zone)).date()
        for t in ticks
        if t.astimezone(ZoneInfo(zone)).hour == hour
    }
    assert len(set(keys)) == len(days) * (int(agenda) + int(behind))


@pytest.fixture
def settings_overrides(mailbox: Mailbox) -> dict[str, object]:
    return mailbox.settings()


async def _save(client: httpx.AsyncClient, who: Any, **fields: str) -> httpx.Response:
    return await client.post("/o/acme/reminders", data=fields, headers=who.auth)


async def _pass(app: Any) -> int:
    async with app.state.db.unit_of_work() as session:
        ctx = Context(session=session, clock=app.state.clock, request_id="test")
        count: int = await reminders.enqueue_due(ctx, app.state.settings)
        return count


async def test_the_pass_enqueues_each_reminder_once_a_day_at_the_local_hour(
    app: Any, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    acme = await school(client)
    # 09:00 UTC on 23 Nov is 14:30 in Kolkata.
    saved = await _save(client, acme.learner, daily_agenda="on", behind_warning="on",
                        agenda_hour="14", time_zone="Asia/Kolkata")  # fmt: skip
    assert saved.status_code == 303, saved.text
    assert await _pass(app) == 2
    assert await _pass(app) == 0  # the same hour, again: nothing new
    clock.set(datetime(2026, 11, 23, 9, 45, tzinfo=UTC))
    assert await _pass(app) == 0
    clock.set(datetime(2026, 11, 23, 10, 30, tzinfo=UTC))  # 16:00 there
    assert await _pass(app) == 0
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # the next day
    assert await _pass(app) == 2
    keys = sorted(j.dedupe_key or "" for j in await jobs(app, SEND))
    assert [k.split(":")[1] for k in keys] == ["behind", "behind", "daily_agenda", "daily_agenda"]
    assert {k.rsplit(":", 1)[1] for k in keys} == {"2026-11-23", "2026-11-24"}
    assert all(acme.learner.email not in str(j.payload) for j in await jobs(app, SEND))


async def test_opting_out_stops_the_reminders(app: Any, client: httpx.AsyncClient) -> None:
    acme = await school(client)
    await _save(client, acme.learner, daily_agenda="on", agenda_hour="9", time_zone="UTC")
    await _save(client, acme.learner, agenda_hour="9", time_zone="UTC")  # both unticked
    assert await _pass(app) == 0
    assert await jobs(app, SEND) == []
    shown = await page(client, acme.learner, "acme")
    assert 'name="daily_agenda" checked' not in shown.text


async def test_a_wrong_hour_or_zone_is_named_and_nothing_is_saved(
    app: Any, client: httpx.AsyncClient
) -> None:
    acme = await school(client)
    await _save(client, acme.learner, daily_agenda="on", agenda_hour="9", time_zone="UTC")
    for fields, named in [
        ({"agenda_hour": "25", "time_zone": "UTC"}, "agenda_hour-error"),
        ({"agenda_hour": "x", "time_zone": "UTC"}, "agenda_hour-error"),
        ({"agenda_hour": "9", "time_zone": "Mars/Olympus"}, "time_zone-error"),
    ]:
        refused = await _save(client, acme.learner, **fields)
        assert refused.status_code == 422, refused.text
        assert f'id="{named}"' in refused.text
    shown = await page(client, acme.learner, "acme")
    assert 'name="daily_agenda" checked' in shown.text  # the saved choice stands
    assert await _pass(app) == 1


async def test_with_email_off_the_pass_enqueues_nothing(
    app: Any, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme = await school(client)
    await _save(client, acme.learner, daily_agenda="on", agenda_hour="9", time_zone="UTC")
    monkeypatch.setattr(app.state.settings, "smtp_host", None)
    assert await _pass(app) == 0
