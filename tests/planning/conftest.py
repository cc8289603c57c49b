"""A learner of `acme` with a track whose leaf topics each have published questions, and
helpers to set their week and goals through the API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.acme import ORG
from tests.factories import (
    Person,
    add_member,
    choice_question,
    leaf_topics,
    publish_question,
    sign_up,
)

BASE = f"/api/v1/orgs/{ORG}/plan"
QUESTIONS_PER_TOPIC = 2
WEEK = [120, 120, 120, 120, 120, 240, 0]  # Monday..Sunday


@pytest.fixture
async def learner(client: httpx.AsyncClient, owner: Person) -> Person:
    person = await sign_up(client, "learner")
    await add_member(client, ORG, owner, person, "learner")
    return person


@pytest.fixture
async def stocked_track(
    client: httpx.AsyncClient, owner: Person, author: Person, track: dict[str, Any]
) -> dict[str, Any]:
    """The acme track with QUESTIONS_PER_TOPIC published questions in every leaf topic."""
    for topic in leaf_topics(track):
        for n in range(QUESTIONS_PER_TOPIC):
            content = choice_question(str(topic["id"]), stem=f"{topic['name']} question {n}")
            await publish_question(client, ORG, str(track["id"]), author, owner, content)
    return track


def profile_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "time_zone": "America/Sao_Paulo",
        "minutes_by_weekday": WEEK,
        "days_off": [],
        "day_start": "19:00",
        "session_minutes": 50,
        "daily_questions": 20,
    }
    body.update(overrides)
    return body


async def set_week(client: httpx.AsyncClient, who: Person, **overrides: object) -> dict[str, Any]:
    response = await client.put(f"{BASE}/profile", json=profile_body(**overrides), headers=who.auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def add_goal(
    client: httpx.AsyncClient,
    who: Person,
    track_id: str,
    exam_date: str = "2027-01-15",
    **extra: object,
) -> dict[str, Any]:
    body = {"track_id": track_id, "exam_date": exam_date, "target_score": 70, **extra}
    response = await client.post(f"{BASE}/goals", json=body, headers=who.auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


def fields(response: httpx.Response) -> list[str]:
    """The failing field paths of a problem+json answer."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return [e["field"] for e in response.json().get("errors") or []]
