"""Cards come from real attempts, and review sessions grade them (both engines)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from studyhall.audit.models import AuditEvent
from studyhall.events.models import OutboxEvent
from studyhall.kit.clock import FrozenClock
from tests.exams.test_attempts import Exam, save
from tests.reviews.conftest import answer, cards, custom_attempt, submit


def by_question(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["question_id"]: c for c in found}


def question_at(attempt: dict[str, Any], position: int) -> str:
    return str(attempt["questions"][position - 1]["question_id"])


async def one_attempt_with_every_kind(
    client: httpx.AsyncClient, exam: Exam
) -> tuple[dict[str, Any], dict[str, str]]:
    """Wrong, right but flagged, right but slow, right, and unanswered: the first three make
    cards. With five answers timed, the track's typical time is their median (40 s)."""
    attempt = await custom_attempt(client, exam, 6)
    await answer(client, exam, attempt, 1, "b")
    await answer(client, exam, attempt, 2, "a", flagged=True)
    await answer(client, exam, attempt, 3, "a", time_ms=200_000)  # over twice the typical
    await answer(client, exam, attempt, 4, "a")
    await answer(client, exam, attempt, 5, "a", time_ms=30_000)
    await answer(client, exam, attempt, 6, None, time_ms=10_000)
    await submit(client, exam, attempt)
    names = {"wrong": 1, "flagged": 2, "slow": 3, "right": 4, "also_right": 5, "skipped": 6}
    return attempt, {name: question_at(attempt, p) for name, p in names.items()}


async def test_wrong_flagged_and_slow_answers_become_cards_right_and_skipped_do_not(
    client: httpx.AsyncClient, exam: Exam, clock: FrozenClock
) -> None:
    _, q = await one_attempt_with_every_kind(client, exam)
    found = by_question(await cards(client, exam))
    assert set(found) == {q["wrong"], q["flagged"], q["slow"]}
    assert {found[q[k]]["reason"] for k in ("wrong", "flagged", "slow")} == {
        "wrong", "flagged", "slow",
    }  # fmt: skip
    assert found[q["wrong"]]["reason"] == "wrong"
    assert all(c["kind"] == "question" and c["reviews"] == 1 for c in found.values())
    # The attempt was the first learning: wrong is Again (one day), flagged/slow Hard.
    now = clock.now()
    wrong_due = datetime.fromisoformat(found[q["wrong"]]["due"])
    assert wrong_due - now == timedelta(days=1)
    assert datetime.fromisoformat(found[q["slow"]]["due"]) >= wrong_due
    # Nothing is due today: the session says so instead of starting empty.
    response = await client.post(
        f"/api/v1/orgs/acme/tracks/{exam.track['id']}/review-sessions", headers=exam.learner.auth
    )
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("no-questions")


async def test_a_review_session_asks_the_due_cards_and_grades_them(
    client: httpx.AsyncClient, exam: Exam, clock: FrozenClock, app: FastAPI
) -> None:
    _, q = await one_attempt_with_every_kind(client, exam)
    clock.advance(timedelta(days=3))  # every card is due
    assert len(await cards(client, exam, due="true")) == 3
    response = await client.post(
        f"/api/v1/orgs/acme/tracks/{exam.track['id']}/review-sessions", headers=exam.learner.auth
    )
    assert response.status_code == 201, response.text
    session = response.json()
    assert session["mode"] == "review"
    assert session["feedback"] == "instant"
    asked = {question_at(session, p): p for p in range(1, len(session["questions"]) + 1)}
    assert set(asked) == {q["wrong"], q["flagged"], q["slow"]}
    # The card once wrong is right now (Good); the flagged one is wrong now (Again).
    await answer(client, exam, session, asked[q["wrong"]], "a", time_ms=40_000)
    await answer(client, exam, session, asked[q["flagged"]], "c", time_ms=40_000)
    now = clock.now()
    await submit(client, exam, session)
    found = by_question(await cards(client, exam))
    good, again = found[q["wrong"]], found[q["flagged"]]
    assert datetime.fromisoformat(again["due"]) - now == timedelta(days=1)
    assert datetime.fromisoformat(good["due"]) - now >= timedelta(days=3)
    # The slow card was left unanswered: not graded, still due.
    assert found[q["slow"]]["reviews"] == 1
    assert datetime.fromisoformat(found[q["slow"]]["due"]) <= now
    detail = await client.get(
        f"/api/v1/orgs/acme/review-cards/{good['id']}", headers=exam.learner.auth
    )
    assert detail.status_code == 200, detail.text
    history = detail.json()["history"]
    assert [(h["rating"], h["source"]) for h in history] == [
        ("again", "attempt"), ("good", "session"),
    ]  # fmt: skip
    assert history[1]["elapsed_days"] == 3.0
    assert history[1]["duration_ms"] == 40_000
    async with app.state.db.unit_of_work(write=False) as session_db:
        done = (
            await session_db.scalars(select(OutboxEvent).where(OutboxEvent.type == "review.done"))
        ).all()
        audited = (
            await session_db.scalars(select(AuditEvent).where(AuditEvent.action == "review.graded"))
        ).all()
    assert sorted(e.data["rating"] for e in done) == ["again", "good"]
    assert sorted(a.summary["rating"] for a in audited) == ["again", "good"]
    assert {a.summary["attempt_id"] for a in audited} == {session["id"]}


async def test_a_right_answer_in_any_later_attempt_grades_the_card(
    client: httpx.AsyncClient, exam: Exam, clock: FrozenClock
) -> None:
    first = await custom_attempt(client, exam, 1)
    await answer(client, exam, first, 1, "b")
    await submit(client, exam, first)
    question = question_at(first, 1)
    clock.advance(timedelta(days=2))
    again = await client.post(exam.url(), json={"mode": "mistakes"}, headers=exam.learner.auth)
    assert again.status_code == 201, again.text
    retry = again.json()
    await save(client, exam, retry, 1, answer={"choice": "a"}, time_spent_ms=40_000)
    await submit(client, exam, retry)
    (card,) = await cards(client, exam)
    assert card["question_id"] == question
    assert card["reviews"] == 2
    assert datetime.fromisoformat(card["due"]) - clock.now() >= timedelta(days=2)


async def test_a_session_grades_each_card_as_it_is_answered_even_if_never_submitted(
    client: httpx.AsyncClient, exam: Exam, clock: FrozenClock
) -> None:
    _, q = await one_attempt_with_every_kind(client, exam)
    clock.advance(timedelta(days=3))
    response = await client.post(
        f"/api/v1/orgs/acme/tracks/{exam.track['id']}/review-sessions", headers=exam.learner.auth
    )
    assert response.status_code == 201, response.text
    session = response.json()
    asked = {question_at(session, p): p for p in range(1, len(session["questions"]) + 1)}
    await answer(client, exam, session, asked[q["slow"]], "a", time_ms=10_000)  # fast: easy
    # The same save again (a retry) is one review.
    await answer(client, exam, session, asked[q["slow"]], "a", time_ms=10_000)
    found = by_question(await cards(client, exam))
    assert found[q["slow"]]["reviews"] == 2
    assert datetime.fromisoformat(found[q["slow"]]["due"]) - clock.now() > timedelta(days=7)
    assert found[q["wrong"]]["reviews"] == 1  # not answered yet: still due
    await submit(client, exam, session)  # submitting does not grade the card a second time
    assert by_question(await cards(client, exam))[q["slow"]]["reviews"] == 2
