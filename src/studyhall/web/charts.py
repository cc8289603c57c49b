"""Charts drawn as SVG on the server: no chart library, no script, nothing to load.

Geometry only; the templates draw it, and the stylesheet colours it for both themes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from studyhall.exams.progress import Progress

WIDTH, HEIGHT = 420, 200
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 12, 28


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    points: list[tuple[float, float, float]]  # x, y, percent
    path: str
    pass_y: float
    passing: float
    grid: list[tuple[float, int]]  # y, label
    summary: str
    x_labels: list[tuple[float, str]]  # x, date
    x_label_y: float


def _y(percent: float) -> float:
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - percent / 100), 1)


X_LABELS = 6  # at most this many dates under the axis, so they never run together


def _x_labels(
    points: list[tuple[float, float, float]], dates: list[str]
) -> list[tuple[float, str]]:
    chosen: list[int] = list(range(len(points)))
    if len(points) > X_LABELS:  # the first, the last and evenly between
        step = (len(points) - 1) / (X_LABELS - 1)
        chosen = sorted({round(i * step) for i in range(X_LABELS)})
    return [(points[i][0], dates[i]) for i in chosen]


def score_over_time(progress: Progress, date: Callable[[datetime], str]) -> LineChart:
    """Simulations only (practice and custom sets are short sets of the learner's choosing,
    not exam scores), each dated under the axis with `date`."""
    scores = [a.percent for a in progress.simulations]
    span = WIDTH - LEFT - RIGHT
    step = span / max(1, len(scores) - 1)
    points = [
        (round(LEFT + (i * step if len(scores) > 1 else span / 2), 1), _y(p), p)
        for i, p in enumerate(scores)
    ]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y, _) in enumerate(points))
    dates = [date(a.submitted_at) for a in progress.simulations]
    if scores:
        when = (
            f"1 simulation on {dates[0]}"
            if len(scores) == 1
            else f"{len(scores)} simulations from {dates[0]} to {dates[-1]}"
        )
        summary = (
            f"{when}; latest {scores[-1]:.0f}%, best "
            f"{max(scores):.0f}%, passing line {progress.passing_percent:.0f}%."
        )
    else:
        summary = "No submitted simulations yet."
    return LineChart(
        WIDTH, HEIGHT, points, path, _y(progress.passing_percent), progress.passing_percent,
        [(_y(v), v) for v in (0, 25, 50, 75, 100)], summary, _x_labels(points, dates),
        HEIGHT - 8,
    )  # fmt: skip


@dataclass(frozen=True)
class Bar:
    label: str
    accuracy: float | None
    low: bool


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]


def topic_accuracy(progress: Progress) -> BarChart:
    """One bar per topic; the page lays them out as a list, so long names wrap."""
    bars = [
        Bar(
            label=topic.topic,
            accuracy=topic.accuracy,
            low=topic.accuracy is not None and topic.accuracy < progress.passing_percent,
        )
        for topic in progress.topics
    ]
    return BarChart(bars)
