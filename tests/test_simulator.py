"""The simulator answers like a learner: right on purpose gives full marks, wrong never does,
and every answer it sends fits its question."""

from __future__ import annotations

import random

import pytest

from studyhall.bank.content import QuestionContent
from studyhall.demo.loader import bundled_tracks
from studyhall.exams.scoring import check_answer, score_answer
from studyhall.simulator import Report, answer_for

QUESTIONS = [
    QuestionContent.model_validate({**{k: v for k, v in q.items() if k != "topic"},
                                    "topic_id": q["topic"]})
    for track in bundled_tracks() for q in track["questions"]
]  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_simulated_answers_fit_and_score_as_intended(seed: int) -> None:
    rng = random.Random(seed)
    for content in QUESTIONS:
        right = answer_for(content, True, rng)
        wrong = answer_for(content, False, rng)
        check_answer(content.body, right)
        check_answer(content.body, wrong)
        assert score_answer(content.body, right) == 1, content.stem
        assert score_answer(content.body, wrong) < 1, content.stem


def test_the_report_counts_and_orders_latencies() -> None:
    report = Report()
    for ms in range(1, 101):
        report.record("save", ms / 1000, ok=ms != 50)
    (row,) = report.summary()
    assert (row["count"], row["errors"]) == (100, 1)
    assert row["p50_ms"] == 50.0
    assert row["p99_ms"] == 99.0
