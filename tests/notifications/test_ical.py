"""The feed's iCalendar, read back with the icalendar library as a calendar app would."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from studyhall.notifications.ical import FeedEvent, local_start, render_feed

STAMP = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LISBON = ZoneInfo("Europe/Lisbon")  # summer time starts 2027-03-28 at 01:00 UTC


def _event(**changes: object) -> FeedEvent:
    values: dict[str, object] = {
        "uid": f"block-{uuid.uuid4()}@studyhall",
        "summary": "Study: Joins",
        "start": datetime(2026, 11, 24, 18, 0, tzinfo=UTC),
        "minutes": 50,
        "description": "",
        "url": "https://study.example.org/o/acme/today",
    }
    values.update(changes)
    return FeedEvent(**values)  # type: ignore[arg-type]


def _events(body: bytes) -> list[object]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_every_event_has_the_properties_rfc_5545_requires() -> None:
    events = [_event(), _event(summary="Review", minutes=20)]
    body = render_feed(events, name="Study plan · Acme", stamp=STAMP)
    calendar = Calendar.from_ical(body)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    found = _events(body)
    assert len(found) == 2
    for made, read in zip(events, found, strict=True):
        assert read["UID"] == made.uid  # type: ignore[index]
        assert read.decoded("DTSTAMP") == STAMP  # type: ignore[attr-defined]
        assert read.decoded("DTSTART") == made.start  # type: ignore[attr-defined]
        assert read.decoded("DURATION") == timedelta(minutes=made.minutes)  # type: ignore[attr-defined]
        assert str(read["URL"]) == made.url  # type: ignore[index]
    # Lines end in CRLF and none is longer than 75 octets (RFC 5545 3.1).
    assert body.endswith(b"\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))


def test_commas_semicolons_and_newlines_are_escaped() -> None:
    tricky = "Law; civil, criminal\nand the rest \\ more"
    body = render_feed([_event(summary=tricky, description=tricky)], name="x", stamp=STAMP)
    unfolded = body.replace(b"\r\n ", b"")
    assert b"SUMMARY:Law\\; civil\\, criminal\\nand the rest \\\\ more" in unfolded
    (read,) = _events(body)
    assert str(read["SUMMARY"]) == tricky  # type: ignore[index]
    assert str(read["DESCRIPTION"]) == tricky  # type: ignore[index]


def test_control_characters_are_dropped_and_a_name_stays_on_one_line() -> None:
    body = render_feed([_event(summary="a\x00b\r\nc\x1bd")], name="Acme\nAcademy", stamp=STAMP)
    (read,) = _events(body)
    assert str(read["SUMMARY"]) == "ab\ncd"  # type: ignore[index]
    assert str(Calendar.from_ical(body)["X-WR-CALNAME"]) == "Acme Academy"


@given(
    summary=st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r")
        | st.sampled_from([",", ";", "\n", "\\", ":", '"']),
        min_size=1,
        max_size=120,
    )
)
def test_any_text_reads_back_as_written(summary: str) -> None:
    body = render_feed([_event(summary=summary, description=summary)], name=summary, stamp=STAMP)
    assert str(Calendar.from_ical(body)["X-WR-CALNAME"]) == " ".join(summary.split())
    (read,) = _events(body)
    assert str(read["SUMMARY"]) == summary  # type: ignore[index]
    assert str(read["DESCRIPTION"]) == summary  # type: ignore[index]


def test_a_block_keeps_its_local_time_across_a_dst_change() -> None:
    """09:00 in Lisbon is 09:00 UTC before summer time and 08:00 UTC after it; the feed
    carries the zone, so an app in any zone shows the right moment on both sides."""
    before = local_start(date(2027, 3, 27), 9 * 60, LISBON)
    after = local_start(date(2027, 3, 29), 9 * 60, LISBON)
    assert before == datetime(2027, 3, 27, 9, 0, tzinfo=UTC)
    assert after == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    body = render_feed(
        [_event(start=before), _event(start=after)], name="x", stamp=STAMP, zone=LISBON
    )
    assert b"BEGIN:VTIMEZONE" in body
    assert b"TZID:Europe/Lisbon" in body
    assert b"DTSTART;TZID=Europe/Lisbon:20270327T090000" in body
    assert b"DTSTART;TZID=Europe/Lisbon:20270329T090000" in body
    starts = [e.decoded("DTSTART") for e in _events(body)]  # type: ignore[attr-defined]
    assert [s.astimezone(UTC) for s in starts] == [before, after]


def test_without_a_zone_times_are_in_utc() -> None:
    start = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    body = render_feed([_event(start=start)], name="x", stamp=STAMP)
    assert b"DTSTART:20261124T180000Z" in body
    assert b"VTIMEZONE" not in body


ZONES = ["Europe/Lisbon", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    minute=st.integers(min_value=0, max_value=24 * 60 - 1),
)
def test_local_start_is_that_wall_clock_time_outside_a_gap(
    zone: str, day: date, minute: int
) -> None:
    tz = ZoneInfo(zone)
    moment = local_start(day, minute, tz)
    wall = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=minute)
    wall_naive = wall.replace(tzinfo=None)
    back = moment.astimezone(tz).replace(tzinfo=None)
    in_gap = wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != (
        wall_naive
    )
    if not in_gap:
        assert back == wall_naive
    assert moment.tzinfo is UTC
