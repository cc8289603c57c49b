"""A small world for the page tests: an organisation with a track of published questions."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from tests.factories import (
    Person,
    add_member,
    choice_question,
    leaf_topics,
    make_org,
    make_track,
    publish_question,
    sign_up,
)


@dataclass
class School:
    owner: Person
    author: Person
    reviewer: Person
    learner: Person
    track: dict[str, object]


@pytest.fixture
async def school(client: httpx.AsyncClient) -> School:
    owner = await sign_up(client)
    await make_org(client, owner, slug="school", name="Page School")
    people = {}
    for role in ("author", "reviewer", "learner"):
        people[role] = await sign_up(client)
        await add_member(client, "school", owner, people[role], role)
    track = await make_track(client, "school", owner, exam_length=4, time_limit_minutes=20)
    for n, topic in enumerate(leaf_topics(track)):
        for correct in "ab":
            await publish_question(
                client, "school", str(track["id"]), people["author"], people["reviewer"],
                choice_question(str(topic["id"]), f"Question {n}{correct}?", correct=correct),
            )  # fmt: skip
    client.cookies.clear()
    return School(owner, people["author"], people["reviewer"], people["learner"], track)
