"""The calendar feed as RFC 5545 text: a pure function over plain events.

The planning domain turns plan blocks into `FeedEvent`s (start in UTC); this module only
writes them. With a time zone, DTSTART carries its TZID and the calendar its VTIMEZONE, so
a calendar app shows the block at the same local time on both sides of a DST change; without
one, times are written in UTC ("Z"). The `icalendar` package does the escaping of commas,
semicolons and newlines (RFC 5545 3.3.11) and the line folding (3.1).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

PRODID = "-//Studyhall//Study plan//EN"
# How often calendar apps should fetch the feed again (RFC 7986 REFRESH-INTERVAL and the
# older X-PUBLISHED-TTL that some apps read instead): plans change when a learner re-plans.
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class FeedEvent:
    """One calendar event: a block of the plan, or anything else worth a slot."""

    uid: str  # stable across fetches, so apps update the event instead of adding another
    summary: str
    start: datetime  # timezone-aware; written in the feed's zone
    minutes: int
    description: str = ""
    url: str | None = None


def local_start(day: date, minutes_after_midnight: int, zone: ZoneInfo) -> datetime:
    """The UTC moment of a local wall-clock time on `day` in `zone`.

    Local arithmetic first, then the zone: 09:00 stays 09:00 in March and in November, while
    its UTC time moves by the DST shift. A wall time inside a spring-forward gap (02:30 where
    clocks jump from 02:00 to 03:00) is read with the offset before the jump, as zoneinfo
    does (fold=0), which lands one hour later in local time."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes_after_midnight)
    return wall.replace(tzinfo=zone).astimezone(UTC)


# RFC 5545 TEXT (3.3.11) allows no control character but HTAB, and newlines only escaped:
# other controls (from a pasted syllabus, say) are dropped, and CR LF / CR become LF.
_CONTROLS = {c: None for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F]}


def clean_text(value: str, *, one_line: bool = False) -> str:
    """`value` as a TEXT property may hold it; `one_line` for names shown on one line."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROLS)
    return " ".join(value.split()) if one_line else value


def render_feed(
    events: Iterable[FeedEvent], *, name: str, stamp: datetime, zone: ZoneInfo | None = None
) -> bytes:
    """The VCALENDAR holding `events`, each with UID, DTSTAMP (`stamp`, the time of this
    rendering), DTSTART, DURATION, SUMMARY and, when given, DESCRIPTION and URL."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", clean_text(name, one_line=True))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    if zone is not None and zone.key != "UTC":
        calendar.add("x-wr-timezone", zone.key)
    stamp_utc = stamp.astimezone(UTC)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp_utc)
        start = item.start.astimezone(zone or UTC)
        event.add("dtstart", start)
        event.add("duration", timedelta(minutes=item.minutes))
        event.add("summary", clean_text(item.summary))
        if item.description:
            event.add("description", clean_text(item.description))
        if item.url:
            event.add("url", item.url, parameters={"VALUE": "URI"})
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    if zone is not None and zone.key != "UTC":
        calendar.add_missing_timezones()
    body: bytes = calendar.to_ical()
    return body
