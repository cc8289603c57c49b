"""The review page as a learner's browser uses it: what is due, a review session in the exam
screen, Again/Hard/Good/Easy on topic cards, and the desired retention (both engines)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from studyhall.kit.clock import FrozenClock
from studyhall.kit.context import Context
from studyhall.reviews import service
from tests.exams.test_attempts import Exam
from tests.reviews.conftest import answer, cards, custom_attempt, submit
from tests.web.helpers import browser_sign_in, post_form

Unit = Callable[[Callable[[Context], Awaitable[Any]]], Awaitable[Any]]
PAGE = "/o/acme/reviews"


async def test_a_learner_reviews_questions_and_topics_from_the_page(
    client: httpx.AsyncClient, exam: Exam, unit: Unit, clock: FrozenClock
) -> None:
    attempt = await custom_attempt(client, exam, 2)
    await answer(client, exam, attempt, 1, "b")
    await answer(client, exam, attempt, 2, "a")
    await submit(client, exam, attempt)
    org = await client.get("/api/v1/orgs/acme", headers=exam.learner.auth)
    org_id, user_id = UUID(org.json()["id"]), UUID(exam.learner.id)
    await unit(lambda ctx: service.add_topic_card(ctx, org_id, user_id, UUID(exam.leaves[2])))
    await browser_sign_in(client, exam.learner.email)

    empty = await client.get(PAGE)
    assert empty.status_code == 200
    assert "Nothing to review today. 2 cards are scheduled for later days." in empty.text

    clock.advance(timedelta(days=2))
    page = await client.get(PAGE)
    assert "1 question to review" in page.text
    assert 'aria-label="DataFrames"' in page.text  # the topic card, with its buttons
    assert 'aria-current="page">Reviews due<' in page.text
    started = await post_form(
        client, f"/o/acme/tracks/{exam.track['id']}/review-session", {}, page=PAGE
    )
    assert started.status_code == 303, started.text
    screen = await client.get(started.headers["location"])
    assert screen.status_code == 200
    assert "Review session" in screen.text

    (topic,) = [c for c in await cards(client, exam) if c["kind"] == "topic"]
    graded = await post_form(client, f"{PAGE}/{topic['id']}/grade", {"rating": "easy"}, page=PAGE)
    assert graded.status_code == 303, graded.text
    (after,) = [c for c in await cards(client, exam) if c["kind"] == "topic"]
    assert datetime.fromisoformat(after["due"]) - clock.now() > timedelta(days=4)
    assert after["reviews"] == 2
    wrong = await post_form(client, f"{PAGE}/{topic['id']}/grade", {"rating": "great"}, page=PAGE)
    assert wrong.status_code == 422
    assert re.search(r'role="alert">[^<]+', wrong.text)


async def test_nothing_due_and_bad_settings_are_said_on_the_page(
    client: httpx.AsyncClient, exam: Exam
) -> None:
    await browser_sign_in(client, exam.learner.email)
    refused = await post_form(
        client, f"/o/acme/tracks/{exam.track['id']}/review-session", {}, page=PAGE
    )
    assert refused.status_code == 409
    assert "No question of this track is due for review today." in refused.text
    bad = await post_form(client, f"{PAGE}/settings", {"desired_retention": "2"}, page=PAGE)
    assert bad.status_code == 422
    assert 'id="desired_retention-error"' in bad.text
    good = await post_form(
        client, f"{PAGE}/settings", {"desired_retention": "0.8", "daily_limit": "20"}, page=PAGE
    )
    assert good.status_code == 303
    shown = await client.get(PAGE)
    assert 'value="0.80"' in shown.text
    assert 'value="20"' in shown.text
