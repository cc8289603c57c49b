"""Writing questions of every type; invalid content is refused naming the field at fault."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from studyhall.bank.models import Question, QuestionTag
from tests.bank.helpers import BODIES, choice, content, create, url, write
from tests.factories import Person, make_track, read_audit_log

RENDERED_KEYS = {
    "single_choice": {"options"},
    "multiple_response": {"options"},
    "true_false": {"feedback_true", "feedback_false"},
    "numeric": set(),
    "short_text": set(),
    "ordering": {"items"},
    "matching": {"premises", "responses"},
}


@pytest.mark.parametrize("kind", sorted(BODIES))
async def test_create_and_read_a_question_of_every_type(
    client: httpx.AsyncClient, author: Person, track: dict[str, Any], leaf: str, kind: str
) -> None:
    response = await create(client, str(track["id"]), author, content(leaf, BODIES[kind]))
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"r1"'
    question = response.json()
    assert question["status"] == "draft"
    assert question["type"] == kind
    assert question["topic_id"] == leaf
    assert question["tags"] == ["spark", "driver"]  # normalised by the content contract
    assert question["author_id"] == author.id
    assert question["published_version_id"] is None
    head = question["head_version"]
    assert head["number"] == 1
    assert head["created_by"] == author.id
    assert head["content"]["body"]["type"] == kind
    assert len(head["content_hash"]) == 64
    assert set(head["rendered"]) == {"stem", "explanation"} | RENDERED_KEYS[kind]
    stem = "<p>Which statement about <strong>Spark</strong> is right?</p>"
    assert head["rendered"]["stem"] == stem

    read = await client.get(url(question["id"]), headers=author.auth)
    assert read.status_code == 200
    assert read.headers["etag"] == '"r1"'
    assert read.json() == question


async def test_denormalised_fields_follow_the_head(
    app: FastAPI, client: httpx.AsyncClient, author: Person, track: dict[str, Any], leaf: str
) -> None:
    question = await write(client, str(track["id"]), author, content(leaf, BODIES["matching"]))
    async with app.state.db.unit_of_work() as session:
        row = await session.get(Question, UUID(question["id"]))
        tags = (await session.scalars(select(QuestionTag.tag).where(
            QuestionTag.question_id == row.id))).all()  # fmt: skip
    assert row is not None
    assert (row.type, str(row.topic_id), row.difficulty) == ("matching", leaf, 2)
    assert row.search_text == (
        "Which statement about Spark is right?\nmap\nreduce\nnarrow\nwide\nnone\n"
        "Because the driver plans the job."
    )
    assert sorted(tags) == ["driver", "spark"]


async def test_creation_is_audited(
    client: httpx.AsyncClient, owner: Person, author: Person, track: dict[str, Any], leaf: str
) -> None:
    question = await write(client, str(track["id"]), author, choice(leaf))
    events = await read_audit_log(client, "acme", owner.auth, action="question.")
    assert [(e["action"], e["target_id"], e["actor_user_id"]) for e in events] == [
        ("question.created", question["id"], author.id)
    ]
    assert events[0]["summary"]["version"] == 1


def _options(*specs: tuple[str, bool]) -> list[dict[str, Any]]:
    return [{"id": i, "text": f"Option {i}", "correct": c} for i, c in specs]


INVALID_BODIES = [
    ({"type": "single_choice", "options": _options(("a", False), ("b", False))},
     "body.body.single_choice.options"),
    ({"type": "single_choice", "options": _options(("a", True), ("b", True))},
     "body.body.single_choice.options"),
    ({"type": "single_choice", "options": _options(("a", True), ("a", False))},
     "body.body.single_choice.options"),
    ({"type": "multiple_response", "options": _options(("a", False), ("b", False))},
     "body.body.multiple_response.options"),
    ({"type": "multiple_response", "options": _options(("x", True), ("x", True))},
     "body.body.multiple_response.options"),
    ({"type": "ordering", "items": [{"id": "1", "text": "a"}, {"id": "1", "text": "b"}]},
     "body.body.ordering.items"),
    ({"type": "numeric", "min": 5, "max": 1}, "body.body.numeric"),
    ({"type": "short_text", "accepted_answers": []}, "body.body.short_text"),
    ({"type": "short_text", "pattern": "(unclosed"}, "body.body.short_text.pattern"),
    ({"type": "matching", "premises": [{"id": "p1", "text": "a"}, {"id": "p2", "text": "b"}],
      "responses": [{"id": "r1", "text": "c"}, {"id": "r2", "text": "d"}],
      "pairs": {"p1": "r1"}}, "body.body.matching"),
    ({"type": "essay"}, "body.body"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "field"), INVALID_BODIES)
async def test_invalid_content_is_refused_naming_the_field(
    client: httpx.AsyncClient,
    author: Person,
    track: dict[str, Any],
    leaf: str,
    body: dict[str, Any],
    field: str,
) -> None:
    response = await create(client, str(track["id"]), author, content(leaf, body))
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "urn:studyhall:problem:validation"
    assert field in [e["field"] for e in response.json()["errors"]], response.json()["errors"]


async def test_empty_stem_and_unknown_fields_are_refused(
    client: httpx.AsyncClient, author: Person, track: dict[str, Any], leaf: str
) -> None:
    response = await create(client, str(track["id"]), author, choice(leaf, stem="", color="red"))
    assert response.status_code == 422
    assert {"body.stem", "body.color"} <= {e["field"] for e in response.json()["errors"]}


async def test_the_topic_must_be_a_leaf_of_the_same_track(
    client: httpx.AsyncClient, owner: Person, author: Person, track: dict[str, Any], leaf: str
) -> None:
    other = await make_track(client, "acme", owner, slug="other")
    parent = str(track["topics"][0]["id"])  # "Architecture" has subtopics
    cases = {
        str(other["topics"][1]["id"]): "is not a topic of this track",
        parent: "is a topic with subtopics; choose one of its leaves",
        "not-a-uuid": "is not a topic of this track",
        "00000000-0000-0000-0000-000000000000": "is not a topic of this track",
    }
    for topic_id, message in cases.items():
        response = await create(client, str(track["id"]), author, choice(topic_id))
        assert response.status_code == 422, response.text
        assert response.json()["errors"] == [{"field": "body.topic_id", "message": message}]
    # The other track's own leaf is fine there.
    assert (await create(client, str(other["id"]), author, choice(
        str(other["topics"][1]["id"])))).status_code == 201  # fmt: skip


async def test_unknown_track_and_question_are_not_found(
    client: httpx.AsyncClient, author: Person, leaf: str
) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    assert (await create(client, missing, author, choice(leaf))).status_code == 404
    assert (await client.get(url(missing), headers=author.auth)).status_code == 404


async def test_learners_cannot_read_or_write_the_bank(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any], leaf: str
) -> None:
    from tests.factories import add_member, sign_up

    learner = await sign_up(client, "learner")
    await add_member(client, "acme", owner, learner, "learner")
    assert (await create(client, str(track["id"]), learner, choice(leaf))).status_code == 403
    question = await write(client, str(track["id"]), owner, choice(leaf))
    assert (await client.get(url(question["id"]), headers=learner.auth)).status_code == 403


async def test_media_images_in_content_render_to_the_orgs_media_url(
    client: httpx.AsyncClient, author: Person, track: dict[str, Any], leaf: str
) -> None:
    media_id = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    stem = f"What does this show?\n\n![DAG](media:{media_id})\n\n<img src=x onerror=alert(1)>"
    question = await write(client, str(track["id"]), author, choice(leaf, stem=stem))
    rendered = question["head_version"]["rendered"]["stem"]
    assert f'<img src="/api/v1/orgs/acme/media/{media_id}" alt="DAG">' in rendered
    assert "onerror" not in rendered
    # The content keeps exactly what the author wrote.
    assert question["head_version"]["content"]["stem"] == stem
