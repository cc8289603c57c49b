"""Charts drawn as SVG on the server: no chart library, no script, nothing to load.

Geometry only; the templates draw it, and the stylesheet colours it for both themes.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def _y(percent: float) -> float:
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - percent / 100), 1)


def score_over_time(progress: Progress) -> LineChart:
    scores = [a.percent for a in progress.attempts]
    span = WIDTH - LEFT - RIGHT
    step = span / max(1, len(scores) - 1)
    points = [
        (round(LEFT + (i * step if len(scores) > 1 else span / 2), 1), _y(p), p)
        for i, p in enumerate(scores)
    ]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y, _) in enumerate(points))
    if scores:
        attempts = (
            "1 submitted attempt" if len(scores) == 1 else f"{len(scores)} submitted attempts"
        )
        summary = (
            f"{attempts}; latest {scores[-1]:.0f}%, best "
            f"{max(scores):.0f}%, passing line {progress.passing_percent:.0f}%."
        )
    else:
        summary = "No submitted attempts yet."
    return LineChart(
        WIDTH, HEIGHT, points, path, _y(progress.passing_percent), progress.passing_percent,
        [(_y(v), v) for v in (0, 25, 50, 75, 100)], summary,
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
