"""The reviews tests' world: the exam of tests/exams (three topics, five questions each, a
learner), helpers to answer as the learner, and a unit of work for service calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from studyhall.kit.clock import FrozenClock
from studyhall.kit.context import Context
from tests.exams.test_attempts import Exam, build_exam, save

Work = Callable[[Context], Awaitable[Any]]


@pytest.fixture
async def exam(client: httpx.AsyncClient) -> Exam:
    return await build_exam(client)


@pytest.fixture
def unit(app: FastAPI, clock: FrozenClock) -> Callable[[Work], Awaitable[Any]]:
    """Run `work(ctx)` in a committed unit of work, as a request or a job would."""

    async def run(work: Work) -> Any:
        async with app.state.db.unit_of_work() as session:
            return await work(Context(session=session, clock=clock, request_id="test"))

    return run


async def custom_attempt(client: httpx.AsyncClient, exam: Exam, count: int) -> dict[str, Any]:
    """A custom set with feedback at the end, so every answer is scored on submit."""
    body = {"mode": "custom", "count": count, "feedback": "end"}
    response = await client.post(exam.url(), json=body, headers=exam.learner.auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def answer(
    client: httpx.AsyncClient,
    exam: Exam,
    attempt: dict[str, Any],
    position: int,
    letter: str | None,
    *,
    time_ms: int = 40_000,
    flagged: bool = False,
) -> None:
    """Answer a question with the author's option `letter` ("a" is right), or leave it
    unanswered (None), after `time_ms` on it."""
    body: dict[str, Any] = {"time_spent_ms": time_ms, "flagged": flagged}
    if letter is not None:
        body["answer"] = {"choice": letter}
    response = await save(client, exam, attempt, position, **body)
    assert response.status_code == 200, response.text


async def submit(client: httpx.AsyncClient, exam: Exam, attempt: dict[str, Any]) -> None:
    response = await client.post(
        f"/api/v1/orgs/acme/attempts/{attempt['id']}/submit", headers=exam.learner.auth
    )
    assert response.status_code == 200, response.text


async def cards(client: httpx.AsyncClient, exam: Exam, **query: str) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/orgs/acme/review-cards", params=query, headers=exam.learner.auth
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])
