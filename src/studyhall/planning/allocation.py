"""How a goal's study time is shared between its topics: the scheduler's arithmetic.

Pure functions of numbers, no dates and no plan types, so each rule can be read and tested
alone. `scheduler.build_plan` calls them in this order: weakness and priority of each topic,
the final stretch when the topics do not all fit, then the split of the goal's minutes.

The rule a learner can check: once every topic has the time its first contact and one drill
need, the minutes of study and practice (done and planned) are shared in proportion to
weight x weakness.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

MINUTES_PER_QUESTION = 1.5  # a drill question takes about a minute and a half with feedback
MIN_WEAKNESS = 0.1  # a topic answered perfectly still gets a little practice: memory fades
TREND_WEIGHT = 0.5  # a worsening trend of -0.2 counts as 10 points less accuracy


def weakness(accuracy: float | None, trend: float) -> float:
    """How much a topic still needs the learner, from 0.1 (solid) to 1 (unknown or failing).

    Never practised counts as fully weak. Otherwise one minus the accuracy, made worse by a
    falling trend and better by a rising one (half a point of accuracy per point of trend),
    and kept at 0.1 at least so no topic is forgotten.
    """
    if accuracy is None or math.isnan(accuracy):
        return 1.0
    raw = (1.0 - _clip(accuracy, 0.0, 1.0)) - TREND_WEIGHT * _clip(trend, -1.0, 1.0)
    return _clip(raw, MIN_WEAKNESS, 1.0)


def priority(weight: float, topic_weakness: float) -> float:
    """A topic's claim on study time: its weight times its weakness (0 for odd weights)."""
    if not math.isfinite(weight) or weight <= 0:
        return 0.0
    return weight * topic_weakness


def shares(priorities: Sequence[float]) -> list[float]:
    """Each topic's weight x weakness share of the total (equal shares when all are 0)."""
    total = sum(priorities)
    if total <= 0:
        return [1.0 / len(priorities)] * len(priorities) if priorities else []
    return [p / total for p in priorities]


def drill_minutes(daily_questions: int, session_minutes: int, min_block: int) -> int:
    """One practice block: the daily question goal at 1.5 min a question, within a session."""
    longest = max(session_minutes, min_block)
    return int(_clip(round(max(daily_questions, 0) * MINUTES_PER_QUESTION), min_block, longest))


def questions_for(minutes: int) -> int:
    """How many questions a practice block of these minutes asks (at least one)."""
    return max(1, int(minutes / MINUTES_PER_QUESTION))


def points_per_hour(
    weight_share: float, topic_weakness: float, target_score: float, minutes: int
) -> float:
    """Expected exam points (of 100) per hour of work on a topic.

    A topic carries `weight_share` of the exam's points; studying it is expected to win back
    the part the learner now loses (its weakness), scaled to the target score (aiming at 70
    makes every point count 0.7 as much as aiming at 100, a shared factor kept for clarity).
    """
    gain = 100.0 * weight_share * topic_weakness * max(target_score, 1.0) / 100.0
    return gain / max(minutes / 60.0, 1 / 60)


def keep_best(values: Sequence[float], costs: Sequence[int], budget: int) -> list[int]:
    """Final stretch: indexes of the topics kept, the most points per hour first, within budget.

    Greedy by value per minute (ties by input order); a topic that does not fit is skipped and
    cheaper ones after it may still fit. When not even the best fits, it is kept alone and gets
    what there is, so a goal with some time is never left with nothing to do.
    """
    order = sorted(range(len(values)), key=lambda i: (-values[i], i))
    kept: list[int] = []
    used = 0
    for i in order:
        if used + costs[i] <= budget:
            kept.append(i)
            used += costs[i]
    if not kept and order and budget > 0:
        kept.append(order[0])
    return sorted(kept)


def water_fill(floors: Sequence[float], weights: Sequence[float], total: float) -> list[float]:
    """Share `total` in proportion to `weights`, giving each at least its floor.

    Finds the level L with sum(max(floor_i, L * weight_i)) == total: topics whose floor is
    above their proportional share get the floor, the others share the rest by weight. When
    the floors alone exceed the total, they are cut in proportion (nothing fits fully).
    """
    n = len(floors)
    if n == 0:
        return []
    floor_sum = sum(floors)
    if total <= floor_sum or sum(weights) <= 0:
        if floor_sum <= 0:
            return [total / n] * n
        scale = total / floor_sum if total < floor_sum else 1.0
        extra = (total - floor_sum) / n if total > floor_sum else 0.0
        return [f * scale + extra for f in floors]
    # Raise the level past each topic's breakpoint (floor / weight) until the rest fits.
    order = sorted(range(n), key=lambda i: floors[i] / weights[i] if weights[i] > 0 else math.inf)
    pinned = floor_sum  # minutes held by topics still on their floor
    free_weight = 0.0
    level = 0.0
    for position, i in enumerate(order):
        if weights[i] <= 0:
            break
        pinned -= floors[i]
        free_weight += weights[i]
        level = (total - pinned) / free_weight
        nxt = order[position + 1] if position + 1 < n else None
        if nxt is None or weights[nxt] <= 0 or level <= floors[nxt] / weights[nxt]:
            break
    return [max(floors[i], level * weights[i]) for i in range(n)]


def round_to_total(amounts: Sequence[float], total: int) -> list[int]:
    """Whole minutes that add up to `total`, by largest remainder (ties by position)."""
    if not amounts:
        return []
    floors = [max(math.floor(a), 0) for a in amounts]
    left = total - sum(floors)
    order = sorted(range(len(amounts)), key=lambda i: (-(amounts[i] - floors[i]), i))
    for i in order[: max(left, 0)]:
        floors[i] += 1
    return floors


def split_by_weight(total: int, weights: Sequence[float]) -> list[int]:
    """Whole minutes of `total` in proportion to `weights` (equal when all are 0)."""
    return round_to_total([total * s for s in shares(list(weights))], total)


def duration(minutes: float) -> str:
    """Minutes in plain words: "4 h 10 min", "45 min", "3 h"."""
    whole = max(math.ceil(minutes), 0)
    hours, rest = divmod(whole, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def _clip(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)
