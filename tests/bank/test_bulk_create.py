"""`create_questions` (the bulk path importers use) refuses a batch as a whole, as
`create_question` refuses one question: nothing of it is written."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from studyhall.audit.models import AuditEvent
from studyhall.bank import service
from studyhall.bank.content import QuestionContent
from studyhall.bank.models import Question
from studyhall.kit.clock import SystemClock
from studyhall.kit.context import Context
from studyhall.kit.errors import InvalidInput
from studyhall.orgs.models import Org
from tests.acme import ORG
from tests.factories import Person, leaf_topics, make_track


def content(stem: str, topic: object, tags: list[str] | None = None) -> QuestionContent:
    return QuestionContent.model_validate(
        {"stem": stem, "explanation": "Why.", "topic_id": str(topic), "tags": tags or [],
         "body": {"type": "true_false", "correct_answer": True}}
    )  # fmt: skip


async def test_a_topic_outside_the_track_refuses_the_whole_batch(
    app: FastAPI, client: httpx.AsyncClient, owner: Person, track: dict[str, Any]
) -> None:
    other = await make_track(client, ORG, owner, slug="other")
    good, foreign = leaf_topics(track)[0]["id"], leaf_topics(other)[0]["id"]
    parent = track["topics"][0]["id"]  # has subtopics: not a place for questions
    async with app.state.db.unit_of_work() as session:
        org = (await session.scalars(select(Org).where(Org.slug == ORG))).one()
        ctx = Context(session=session, clock=SystemClock(), request_id="test",
                      user_id=UUID(owner.id))  # fmt: skip
        for bad in (foreign, parent):
            with pytest.raises(InvalidInput) as refused:
                await service.create_questions(
                    ctx, org, UUID(str(track["id"])), [content("Fine", good), content("No", bad)]
                )
            assert refused.value.errors[0].field == "body.topic_id"
        assert await service.create_questions(ctx, org, UUID(str(track["id"])), []) == []
        assert await session.scalar(select(func.count()).select_from(Question)) == 0
        assert await session.scalar(
            select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "question.created")
        ) == 0  # fmt: skip

        ids = await service.create_questions(
            ctx, org, UUID(str(track["id"])),
            [content("One", good, ["a", "a", "b"]), content("Two", good)],
        )  # fmt: skip
        views = [await service.get_question(ctx, org.id, i) for i in ids]
    assert [v.head.content["stem"] for v in views] == ["One", "Two"]
    assert views[0].head.content["tags"] == ["a", "b"]  # once each, as create_question does
    assert [v.question.author_id for v in views] == [UUID(owner.id)] * 2
