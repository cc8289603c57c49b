"""The plan as the pages show it: blocks, days, goal meters and the reality check in words.

Pure shaping, no database: the page module loads the plan, progress and names through the
planning service and hands them here, so what a page says ("Behind by 3 h 20 min", "Practice:
Joins, 12 questions") is decided in one place and tested without a server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol
from uuid import UUID

KIND_WORDS = {
    "study": "Study",
    "practice": "Practice",
    "review": "Reviews",
    "simulation": "Full simulation",
    "essay": "Essay practice",
}
STATUS_WORDS = {
    "planned": "planned",
    "done": "done",
    "partial": "partly done",
    "skipped": "skipped",
    "missed": "missed",
}
START_WORDS = {
    "practice": "Start the drill",
    "simulation": "Start the simulation",
    "review": "Start the reviews",
}
STARTABLE = frozenset(START_WORDS)
NO_DATA = "\u2013"  # an en dash: a figure not known yet


class BlockLike(Protocol):
    """What a page reads of a stored block (the planning API's `BlockOut` has it all)."""

    id: UUID
    goal_id: UUID | None
    topic_id: UUID | None
    day: date
    starts_at: datetime
    minutes: int
    kind: str
    questions: int
    status: str
    done_minutes: int
    questions_solved: int
    notes: str
    attempt_id: UUID | None


def minutes_words(minutes: int) -> str:
    """A duration as people say it: "45 min", "2 h", "3 h 20 min"."""
    minutes = max(0, int(minutes))
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def day_words(day: date) -> str:
    """ "Monday 7 December" (the year is plain from the context of a plan)."""
    return f"{day:%A} {day.day} {day:%B}"


@dataclass
class BlockForm:
    """What the block's *mark* form shows: the stored values, or those just posted."""

    status: str = ""
    done_minutes: str = ""
    questions_solved: str = ""
    notes: str = ""


@dataclass
class BlockView:
    id: UUID
    kind: str
    title: str  # "Practice: Joins"
    when: str  # "19:00" in the learner's zone
    minutes: int
    questions: int
    status: str
    status_label: str
    track: str
    startable: bool
    start_label: str
    done_line: str  # "Done: 40 min, 12 questions solved."
    notes: str
    day: date
    done_minutes: int = 0
    form: BlockForm = field(default_factory=BlockForm)


def block_view(
    block: BlockLike,
    *,
    topics: Mapping[UUID, str],
    tracks: Mapping[UUID | None, str],
    zone: tzinfo,
    reviews_on: bool,
) -> BlockView:
    """One block in words; `tracks` names each goal's track (by goal id)."""
    topic = topics.get(block.topic_id) if block.topic_id else None
    title = KIND_WORDS.get(block.kind, block.kind.capitalize())
    if topic:
        title = f"{title}: {topic}"
    done = f"{STATUS_WORDS.get(block.status, block.status).capitalize()}: "
    done += minutes_words(block.done_minutes)
    if block.questions_solved:
        solved = block.questions_solved
        done += f", {solved} question{'' if solved == 1 else 's'} solved"
    # Reviews start only where the reviews service is installed; elsewhere the block is done
    # by hand (marked), not offered a button that leads nowhere.
    startable = block.kind in STARTABLE and (block.kind != "review" or reviews_on)
    return BlockView(
        id=block.id,
        kind=block.kind,
        title=title,
        when=f"{block.starts_at.astimezone(zone):%H:%M}",
        minutes=block.minutes,
        questions=block.questions,
        status=block.status,
        status_label=STATUS_WORDS.get(block.status, block.status),
        track=tracks.get(block.goal_id, ""),
        startable=startable,
        start_label=START_WORDS.get(block.kind, "Start"),
        done_line=done + ".",
        notes=block.notes,
        day=block.day,
        done_minutes=block.done_minutes,
        form=BlockForm(
            status=block.status if block.status in ("done", "partial", "skipped") else "",
            done_minutes=str(block.done_minutes or block.minutes),
            questions_solved=str(block.questions_solved or block.questions or ""),
            notes=block.notes,
        ),
    )


@dataclass
class Meter:
    label: str
    value: str
    percent: float


def goal_meters(progress: Any) -> list[Meter]:
    """Today's and this week's minutes and questions against their goals."""

    def meter(label: str, done: int, goal: int, unit: str) -> Meter:
        shown = (
            f"{minutes_words(done)} / {minutes_words(goal)}"
            if unit == "min"
            else f"{done} / {goal}"
        )
        percent = min(100.0, 100.0 * done / goal) if goal else (100.0 if done else 0.0)
        return Meter(label, shown, round(percent, 1))

    day, week = progress.today_goal, progress.week_goal
    return [
        meter("studied today", day.minutes_done, day.minutes_planned, "min"),
        meter("questions today", day.questions_solved, day.questions_goal, "q"),
        meter("studied this week", week.minutes_done, week.minutes_planned, "min"),
        meter("questions this week", week.questions_solved, week.questions_goal, "q"),
    ]


@dataclass
class Reality:
    coverage: str
    projected: str
    target: str
    pace: str


def reality_words(progress: Any, targets: Iterable[float]) -> Reality:
    """The reality check's figures as the page prints them (a dash where there is no data yet)."""
    reality = progress.reality
    wanted = sorted(set(targets))
    return Reality(
        coverage=f"{reality.coverage_by_exam:.0f}%",
        projected=NO_DATA if reality.projected_score is None else f"{reality.projected_score:.0f}%",
        target=", ".join(f"{t:.0f}%" for t in wanted),
        pace=NO_DATA if reality.pace is None else f"{100 * reality.pace:.0f}%",
    )


def status_words(progress: Any) -> tuple[str, str]:
    """(css class, words) of the learner's standing, in the planning service's own words
    ("On track", "Behind by 3 h 20 min")."""
    return str(progress.status), str(progress.summary)


def next_and_later(blocks: Sequence[BlockView]) -> tuple[BlockView | None, list[BlockView]]:
    """The block to do now (the first still planned) and the rest of the day, in order."""
    first = next((b for b in blocks if b.status == "planned"), None)
    return first, [b for b in blocks if b is not first]


@dataclass
class DayView:
    iso: str
    label: str
    today: bool
    off: bool
    available: int
    used: int
    blocks: list[BlockView]


@dataclass
class WeekView:
    label: str
    previous: str
    next: str
    days: list[DayView]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_view(
    start: date,
    today: date,
    blocks: Sequence[BlockView],
    minutes_by_weekday: Sequence[int],
    days_off: Iterable[date],
) -> WeekView:
    """Seven days from `start` (a Monday): each day's blocks and the availability they use."""
    off = set(days_off)
    days = []
    for n in range(7):
        day = start + timedelta(days=n)
        mine = [b for b in blocks if b.day == day]
        days.append(
            DayView(
                iso=day.isoformat(),
                label=f"{day:%a} {day.day} {day:%b}",
                today=day == today,
                off=day in off,
                available=0 if day in off else int(minutes_by_weekday[day.weekday()]),
                used=sum(b.minutes for b in mine if b.status != "skipped"),
                blocks=mine,
            )
        )
    end = start + timedelta(days=6)
    return WeekView(
        label=f"{start.day} {start:%b} to {end.day} {end:%b %Y}",
        previous=(start - timedelta(days=7)).isoformat(),
        next=(start + timedelta(days=7)).isoformat(),
        days=days,
    )
