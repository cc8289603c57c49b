"""The goal-settings form: what a browser posts, read into typed values or messages beside
their fields.

One form sets the learner's shared week (time zone, minutes per weekday, dates off, session
length, daily question goal) and one track's goal (exam date, target score, essay, the topics
already mastered or left out). A browser sends every field as text; this module reads them
into `SettingsForm`, and a field a person got wrong comes back as a message for that field
(`minutes_2`, `days_off`, `topic.<id>` …), so the page can show it next to the field. The
rules the planning service checks itself (an exam date in the past, a week with no minutes)
come back from it as problems with field names, which `problem_errors` places the same way.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from studyhall.web.forms import field_errors

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TopicChoice = Literal["study", "mastered", "excluded"]
MAX_DAYS_OFF = 366  # a year of dates off is already more than any plan runs for
DATE_SPLIT = re.compile(r"[\s,;]+")


@cache
def time_zones() -> tuple[str, ...]:
    """The IANA time zones a learner can choose, sorted (the form's list)."""
    return tuple(sorted(zoneinfo.available_timezones()))


class SettingsForm(BaseModel):
    """The form's values, typed. Bounds are the issue's: 10 to 240 min sessions, 0 to 1440 min a
    day, 0 to 100 % target."""

    model_config = ConfigDict(extra="forbid")

    exam_date: date
    time_zone: str
    target_score: Annotated[float, Field(ge=0, le=100)]
    minutes_by_weekday: tuple[
        Annotated[int, Field(ge=0, le=1440)],
        Annotated[int, Field(ge=0, le=1440)],
        Annotated[int, Field(ge=0, le=1440)],
        Annotated[int, Field(ge=0, le=1440)],
        Annotated[int, Field(ge=0, le=1440)],
        Annotated[int, Field(ge=0, le=1440)],
        Annotated[int, Field(ge=0, le=1440)],
    ]
    days_off: Annotated[list[date], Field(max_length=MAX_DAYS_OFF)]
    session_minutes: Annotated[int, Field(ge=10, le=240)]
    daily_questions: Annotated[int, Field(ge=0, le=1000)]
    essay: bool
    mastered_topic_ids: list[UUID]
    excluded_topic_ids: list[UUID]

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in time_zones():
            raise ValueError("Choose a time zone from the list, such as Europe/Lisbon.")
        return value


@dataclass
class ReadForm:
    """What the page needs back: the values as typed (to show them again), the typed form
    when every field was right, and a message per field that was not."""

    values: dict[str, Any]
    settings: SettingsForm | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _days_off(text: str) -> tuple[list[str], str | None]:
    """Dates written one per line (or separated by commas): the dates, or a message naming
    the first one that is not a date."""
    dates = [d for d in DATE_SPLIT.split(text.strip()) if d]
    for written in dates:
        try:
            date.fromisoformat(written)
        except ValueError:
            return dates, f"“{written}” is not a date: write dates as 2027-03-14, one per line."
    return dates, None


def read_settings(form: Mapping[str, Sequence[str]], topic_ids: Sequence[UUID]) -> ReadForm:
    """The posted form (`form_lists`) as settings, or the messages of the fields at fault.

    `topic_ids` are the track's leaf topics: each has a choice `topic.<id>` (study, mastered,
    excluded); a choice for a topic not in the track is refused, not ignored."""
    one = {k: v[-1].strip() for k, v in form.items() if v}
    values: dict[str, Any] = {
        "exam_date": one.get("exam_date", ""),
        "time_zone": one.get("time_zone", ""),
        "target_score": one.get("target_score", ""),
        "session_minutes": one.get("session_minutes", ""),
        "daily_questions": one.get("daily_questions", ""),
        "days_off": one.get("days_off", ""),
        "essay": one.get("essay") == "on",
        **{f"minutes_{i}": one.get(f"minutes_{i}", "") for i in range(7)},
    }
    errors: dict[str, str] = {}
    choices: dict[str, TopicChoice] = {}
    known = {str(t) for t in topic_ids}
    for key, chosen in one.items():
        if not key.startswith("topic."):
            continue
        topic = key.removeprefix("topic.")
        if topic not in known:
            errors["topics"] = "A topic chosen is not in this track's syllabus: reload the page."
        elif chosen not in ("study", "mastered", "excluded"):
            errors[key] = "Choose study, mastered or leave out."
        else:
            choices[topic] = chosen  # type: ignore[assignment]  # checked just above
    values["topics"] = choices
    if known and all(choices.get(t) == "excluded" for t in known):
        errors["topics"] = "Leave at least one topic in the plan."
    dates, bad_date = _days_off(values["days_off"])
    if bad_date:
        errors["days_off"] = bad_date
    candidate: dict[str, Any] = {
        "time_zone": values["time_zone"],
        "minutes_by_weekday": [values[f"minutes_{i}"] or "0" for i in range(7)],
        "days_off": [] if bad_date else dates,
        "daily_questions": values["daily_questions"] or "0",
        "essay": values["essay"],
        "mastered_topic_ids": [t for t, c in choices.items() if c == "mastered"],
        "excluded_topic_ids": [t for t, c in choices.items() if c == "excluded"],
    }
    # A box left empty is missing ("Fill this in."), not a value of the wrong kind.
    for name in ("exam_date", "target_score", "session_minutes"):
        if values[name]:
            candidate[name] = values[name]
    try:
        settings = SettingsForm.model_validate(candidate)
    except ValidationError as exc:
        for name, message in field_errors(exc).items():
            errors.setdefault(form_field(name), message)
        return ReadForm(values, None, errors)
    return ReadForm(values, None if errors else settings, errors)


def form_field(name: str) -> str:
    """The form field a validation error belongs to: `minutes_by_weekday.2` is the
    Wednesday box, `minutes_2`; `days_off.0` is the dates-off box."""
    parts = name.split(".")
    if parts[0] == "minutes_by_weekday" and len(parts) > 1:
        return f"minutes_{parts[1]}"
    if parts[0] in ("mastered_topic_ids", "excluded_topic_ids"):
        return "topics"
    return parts[0]


def values_of(
    profile: Mapping[str, Any] | None, goal: Mapping[str, Any] | None, zone: str
) -> dict[str, Any]:
    """The form's values from what is stored (or sensible first values): a learner editing
    sees what they set."""
    week = (profile or {}).get("minutes_by_weekday") or (120, 120, 120, 120, 120, 240, 0)
    values: dict[str, Any] = {
        "time_zone": (profile or {}).get("time_zone") or zone,
        "session_minutes": (profile or {}).get("session_minutes", 50),
        "daily_questions": (profile or {}).get("daily_questions", 20),
        "days_off": "\n".join(str(d) for d in (profile or {}).get("days_off", ())),
        **{f"minutes_{i}": week[i] for i in range(7)},
        "exam_date": str((goal or {}).get("exam_date", "")),
        "target_score": (goal or {}).get("target_score", 70),
        "essay": bool((goal or {}).get("essay", False)),
    }
    topics: dict[str, TopicChoice] = {}
    for topic in (goal or {}).get("mastered_topic_ids", ()):
        topics[str(topic)] = "mastered"
    for topic in (goal or {}).get("excluded_topic_ids", ()):
        topics[str(topic)] = "excluded"
    values["topics"] = topics
    return values
