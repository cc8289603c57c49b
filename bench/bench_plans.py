"""Study plans: generating and re-planning, in-process, and the greedy against an optimiser.

Run (from the repository root, after `make install`):

    .venv/bin/python bench/bench_plans.py                 # both cases, timing and comparison
    .venv/bin/python bench/bench_plans.py --runs 50 --no-optimiser   # a quick look

Cases (the issue's), each drawn from a fixed seed so every run plans the same learners:
(a) 48 topics, exam in 30 days, 2-4 h a day (each weekday 120-240 min, Sunday included);
(b) 200 topics, exam in 180 days, the same kind of week.
Topics weigh 1-5, need 60-240 min of first contact, and half are unpractised; reviews take
10-30 min a day; simulations are 180 min.

What it prints, per case:
1. `build_plan` timings: a fresh plan, and a re-plan a week later with the first week's
   topic blocks as done work: p50, p99 (ms) and plans per second on one core.
2. The comparison with `bench/plan_optimiser.py` (HiGHS): on the same calendar, the share of
   the syllabus's weight x weakness whose needs are met (coverage), the topic minutes
   planned, and solve time p50/p99, for the MIP and its LP relaxation (an upper bound).

The HTTP part (64 connections with wrk against the planning API, plans stored) is
bench/bench_plans_http.py.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta

from studyhall.planning.scheduler import (
    BlockKind,
    DoneWork,
    GoalInput,
    Plan,
    PlanRequest,
    TopicInput,
    build_plan,
)

TODAY = date(2027, 3, 1)
CASES = {"a": (48, 30), "b": (200, 180)}  # topics, days to the exam


def learner(seed: int, topics: int, days: int) -> PlanRequest:
    """One learner's request, drawn from `seed`."""
    rng = random.Random(seed)
    week = tuple(rng.choice(range(120, 241, 15)) for _ in range(7))
    goal = GoalInput(
        id=uuid.UUID(int=seed + 1),
        exam_date=TODAY + timedelta(days=days),
        target_score=70.0,
        session_minutes=50,
        daily_questions=30,
        simulation_minutes=180,
        essay=rng.random() < 0.3,
        topics=tuple(
            TopicInput(
                id=uuid.UUID(int=(seed + 1) * 10_000 + i),
                name=f"topic {i}",
                weight=float(rng.randint(1, 5)),
                study_minutes=rng.choice(range(60, 241, 30)),
                accuracy=None if rng.random() < 0.5 else rng.random(),
                trend=rng.uniform(-0.2, 0.2),
            )
            for i in range(topics)
        ),
    )
    reviews = {TODAY + timedelta(days=d): rng.randint(10, 30) for d in range(days)}
    return PlanRequest(
        today=TODAY,
        minutes_by_weekday=week,  # type: ignore[arg-type]
        days_off=frozenset(),
        goals=(goal,),
        review_minutes=reviews,
    )


def week_later(request: PlanRequest, plan: Plan) -> PlanRequest:
    """The re-plan a week on: the first week's topic blocks are done, the rest re-planned."""
    (goal,) = request.goals
    cutoff = request.today + timedelta(days=7)
    done = tuple(
        DoneWork(goal.id, b.topic_id, b.kind, b.minutes)
        for b in plan.blocks
        if b.day < cutoff and b.kind in (BlockKind.STUDY, BlockKind.PRACTICE)
    )
    studied = {d.topic_id for d in done if d.kind is BlockKind.STUDY}
    later = GoalInput(
        **{
            **goal.__dict__,
            "topics": tuple(
                TopicInput(**{**t.__dict__, "study_minutes": 0}) if t.id in studied else t
                for t in goal.topics
            ),
        }
    )
    return PlanRequest(
        today=cutoff,
        minutes_by_weekday=request.minutes_by_weekday,
        days_off=request.days_off,
        goals=(later,),
        review_minutes=request.review_minutes,
        done=done,
    )


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def timed(work: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each of `runs` calls, after two warm-up calls.

    CPU time (this thread's) is what the plan costs; wall time adds whatever else the
    machine runs, which on a shared machine is most of the tail.
    """
    work()
    work()
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.thread_time()
        work()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return wall, cpu


def bench_scheduler(case: str, runs: int) -> None:
    topics, days = CASES[case]
    requests = [learner(seed, topics, days) for seed in range(20)]
    replans = [week_later(r, build_plan(r)) for r in requests]
    for label, batch in (("plan", requests), ("re-plan", replans)):
        samples: list[float] = []
        cpu: list[float] = []
        for request in batch:
            wall, spent = timed(lambda r=request: build_plan(r), max(runs // len(batch), 1))
            samples += wall
            cpu += spent
        p50, p99 = percentiles(samples)
        cpu50, cpu99 = percentiles(cpu)
        print(
            f"  ({case}) {label:8} {topics} topics x {days} days: p50 {p50:.1f} ms, "
            f"p99 {p99:.1f} ms, {1000 / statistics.mean(samples):.0f} plans/s "
            f"(CPU p50 {cpu50:.1f} ms, p99 {cpu99:.1f} ms; {len(samples)} runs)"
        )


def bench_optimiser(case: str, learners: int) -> None:
    import plan_optimiser  # a dev dependency (highspy): imported only when asked

    topics, days = CASES[case]
    rows: dict[str, list[tuple[float, int, float, str]]] = {"greedy": [], "MIP": [], "LP": []}
    for seed in range(learners):
        request = learner(seed, topics, days)
        started = time.perf_counter()
        plan = build_plan(request)
        seconds = time.perf_counter() - started
        cover, minutes = plan_optimiser.greedy_coverage(request, plan)
        rows["greedy"].append((cover, minutes, seconds * 1000, "-"))
        for label, integer in (("MIP", True), ("LP", False)):
            solved = plan_optimiser.solve(request, plan, integer=integer)
            rows[label].append(
                (solved.coverage, solved.topic_minutes, solved.seconds * 1000, solved.status)
            )
    for label, results in rows.items():
        p50, p99 = percentiles([r[2] for r in results])
        cover = statistics.mean(r[0] for r in results)
        minutes = statistics.mean(r[1] for r in results)
        statuses = sorted({r[3] for r in results})
        print(
            f"  ({case}) {label:6} coverage {cover:.1%}, topic minutes {minutes:.0f}, "
            f"time p50 {p50:.1f} ms p99 {p99:.1f} ms  [{', '.join(statuses)}]"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=400, help="timed plans per case and kind")
    parser.add_argument("--learners", type=int, default=5, help="learners in the comparison")
    parser.add_argument("--no-optimiser", action="store_true", help="skip the HiGHS comparison")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"{platform.python_implementation()} {platform.python_version()}, ", end="")
    print(f"{os.cpu_count()} CPUs, load average {load:.1f} at the start")
    print("build_plan, in-process:")
    for case in CASES:
        bench_scheduler(case, args.runs)
    if not args.no_optimiser:
        print("greedy against the HiGHS optimiser on the same calendar:")
        for case in CASES:
            bench_optimiser(case, args.learners)


if __name__ == "__main__":
    main()
