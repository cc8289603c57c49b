"""The FSRS memory model (the `fsrs` package, FSRS-6) behind every card, as plain data.

Cards are reviewed once a day at most, so there are no intra-day learning steps: a graded
card goes straight to the review state and its next interval is whole days (Again: one day).
Fuzzing is off, so the same history always gives the same due date (tests, plans).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import fsrs

from studyhall.reviews.rules import Rating

DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs.Scheduler().parameters)
DEFAULT_RETENTION = 0.9


@dataclass(frozen=True)
class Memory:
    """A card's FSRS state; `stability`/`difficulty` are None before its first grading."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None


def new_memory(now: datetime) -> Memory:
    return Memory(state=1, step=0, stability=None, difficulty=None, due=now, last_review=None)


def scheduler(
    parameters: Sequence[float] | None = None, retention: float = DEFAULT_RETENTION
) -> fsrs.Scheduler:
    return fsrs.Scheduler(
        parameters=tuple(parameters) if parameters else DEFAULT_PARAMETERS,
        desired_retention=retention,
        learning_steps=(),
        relearning_steps=(),
        enable_fuzzing=False,
    )


def grade(
    memory: Memory,
    rating: Rating,
    at: datetime,
    *,
    parameters: Sequence[float] | None = None,
    retention: float = DEFAULT_RETENTION,
) -> Memory:
    """The card's state after being graded `rating` at `at`."""
    # An explicit id: without one, fsrs.Card sleeps a millisecond to make a unique one.
    card = fsrs.Card(
        card_id=0, state=fsrs.State(memory.state), step=memory.step, stability=memory.stability,
        difficulty=memory.difficulty, due=memory.due, last_review=memory.last_review,
    )  # fmt: skip
    # A review logged before the card's last one (clocks, replays) is taken as happening then.
    when = max(at, memory.last_review) if memory.last_review else at
    graded, _ = scheduler(parameters, retention).review_card(card, fsrs.Rating(int(rating)), when)
    return Memory(
        state=int(graded.state), step=graded.step, stability=graded.stability,
        difficulty=graded.difficulty, due=graded.due, last_review=graded.last_review,
    )  # fmt: skip
