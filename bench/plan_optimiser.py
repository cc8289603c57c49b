"""Benchmark only: the optimiser the scheduler was measured against (HiGHS, a dev dependency).

A mixed-integer program on the same calendar as `build_plan`'s answer: the minutes each day
leaves for topic work once reviews, simulations, essays and the light last day are placed
(read from the greedy plan itself, so both schedule exactly the same time).

    maximise   sum_t points_t * keep_t               (expected exam points won)
    subject to sum_t x[t, d] <= topic_minutes[d]      for every day d
               sum_d x[t, d] >= need_t * keep_t       for every topic t
               0 <= x[t, d] <= 2 * session_minutes    (two sessions of one topic a day at most)
               keep_t in {0, 1}  (the MIP)  or  0 <= keep_t <= 1  (its LP relaxation)

need_t is the topic's first contact plus one drill, points_t = 100 x weight share x
weakness: the same quantities as the scheduler's final stretch. Not shipped: see
docs/planning.md for the comparison and why the greedy is what runs.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import highspy
import numpy as np

from studyhall.planning import allocation
from studyhall.planning.calendar import MIN_BLOCK
from studyhall.planning.scheduler import BlockKind, Plan, PlanRequest

TOPIC_KINDS = (BlockKind.STUDY, BlockKind.PRACTICE)


@dataclass(frozen=True)
class Solved:
    seconds: float
    coverage: float  # weight x weakness share of the topics' needs met, 0..1
    topic_minutes: int
    status: str


def topic_minutes_by_day(request: PlanRequest, greedy: Plan) -> dict[date, int]:
    """Minutes the greedy plan gave to topic work each day (the optimiser's capacities)."""
    (goal,) = request.goals
    last = goal.exam_date.toordinal() - 1
    minutes: dict[date, int] = defaultdict(int)
    for block in greedy.blocks:
        if block.kind in TOPIC_KINDS and block.day.toordinal() != last:
            minutes[block.day] += block.minutes
    return dict(sorted(minutes.items()))


def needs_and_points(request: PlanRequest) -> tuple[list[float], list[float], list[float]]:
    """Per topic: minutes needed, expected points when covered, weight x weakness share."""
    (goal,) = request.goals
    drill = allocation.drill_minutes(goal.daily_questions, goal.session_minutes, MIN_BLOCK)
    total_weight = sum(t.weight for t in goal.topics)
    needs = [float(t.study_minutes + drill) for t in goal.topics]
    weak = [allocation.weakness(t.accuracy, t.trend) for t in goal.topics]
    points = [100 * t.weight / total_weight * w for t, w in zip(goal.topics, weak, strict=True)]
    share = allocation.shares([t.weight * w for t, w in zip(goal.topics, weak, strict=True)])
    return needs, points, share


def coverage(share: list[float], needs: list[float], given: list[float]) -> float:
    """How much of the weight x weakness mass of the syllabus gets the time it needs."""
    return sum(s * min(1.0, g / n) for s, n, g in zip(share, needs, given, strict=True))


def greedy_coverage(request: PlanRequest, plan: Plan) -> tuple[float, int]:
    (goal,) = request.goals
    needs, _, share = needs_and_points(request)
    given: dict[object, int] = defaultdict(int)
    for block in plan.blocks:
        if block.kind in TOPIC_KINDS:
            given[block.topic_id] += block.minutes
    minutes = [float(given[t.id]) for t in goal.topics]
    return coverage(share, needs, minutes), int(sum(minutes))


def solve(request: PlanRequest, greedy: Plan, integer: bool, time_limit: float = 30.0) -> Solved:
    """Build and solve the program above; time includes building the model."""
    started = time.perf_counter()
    (goal,) = request.goals
    capacity = topic_minutes_by_day(request, greedy)
    days = list(capacity)
    needs, points, share = needs_and_points(request)
    n_topics, n_days = len(needs), len(days)
    n_x = n_topics * n_days
    # Columns: x[t, d] for t, d (topic-major), then keep_t.
    cost = np.concatenate([np.zeros(n_x), np.array(points)])
    upper = np.concatenate([np.full(n_x, 2.0 * goal.session_minutes), np.ones(n_topics)])
    # Rows: one per day, then one per topic. Column-wise sparse matrix.
    starts, index, value = [0], [], []
    for t in range(n_topics):
        for d in range(n_days):
            index += [d, n_days + t]
            value += [1.0, 1.0]
            starts.append(len(index))
    for t in range(n_topics):
        index.append(n_days + t)
        value.append(-needs[t])
        starts.append(len(index))
    lp = highspy.HighsLp()
    lp.num_col_ = n_x + n_topics
    lp.num_row_ = n_days + n_topics
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(n_x + n_topics)
    lp.col_upper_ = upper
    inf = highspy.kHighsInf
    lp.row_lower_ = np.concatenate([np.full(n_days, -inf), np.zeros(n_topics)])
    lp.row_upper_ = np.concatenate(
        [np.array([float(capacity[d]) for d in days]), np.full(n_topics, inf)]
    )
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value)
    lp.sense_ = highspy.ObjSense.kMaximize
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kContinuous] * n_x + [
            highspy.HighsVarType.kInteger
        ] * n_topics
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("time_limit", time_limit)
    solver.setOptionValue("threads", 1)
    solver.passModel(lp)
    solver.run()
    status = solver.modelStatusToString(solver.getModelStatus())
    values = np.array(solver.getSolution().col_value)
    seconds = time.perf_counter() - started
    x = values[:n_x].reshape(n_topics, n_days) if n_days else np.zeros((n_topics, 0))
    given = [float(v) for v in x.sum(axis=1)]
    return Solved(seconds, coverage(share, needs, given), round(sum(given)), status)
