"""Topic cards (added when a topic is studied, graded by the learner), what is due on a day
and the minutes it should take, and the learner's settings (both engines)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from studyhall.kit.clock import FrozenClock
from studyhall.kit.context import Context
from studyhall.reviews import service
from tests.exams.test_attempts import Exam
from tests.reviews.conftest import answer, cards, custom_attempt, submit

Unit = Callable[[Callable[[Context], Awaitable[Any]]], Awaitable[Any]]
URL = "/api/v1/orgs/acme"


async def ids(client: httpx.AsyncClient, exam: Exam) -> tuple[UUID, UUID]:
    """(org id, learner id)."""
    org = await client.get(f"{URL}", headers=exam.learner.auth)
    return UUID(org.json()["id"]), UUID(exam.learner.id)


async def test_a_studied_topic_becomes_a_card_the_learner_grades(
    client: httpx.AsyncClient, exam: Exam, unit: Unit, clock: FrozenClock
) -> None:
    org_id, user_id = await ids(client, exam)
    topic = UUID(exam.leaves[0])
    for _ in range(2):  # studying the topic again keeps the one card as it is
        await unit(lambda ctx: service.add_topic_card(ctx, org_id, user_id, topic))
    (card,) = await cards(client, exam)
    assert (card["kind"], card["reason"], card["topic_id"]) == ("topic", "studied", str(topic))
    assert card["question_id"] is None
    assert datetime.fromisoformat(card["due"]) - clock.now() == timedelta(days=2)  # Good
    clock.advance(timedelta(days=2))
    grades = {}
    for rating in ("again", "hard", "good", "easy"):
        preview = await client.post(
            f"{URL}/review-cards/{card['id']}/grade", json={"rating": rating, "duration_ms": 1},
            headers=exam.learner.auth,
        )  # fmt: skip
        assert preview.status_code == 200, preview.text
        grades[rating] = datetime.fromisoformat(preview.json()["due"]) - clock.now()
        clock.advance(timedelta(seconds=1))
    assert grades["again"] == timedelta(days=1)
    detail = await client.get(f"{URL}/review-cards/{card['id']}", headers=exam.learner.auth)
    assert [h["rating"] for h in detail.json()["history"]] == [
        "good", "again", "hard", "good", "easy",
    ]  # fmt: skip
    refused = await client.post(
        f"{URL}/review-cards/{card['id']}/grade", json={"rating": "perfect"},
        headers=exam.learner.auth,
    )  # fmt: skip
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.rating"
    someone_else = await client.post(
        f"{URL}/review-cards/{card['id']}/grade", json={"rating": "good"},
        headers=exam.author.auth,
    )  # fmt: skip
    assert someone_else.status_code == 404


async def test_a_question_card_is_graded_by_a_session_not_by_hand(
    client: httpx.AsyncClient, exam: Exam
) -> None:
    attempt = await custom_attempt(client, exam, 1)
    await answer(client, exam, attempt, 1, "b")
    await submit(client, exam, attempt)
    (card,) = await cards(client, exam)
    response = await client.post(
        f"{URL}/review-cards/{card['id']}/grade", json={"rating": "easy"},
        headers=exam.learner.auth,
    )  # fmt: skip
    assert response.status_code == 409
    assert response.json()["type"].endswith("graded-by-session")
    (unchanged,) = await cards(client, exam)
    assert unchanged == card  # nothing half-written


async def test_due_counts_and_expected_minutes_by_day(
    client: httpx.AsyncClient, exam: Exam, unit: Unit, clock: FrozenClock
) -> None:
    org_id, user_id = await ids(client, exam)
    attempt = await custom_attempt(client, exam, 3)
    for position in (1, 2, 3):
        await answer(client, exam, attempt, position, "b")  # wrong: due tomorrow
    await submit(client, exam, attempt)
    await unit(lambda ctx: service.add_topic_card(ctx, org_id, user_id, UUID(exam.leaves[1])))
    today = clock.now().date()
    tomorrow, after = today + timedelta(days=1), today + timedelta(days=2)

    async def counts(ctx: Context) -> list[int]:
        return [await service.due_count(ctx, org_id, user_id, d) for d in (today, tomorrow, after)]

    assert await unit(counts) == [0, 3, 4]

    async def minutes(ctx: Context) -> dict[date, int]:
        return await service.review_minutes_by_day(
            ctx, org_id, user_id, today, today + timedelta(days=3)
        )

    # Defaults: a minute per question card, three per topic card.
    assert await unit(minutes) == {
        today: 0, tomorrow: 3, after: 3, today + timedelta(days=3): 0,
    }  # fmt: skip
    # Overdue cards count on the first day asked for.
    clock.advance(timedelta(days=5))
    later = clock.now().date()

    async def overdue(ctx: Context) -> dict[date, int]:
        return await service.review_minutes_by_day(ctx, org_id, user_id, later, later)

    assert await unit(overdue) == {later: 6}
    # Someone else's cards are not counted, and nobody else sees them.
    assert await cards(client, exam) != []
    others = await client.get(f"{URL}/review-cards", headers=exam.author.auth)
    assert others.json()["items"] == []


async def test_cards_are_paged_soonest_due_first(
    client: httpx.AsyncClient, exam: Exam, unit: Unit, clock: FrozenClock
) -> None:
    org_id, user_id = await ids(client, exam)
    for leaf in exam.leaves:
        await unit(lambda ctx, leaf=leaf: service.add_topic_card(ctx, org_id, user_id, UUID(leaf)))
        clock.advance(timedelta(hours=1))
    seen: list[str] = []
    url: str | None = f"{URL}/review-cards?limit=2"
    while url:
        page = await client.get(url, headers=exam.learner.auth)
        assert page.status_code == 200, page.text
        seen += [c["due"] for c in page.json()["items"]]
        url = page.json()["next"]
    assert len(seen) == 3
    assert seen == sorted(seen)
    forged = await client.get(f"{URL}/review-cards?cursor=abc", headers=exam.learner.auth)
    assert forged.status_code == 400
    assert forged.json()["errors"][0]["field"] == "query.cursor"


async def test_settings_change_the_desired_retention_and_are_checked(
    client: httpx.AsyncClient, exam: Exam
) -> None:
    mine = await client.get(f"{URL}/review-settings", headers=exam.learner.auth)
    assert mine.status_code == 200, mine.text
    assert mine.json()["desired_retention"] == 0.9
    assert mine.json()["personalised"] is False
    changed = await client.put(
        f"{URL}/review-settings", json={"desired_retention": 0.95}, headers=exam.learner.auth
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["desired_retention"] == 0.95
    assert changed.json()["daily_limit"] == 50
    refused = await client.put(
        f"{URL}/review-settings", json={"desired_retention": 1.5}, headers=exam.learner.auth
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.desired_retention"
    again = await client.get(f"{URL}/review-settings", headers=exam.learner.auth)
    assert again.json()["desired_retention"] == 0.95
