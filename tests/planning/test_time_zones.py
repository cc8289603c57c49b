"""Blocks start at the learner's local start time on every day, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyhall.kit.clock import FrozenClock
from studyhall.planning.inputs import block_start
from tests.factories import Person
from tests.planning.conftest import BASE, add_goal, set_week

ZONES = ["Europe/Lisbon", "America/Sao_Paulo", "America/New_York", "Australia/Lord_Howe", "UTC"]


@given(
    day=st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31)),
    zone=st.sampled_from(ZONES),
    start=st.times(),
    offset=st.integers(min_value=0, max_value=1440),
)
def test_a_block_starts_its_offset_after_the_days_local_start(
    day: date, zone: str, start: time, offset: int
) -> None:
    starts = block_start(day, start, zone, offset)
    assert starts.tzinfo is not None
    opened = (starts - timedelta(minutes=offset)).astimezone(ZoneInfo(zone))
    local = datetime.combine(day, start, tzinfo=ZoneInfo(zone))
    exists = local.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) == (
        local.replace(tzinfo=None)
    )
    if exists:  # the wall time that day, in that day's offset
        assert opened.date() == day
        assert (opened.hour, opened.minute, opened.second) == (
            start.hour,
            start.minute,
            start.second,
        )
    else:  # in the spring-forward gap: read with the offset before the change, so later
        assert opened.replace(tzinfo=None) > local.replace(tzinfo=None)


def test_known_changes_lisbon_and_sao_paulo() -> None:
    evening = time(19, 0)
    # Lisbon leaves summer time on 2026-10-25 and returns to it on 2027-03-28.
    assert block_start(date(2027, 3, 27), evening, "Europe/Lisbon", 0) == datetime(
        2027, 3, 27, 19, 0, tzinfo=UTC
    )
    assert block_start(date(2027, 3, 29), evening, "Europe/Lisbon", 30) == datetime(
        2027, 3, 29, 18, 30, tzinfo=UTC
    )
    # Sao Paulo last had summer time from 2018-11-04 (midnight became 01:00) to 2019-02-17.
    assert block_start(date(2018, 11, 3), evening, "America/Sao_Paulo", 0) == datetime(
        2018, 11, 3, 22, 0, tzinfo=UTC
    )
    assert block_start(date(2018, 11, 5), evening, "America/Sao_Paulo", 0) == datetime(
        2018, 11, 5, 21, 0, tzinfo=UTC
    )
    # Midnight did not exist on 2018-11-04 there: the day's study starts at 01:00 local.
    assert block_start(date(2018, 11, 4), time(0, 0), "America/Sao_Paulo", 0) == datetime(
        2018, 11, 4, 3, 0, tzinfo=UTC
    )


async def _plan(
    client: httpx.AsyncClient, who: Person, track: dict[str, Any], zone: str, exam: str
) -> list[dict[str, Any]]:
    await set_week(client, who, time_zone=zone, minutes_by_weekday=[60] * 7)
    await add_goal(client, who, track["id"], exam_date=exam)
    made = await client.post(f"{BASE}/generate", headers=who.auth)
    assert made.status_code == 200, made.text
    return list(made.json()["blocks"])


def _first_start(blocks: list[dict[str, Any]], day: str) -> datetime:
    return min(datetime.fromisoformat(b["starts_at"]) for b in blocks if b["day"] == day)


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> FrozenClock:
    """The test's own moment (sessions are made then, so they are valid then)."""
    return FrozenClock(request.param)


@pytest.mark.parametrize("clock", [datetime(2027, 3, 22, 9, 0, tzinfo=UTC)], indirect=True)
async def test_a_plan_across_lisbons_spring_change_starts_at_19_00_local_on_both_sides(
    client: httpx.AsyncClient, learner: Person, track: dict[str, Any]
) -> None:
    blocks = await _plan(client, learner, track, "Europe/Lisbon", "2027-04-02")
    assert _first_start(blocks, "2027-03-27") == datetime(2027, 3, 27, 19, 0, tzinfo=UTC)
    assert _first_start(blocks, "2027-03-29") == datetime(2027, 3, 29, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize("clock", [datetime(2018, 10, 29, 9, 0, tzinfo=UTC)], indirect=True)
async def test_a_plan_across_sao_paulos_last_summer_time_starts_at_19_00_local(
    client: httpx.AsyncClient, learner: Person, track: dict[str, Any]
) -> None:
    blocks = await _plan(client, learner, track, "America/Sao_Paulo", "2018-11-10")
    assert _first_start(blocks, "2018-11-03") == datetime(2018, 11, 3, 22, 0, tzinfo=UTC)
    assert _first_start(blocks, "2018-11-05") == datetime(2018, 11, 5, 21, 0, tzinfo=UTC)
