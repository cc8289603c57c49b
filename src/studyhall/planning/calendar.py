"""The scheduler's calendar rules: each day's minutes, where reviews, simulations and essays go,
and how a day is shared between several exams.

Pure functions of dates and minutes, read in the order `scheduler.build_plan` applies them:
capacity, reviews first, then the fixed blocks (simulations, essays), then the split of what
is left between the goals still ahead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from studyhall.planning.allocation import split_by_weight

MIN_BLOCK = 10  # no block is shorter, unless the whole day has less
MINUTES_IN_DAY = 1440
LIGHT_LAST_DAY_MINUTES = 30  # the day before the exam: reviews and one short drill
# Full simulations, in days before the exam: weekly from six weeks out, then about twice a
# week in the last two weeks (never the day before: that day is light).
SIMULATION_DAYS_BEFORE = (2, 5, 9, 12, 19, 26, 33, 40)
SIMULATION_SEARCH_DAYS = 3  # a target day too short moves up to this many days, earlier first
ESSAY_EVERY_DAYS = 7
ESSAY_MINUTES_RANGE = (30, 90)  # an essay block is a session, kept between these lengths


def day_capacity(
    day: date,
    today: date,
    minutes_by_weekday: Sequence[int],
    days_off: frozenset[date],
    used_today: int,
) -> int:
    """Minutes of study time on `day`: the weekday's minutes, 0 on a day off, and today only
    what is not already used (clipped to 0..1440 against odd input)."""
    if day in days_off:
        return 0
    minutes = _clip_int(minutes_by_weekday[day.weekday()], 0, MINUTES_IN_DAY)
    if day == today:
        minutes -= _clip_int(used_today, 0, MINUTES_IN_DAY)
    return max(minutes, 0)


def days_between(first: date, end: date) -> list[date]:
    """The days from `first` to the day before `end` (empty when `end` is not after it)."""
    return [first + timedelta(days=i) for i in range((end - first).days)]


def review_minutes(
    days: Sequence[date], capacity: Mapping[date, int], due: Mapping[date, int]
) -> dict[date, int]:
    """The REVIEW minutes of each day: reviews come first on their due day.

    Reviews due before the plan starts count on its first day; what a day cannot hold (a day
    off, a short day) moves to the next day with capacity. Reviews due after the plan's last
    day are not planned.
    """
    if not days:
        return {}
    first = days[0]
    backlog = sum(max(m, 0) for d, m in sorted(due.items()) if d < first)
    placed: dict[date, int] = {}
    for day in days:
        backlog += max(due.get(day, 0), 0)
        minutes = min(backlog, capacity[day])
        placed[day] = minutes
        backlog -= minutes
    return placed


def simulation_days(
    exam: date, goal_days: Sequence[date], free: Mapping[date, int], minutes: int
) -> list[date]:
    """The days a goal's full simulations take, at the rising cadence before its exam.

    Each target day (SIMULATION_DAYS_BEFORE) with too little free time moves to the nearest
    day within SIMULATION_SEARCH_DAYS that has it, earlier first; never onto the light last
    day, never twice on one day. Targets before the plan starts are skipped.
    """
    if minutes <= 0 or not goal_days:
        return []
    allowed = set(goal_days[:-1])  # the last day is light
    chosen: list[date] = []
    for before in sorted(SIMULATION_DAYS_BEFORE, reverse=True):
        target = exam - timedelta(days=before)
        for shift in _search_order(SIMULATION_SEARCH_DAYS):
            day = target + timedelta(days=shift)
            if day in allowed and day not in chosen and free.get(day, 0) >= minutes:
                chosen.append(day)
                break
    return sorted(chosen)


def essay_days(goal_days: Sequence[date], free: Mapping[date, int], minutes: int) -> list[date]:
    """One essay a week: in each week from the first day, the day with the most free time
    that can hold it (the earliest on ties), never the light last day."""
    usable = list(goal_days[:-1])
    chosen: list[date] = []
    for start in range(0, len(usable), ESSAY_EVERY_DAYS):
        week = [d for d in usable[start : start + ESSAY_EVERY_DAYS] if free.get(d, 0) >= minutes]
        if week:
            chosen.append(max(week, key=lambda d: (free[d], -d.toordinal())))
    return chosen


def essay_minutes(session_minutes: int) -> int:
    """An essay block is one session long, between half an hour and an hour and a half."""
    low, high = ESSAY_MINUTES_RANGE
    return _clip_int(session_minutes, low, high)


def share_day(minutes: int, demands: Sequence[float]) -> list[int]:
    """Split a day's free minutes between the goals active that day.

    In proportion to each goal's demand (the minutes it still needs per day left before its
    exam, so a nearer exam asks more per day); a share too small for a block goes to the
    largest share, so no goal gets a fragment it cannot use.
    """
    if not demands:
        return []
    parts = split_by_weight(minutes, demands)
    if minutes < MIN_BLOCK:
        return parts
    largest = max(range(len(parts)), key=lambda i: (parts[i], -i))
    for i, part in enumerate(parts):
        if 0 < part < MIN_BLOCK and i != largest:
            parts[largest] += part
            parts[i] = 0
    return parts


def _search_order(radius: int) -> list[int]:
    """0, -1, +1, -2, +2, ...: try the target day, then earlier before later."""
    order = [0]
    for step in range(1, radius + 1):
        order += [-step, step]
    return order


def _clip_int(value: int, low: int, high: int) -> int:
    return min(max(int(value), low), high)
