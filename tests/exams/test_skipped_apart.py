"""Skipped (unanswered) questions are kept apart from wrong ones: the review names them
"unanswered", and "retry my mistakes" takes wrong (and flagged) ones unless the learner asks
for the skipped ones too."""

from __future__ import annotations

from typing import Any

import httpx

from tests.exams.test_attempts import Exam, build_exam, save, start


async def _simulation_with_two_skipped(client: httpx.AsyncClient, exam: Exam) -> dict[str, Any]:
    """Question 1 wrong, 2 right, 3 flagged and right, 4 and 5 left unanswered, the rest
    right; submitted."""
    attempt = await start(client, exam, mode="simulation")
    total = len(attempt["questions"])  # type: ignore[arg-type]
    for position in range(1, total + 1):
        if position in (4, 5):
            continue
        letter = "b" if position == 1 else "a"
        saved = await save(
            client, exam, attempt, position, answer={"choice": letter}, flagged=position == 3
        )
        assert saved.status_code == 200, saved.text
    submitted = await client.post(
        exam.url().replace(f"tracks/{exam.track['id']}/attempts", f"attempts/{attempt['id']}")
        + "/submit",
        headers=exam.learner.auth,
    )
    assert submitted.status_code == 200, submitted.text
    return attempt


def _ids(attempt: dict[str, Any], positions: list[int]) -> set[str]:
    return {attempt["questions"][p - 1]["question_id"] for p in positions}


async def test_retry_my_mistakes_leaves_skipped_questions_out_unless_asked(
    client: httpx.AsyncClient,
) -> None:
    exam = await build_exam(client, per_topic=4)
    attempt = await _simulation_with_two_skipped(client, exam)

    mistakes = await start(client, exam, mode="mistakes")
    drawn = {q["question_id"] for q in mistakes["questions"]}  # type: ignore[union-attr]
    assert drawn == _ids(attempt, [1, 3])  # the wrong one and the flagged one only

    with_skipped = await start(client, exam, mode="mistakes", include_unanswered=True)
    drawn = {q["question_id"] for q in with_skipped["questions"]}  # type: ignore[union-attr]
    assert drawn == _ids(attempt, [1, 3, 4, 5])


async def test_only_skipped_questions_say_how_to_retry_them(client: httpx.AsyncClient) -> None:
    exam = await build_exam(client, per_topic=4)
    attempt = await start(client, exam, mode="simulation")
    submitted = await client.post(
        f"/api/v1/orgs/acme/attempts/{attempt['id']}/submit", headers=exam.learner.auth
    )
    assert submitted.status_code == 200
    refused = await client.post(exam.url(), json={"mode": "mistakes"}, headers=exam.learner.auth)
    assert refused.status_code == 409
    assert "include_unanswered" in refused.json()["detail"]
    assert "10 questions you left unanswered" in refused.json()["detail"]


async def test_the_review_names_unanswered_questions_apart_from_wrong_ones(
    client: httpx.AsyncClient,
) -> None:
    exam = await build_exam(client, per_topic=4)
    attempt = await _simulation_with_two_skipped(client, exam)
    review = await client.get(
        f"/api/v1/orgs/acme/attempts/{attempt['id']}/review", headers=exam.learner.auth
    )
    assert review.status_code == 200, review.text
    outcomes = [item["outcome"] for item in review.json()["items"]]
    assert outcomes[:5] == ["wrong", "right", "right", "unanswered", "unanswered"]
    assert set(outcomes[5:]) == {"right"}
