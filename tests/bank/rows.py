"""Questions written straight into the database (Question, its head version and tag rows), for
tests that need a known bank without going through the authoring API."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from studyhall.bank.models import Question, QuestionTag, QuestionVersion

START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Spec:
    """What a test says about a question; the rest gets readable defaults."""

    stem: str
    topic_id: str
    type: str = "single_choice"
    status: str = "draft"
    difficulty: int = 3
    tags: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=lambda: ["Yes", "No"])
    explanation: str = "Because."
    id: str = ""  # filled in when written


def search_text(spec: Spec) -> str:
    return "\n".join([spec.stem, *spec.options, spec.explanation])


def _content(spec: Spec) -> dict[str, Any]:
    body: dict[str, Any] = {"type": spec.type}
    if spec.type in ("single_choice", "multiple_response"):
        body["options"] = [
            {"id": f"o{i}", "text": text, "correct": i == 0} for i, text in enumerate(spec.options)
        ]
    return {
        "stem": spec.stem, "body": body, "explanation": spec.explanation,
        "topic_id": spec.topic_id, "tags": spec.tags, "difficulty": spec.difficulty,
    }  # fmt: skip


async def write_questions(
    app: FastAPI,
    org_id: str,
    track_id: str,
    specs: list[Spec],
    *,
    start: datetime = START,
    step: timedelta = timedelta(minutes=1),
) -> list[Spec]:
    """Insert the questions, `step` apart in the given order; sets each spec's `id`."""
    async with app.state.db.unit_of_work() as session:
        for n, spec in enumerate(specs):
            when = start + step * n
            question_id, version_id = uuid.uuid4(), uuid.uuid4()
            content = _content(spec)
            session.add(
                Question(
                    id=question_id, org_id=uuid.UUID(org_id), track_id=uuid.UUID(track_id),
                    head_version_id=version_id, status=spec.status, type=spec.type,
                    topic_id=uuid.UUID(spec.topic_id), difficulty=spec.difficulty,
                    search_text=search_text(spec), revision=1, created_at=when, updated_at=when,
                )
            )  # fmt: skip
            await session.flush()
            session.add(
                QuestionVersion(
                    id=version_id, org_id=uuid.UUID(org_id), question_id=question_id, number=1,
                    type=spec.type, topic_id=uuid.UUID(spec.topic_id), content=content,
                    rendered={}, created_at=when,
                    content_hash=hashlib.sha256(json.dumps(content).encode()).hexdigest(),
                )
            )  # fmt: skip
            for tag in spec.tags:
                session.add(QuestionTag(question_id=question_id, tag=tag, org_id=uuid.UUID(org_id)))
            spec.id = str(question_id)
    return specs
