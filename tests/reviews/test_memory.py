"""Properties of grading (FSRS through reviews/memory.py) and of the rating rules, without
the app: grading never moves a card's due time before the review, and better ratings never
give shorter intervals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from studyhall.reviews import memory, rules
from studyhall.reviews.rules import Rating

START = datetime(2026, 1, 1, 9, tzinfo=UTC)
ratings = st.sampled_from(list(Rating))
retention = st.floats(min_value=0.7, max_value=0.97)
# A history: (hours since the review before, rating) pairs.
histories = st.lists(
    st.tuples(st.integers(min_value=0, max_value=24 * 400), ratings), min_size=0, max_size=12
)


def replay(history: list[tuple[int, Rating]], desired: float) -> tuple[memory.Memory, datetime]:
    card, at = memory.new_memory(START), START
    for hours, rating in history:
        at += timedelta(hours=hours)
        card = memory.grade(card, rating, at, retention=desired)
    return card, at


@given(history=histories, rating=ratings, gap=st.integers(0, 24 * 400), desired=retention)
def test_grading_never_moves_due_before_the_review(
    history: list[tuple[int, Rating]], rating: Rating, gap: int, desired: float
) -> None:
    card, at = replay(history, desired)
    when = at + timedelta(hours=gap)
    graded = memory.grade(card, rating, when, retention=desired)
    assert graded.due >= when + timedelta(days=1)  # reviews are a day apart at least
    assert graded.last_review == when


@given(history=histories, gap=st.integers(0, 24 * 400), desired=retention)
def test_better_ratings_never_give_shorter_intervals(
    history: list[tuple[int, Rating]], gap: int, desired: float
) -> None:
    card, at = replay(history, desired)
    when = at + timedelta(hours=gap)
    due = [memory.grade(card, r, when, retention=desired).due for r in Rating]
    assert due == sorted(due), dict(zip(Rating, due, strict=True))


@given(
    times=st.lists(st.integers(1, 10**7), min_size=2, max_size=2),
    typical=st.integers(1, 10**6),
)
def test_a_faster_right_answer_never_rates_lower_and_a_wrong_one_is_always_again(
    times: list[int], typical: int
) -> None:
    quick, slow = sorted(times)
    quick_rating = rules.rating_for(correct=True, time_ms=quick, typical=typical)
    assert quick_rating >= rules.rating_for(correct=True, time_ms=slow, typical=typical)
    assert quick_rating > Rating.AGAIN
    assert rules.rating_for(correct=False, time_ms=quick, typical=typical) is Rating.AGAIN


def test_rating_thresholds_from_the_typical_time() -> None:
    typical = rules.typical_ms([30_000] * 5, [])
    assert typical == 30_000
    assert rules.rating_for(correct=True, time_ms=61_000, typical=typical) is Rating.HARD
    assert rules.rating_for(correct=True, time_ms=60_000, typical=typical) is Rating.GOOD
    assert rules.rating_for(correct=True, time_ms=15_000, typical=typical) is Rating.GOOD
    assert rules.rating_for(correct=True, time_ms=14_999, typical=typical) is Rating.EASY
    assert rules.rating_for(correct=True, time_ms=0, typical=typical) is Rating.GOOD  # unmeasured


def test_the_typical_time_falls_back_from_question_to_track_to_a_minute() -> None:
    assert rules.typical_ms([10_000] * 4, [20_000] * 5) == 20_000
    assert rules.typical_ms([10_000] * 4, [20_000] * 4) == rules.DEFAULT_TYPICAL_MS
    assert rules.typical_ms([0] * 9, []) == rules.DEFAULT_TYPICAL_MS  # 0 is "not measured"


def test_minutes_per_review_are_measured_once_there_are_enough() -> None:
    assert rules.minutes_per_review("question", [90_000] * 19) == 1.0
    assert rules.minutes_per_review("question", [90_000] * 20) == 1.5
    assert rules.minutes_per_review("topic", []) == 3.0
    assert rules.minutes_per_review("topic", [3_600_000] * 30) == 3.0  # left open: not measured
