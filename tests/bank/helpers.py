"""Question payloads of every type, and shortcuts for the bank's routes."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from tests.factories import Person

ORG = "acme"


def content(topic_id: str, body: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "stem": "Which statement about **Spark** is right?",
        "body": copy.deepcopy(body),  # callers may change it; BODIES stays as written
        "explanation": "Because the *driver* plans the job.",
        "topic_id": topic_id,
        "tags": ["spark", "Driver "],
        "difficulty": 2,
        "references": [{"title": "Spark docs", "url": "https://spark.apache.org/docs/"}],
        "source": "original",
    }
    payload.update(overrides)
    return payload


BODIES: dict[str, dict[str, Any]] = {
    "single_choice": {"type": "single_choice", "options": [
        {"id": "a", "text": "The driver", "correct": True, "feedback": "Yes."},
        {"id": "b", "text": "An executor"}, {"id": "c", "text": "The shuffle"}]},
    "multiple_response": {"type": "multiple_response", "scoring": "partial", "options": [
        {"id": "a", "text": "map", "correct": True}, {"id": "b", "text": "filter", "correct": True},
        {"id": "c", "text": "collect"}]},
    "true_false": {"type": "true_false", "correct_answer": False,
                   "feedback_true": "No: it is lazy.", "feedback_false": "Right."},
    "numeric": {"type": "numeric", "value": 200, "tolerance": 0.5, "unit": "partitions"},
    "short_text": {"type": "short_text", "accepted_answers": [{"text": "DAG"}],
                   "pattern": "(?i)directed acyclic graph"},
    "ordering": {"type": "ordering", "items": [
        {"id": "1", "text": "Parse"}, {"id": "2", "text": "Analyse"}, {"id": "3", "text": "Plan"}]},
    "matching": {"type": "matching",
                 "premises": [{"id": "p1", "text": "map"}, {"id": "p2", "text": "reduce"}],
                 "responses": [{"id": "r1", "text": "narrow"}, {"id": "r2", "text": "wide"},
                               {"id": "r3", "text": "none"}],
                 "pairs": {"p1": "r1", "p2": "r2"}},
}  # fmt: skip


def choice(topic_id: str, stem: str = "Which one?", **overrides: Any) -> dict[str, Any]:
    return content(topic_id, BODIES["single_choice"], stem=stem, **overrides)


async def create(
    client: httpx.AsyncClient, track_id: str, who: Person, payload: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"/api/v1/orgs/{ORG}/tracks/{track_id}/questions", json=payload, headers=who.auth
    )


async def write(
    client: httpx.AsyncClient, track_id: str, who: Person, payload: dict[str, Any]
) -> dict[str, Any]:
    response = await create(client, track_id, who, payload)
    assert response.status_code == 201, response.text
    return dict(response.json())


def url(question_id: str, suffix: str = "") -> str:
    return f"/api/v1/orgs/{ORG}/questions/{question_id}{suffix}"


async def step(
    client: httpx.AsyncClient,
    question_id: str,
    action: str,
    who: Person,
    *,
    if_match: str | None = None,
    json: Any = None,
) -> httpx.Response:
    """A workflow step (`submit`, `approve`, `send-back`, `retire`) as `who`."""
    headers = {**who.auth, **({"If-Match": if_match} if if_match else {})}
    return await client.post(url(question_id, f"/{action}"), headers=headers, json=json)
