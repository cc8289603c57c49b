"""Plans and spaced reviews together: a studied topic becomes a topic card, mistakes in a
plan's drill become question cards, their reviews take their place in the plan's days, and a
review block starts the day's review session."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from studyhall.kit.clock import FrozenClock
from tests.acme import ORG
from tests.exams.test_attempts import shown
from tests.factories import Person
from tests.planning.conftest import BASE
from tests.planning.test_plans import make_plan

CARDS = f"/api/v1/orgs/{ORG}/review-cards"


async def cards(client: httpx.AsyncClient, who: Person) -> list[dict[str, Any]]:
    response = await client.get(CARDS, params={"limit": 100}, headers=who.auth)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def replan(client: httpx.AsyncClient, who: Person) -> dict[str, Any]:
    response = await client.post(f"{BASE}/replan", json={}, headers=who.auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_studied_topic_becomes_a_card_whose_review_the_plan_schedules(
    client: httpx.AsyncClient, learner: Person, stocked_track: dict[str, Any]
) -> None:
    plan = await make_plan(client, learner, stocked_track["id"])
    study = next(b for b in plan["blocks"] if b["kind"] == "study")
    assert not [b for b in plan["blocks"] if b["kind"] == "review"]  # nothing to review yet
    done = await client.patch(
        f"{BASE}/blocks/{study['id']}", json={"status": "done"}, headers=learner.auth
    )
    assert done.status_code == 200, done.text
    (card,) = await cards(client, learner)
    assert (card["kind"], card["topic_id"], card["reason"]) == (
        "topic",
        study["topic_id"],
        "studied",
    )
    due = date.fromisoformat(card["due"][:10])
    again = await replan(client, learner)
    reviews = [b for b in again["blocks"] if b["kind"] == "review"]
    assert reviews, "the topic card's review is in the plan"
    # On its due day, or the next day with study time when that one has none.
    first = date.fromisoformat(reviews[0]["day"])
    assert due <= first <= due + timedelta(days=7)
    assert all(b["goal_id"] is None and b["topic_id"] is None for b in reviews)


async def test_mistakes_in_a_drill_come_back_as_a_review_block_that_starts_the_session(
    client: httpx.AsyncClient, learner: Person, stocked_track: dict[str, Any], clock: FrozenClock
) -> None:
    plan = await make_plan(client, learner, stocked_track["id"])
    practice = next(b for b in plan["blocks"] if b["kind"] == "practice")
    started = await client.post(f"{BASE}/blocks/{practice['id']}/start", headers=learner.auth)
    attempt_id = started.json()["attempt_id"]
    attempt = (
        await client.get(f"/api/v1/orgs/{ORG}/attempts/{attempt_id}", headers=learner.auth)
    ).json()
    for position in range(1, len(attempt["questions"]) + 1):
        wrong = {"choice": shown(attempt, position, "b")}
        saved = await client.put(
            f"/api/v1/orgs/{ORG}/attempts/{attempt_id}/answers/{position}",
            json={"answer": wrong, "time_spent_ms": 30_000},
            headers=learner.auth,
        )
        assert saved.status_code == 200, saved.text
    submitted = await client.post(
        f"/api/v1/orgs/{ORG}/attempts/{attempt_id}/submit", headers=learner.auth
    )
    assert submitted.status_code == 200, submitted.text
    questions = [c for c in await cards(client, learner) if c["kind"] == "question"]
    assert len(questions) == len(attempt["questions"])

    clock.advance(timedelta(days=2))  # the wrong answers are due again by now
    again = await replan(client, learner)
    today = (clock.now() - timedelta(hours=3)).date()  # the learner's day in Sao Paulo
    review = next(b for b in again["blocks"] if b["kind"] == "review")
    assert date.fromisoformat(review["day"]) == today
    session = await client.post(f"{BASE}/blocks/{review['id']}/start", headers=learner.auth)
    assert session.status_code == 200, session.text
    opened = (
        await client.get(
            f"/api/v1/orgs/{ORG}/attempts/{session.json()['attempt_id']}", headers=learner.auth
        )
    ).json()
    assert opened["mode"] == "review"
    asked = {q["question_id"] for q in opened["questions"]}
    assert asked <= {c["question_id"] for c in questions}
    assert asked


async def test_a_review_block_with_nothing_due_says_so(
    client: httpx.AsyncClient, learner: Person, stocked_track: dict[str, Any]
) -> None:
    plan = await make_plan(client, learner, stocked_track["id"])
    study = next(b for b in plan["blocks"] if b["kind"] == "study")
    await client.patch(
        f"{BASE}/blocks/{study['id']}", json={"status": "done"}, headers=learner.auth
    )
    review = next(b for b in (await replan(client, learner))["blocks"] if b["kind"] == "review")
    # The topic card is not due today, and topic cards are graded on the Reviews page.
    started = await client.post(f"{BASE}/blocks/{review['id']}/start", headers=learner.auth)
    assert started.status_code == 409, started.text
    assert "Reviews page" in started.json()["detail"]
