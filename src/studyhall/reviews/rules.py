"""The rules of reviews in one place: when an answer makes a card, how an answer is rated,
and how long a review takes. Pure: plain numbers in, plain answers out (tests/reviews)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from enum import IntEnum

# "Slow" and "fast" compare the time spent with the question's typical time: the median over
# everyone's answers to it once it has this many, else the track's median, else a minute.
TYPICAL_MIN_SAMPLES = 5
DEFAULT_TYPICAL_MS = 60_000
SLOW_FACTOR = 2.0  # more than twice the typical time is slow: a right answer found with effort
FAST_FACTOR = 0.5  # under half the typical time is fast: the answer was known by heart

# Expected minutes per review until the learner's own log says otherwise.
DEFAULT_MINUTES = {"question": 1.0, "topic": 3.0}
MEASURED_MIN_LOGS = 20  # logs of a kind (with a duration) before the learner's own mean counts
MEASURED_WINDOW = 200  # the latest logs of a kind that measure it
MAX_REVIEW_MS = 30 * 60_000  # a review "lasting" longer was left open; not a measure

DEFAULT_DAILY_LIMIT = 50  # questions a day's review sessions ask, until the learner says

# The optimiser fits a learner's own parameters from this many review logs on (FSRS needs a
# few hundred reviews before fitted parameters beat the defaults; Anki's guidance is 400).
OPTIMISE_MIN_LOGS = 400


class Rating(IntEnum):
    """The four FSRS grades (the numbers are fsrs.Rating's)."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


def typical_ms(question_times: Sequence[int], track_times: Sequence[int]) -> int:
    """The typical time of a question: the median of its answers' times, or of the track's
    when the question has too few, or a minute when the track has too few as well."""
    for times in (question_times, track_times):
        measured = [t for t in times if t > 0]
        if len(measured) >= TYPICAL_MIN_SAMPLES:
            return int(statistics.median(measured))
    return DEFAULT_TYPICAL_MS


def is_slow(time_ms: int, typical: int) -> bool:
    return time_ms > SLOW_FACTOR * typical


def is_fast(time_ms: int, typical: int) -> bool:
    # A time of 0 is "not measured" (an API client that never sent it), not a fast answer.
    return 0 < time_ms < FAST_FACTOR * typical


def card_reason(*, correct: bool, answered: bool, flagged: bool, slow: bool) -> str | None:
    """Why an answered question becomes a card, or None. Unanswered questions do not: the
    learner chose nothing wrong (the mistakes page keeps them apart too)."""
    if answered and not correct:
        return "wrong"
    if flagged:
        return "flagged"
    if answered and slow:
        return "slow"
    return None


def rating_for(*, correct: bool, time_ms: int, typical: int) -> Rating:
    """A question card's grade from its answer: wrong -> Again; right but slow -> Hard; right
    and fast -> Easy; right -> Good."""
    if not correct:
        return Rating.AGAIN
    if is_slow(time_ms, typical):
        return Rating.HARD
    if is_fast(time_ms, typical):
        return Rating.EASY
    return Rating.GOOD


def minutes_per_review(kind: str, durations_ms: Sequence[int]) -> float:
    """The learner's mean minutes per review of this kind from their latest logs, or the
    default until they have enough measured ones."""
    measured = [d for d in durations_ms if 0 < d <= MAX_REVIEW_MS][:MEASURED_WINDOW]
    if len(measured) < MEASURED_MIN_LOGS:
        return DEFAULT_MINUTES[kind]
    return statistics.fmean(measured) / 60_000
