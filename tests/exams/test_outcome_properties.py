"""Properties of the rules that name how a question went and what comes back as a mistake,
and of how time left is said: over every combination of score, answer and flag."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from studyhall.exams.attempts import minutes_left
from studyhall.exams.models import AttemptItem
from studyhall.exams.scoring import is_correct
from studyhall.exams.selection import mistake_kind, outcome

scores = st.one_of(st.none(), st.floats(min_value=0, max_value=1))
answers = st.one_of(st.none(), st.just({"choice": "o1"}))


def _item(score: float | None, answer: dict[str, str] | None, flagged: bool) -> AttemptItem:
    return AttemptItem(
        score=score,
        correct=None if score is None else is_correct(score),
        answer=answer,
        flagged=flagged,
    )


@given(scores, answers, st.booleans())
def test_a_skipped_question_is_never_called_wrong(
    score: float | None, answer: dict[str, str] | None, flagged: bool
) -> None:
    item = _item(score, answer, flagged)
    how = outcome(item)
    if score is None:
        assert how is None  # not scored yet: no verdict
    elif answer is None:
        assert how == "unanswered"
        assert mistake_kind(item) in ("unanswered", "flagged")  # never "wrong"
    else:
        assert how in ("right", "partly", "wrong")


@given(scores, answers, st.booleans())
def test_every_flagged_or_wrong_question_comes_back_and_no_right_unflagged_one(
    score: float | None, answer: dict[str, str] | None, flagged: bool
) -> None:
    item = _item(score, answer, flagged)
    kind = mistake_kind(item)
    if outcome(item) == "right" and not flagged:
        assert kind is None
    if flagged or outcome(item) in ("wrong", "partly"):
        assert kind in ("wrong", "flagged")  # taken by default, without asking for skipped


@given(st.integers(min_value=0, max_value=48 * 3600))
def test_time_left_is_never_said_shorter_than_it_is(seconds: int) -> None:
    said = minutes_left(seconds)
    if seconds == 0:
        assert said == "less than a minute"
        return
    if "h" in said.split():
        parts = said.split()
        minutes = int(parts[0]) * 60 + (int(parts[2]) if len(parts) > 2 else 0)
    else:
        minutes = int(said.split()[0])
    assert minutes * 60 >= seconds > (minutes - 1) * 60
