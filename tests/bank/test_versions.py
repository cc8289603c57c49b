"""Versions are immutable: edits add versions; diffs, ETags and idempotent edits."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from studyhall.bank.models import Question, QuestionVersion
from tests.bank.helpers import BODIES, choice, content, url, write
from tests.factories import Person, read_audit_log


async def _edit(
    client: httpx.AsyncClient,
    question_id: str,
    who: Person,
    payload: dict[str, Any],
    **headers: str,
) -> httpx.Response:
    return await client.put(url(question_id), json=payload, headers={**who.auth, **headers})


async def _version_rows(app: FastAPI, question_id: str) -> list[dict[str, Any]]:
    async with app.state.db.unit_of_work() as session:
        rows = (await session.scalars(select(QuestionVersion).where(
            QuestionVersion.question_id == UUID(question_id)
        ).order_by(QuestionVersion.number))).all()  # fmt: skip
    return [
        {c: getattr(r, c) for c in ("id", "number", "content", "rendered", "content_hash",
                                    "created_by", "created_at", "topic_id", "type")}
        for r in rows
    ]  # fmt: skip


async def test_an_edit_adds_a_version_and_never_changes_an_old_one(
    app: FastAPI, client: httpx.AsyncClient, author: Person, track: dict[str, Any], leaf: str
) -> None:
    original = choice(leaf, stem="Where does the *plan* run?")
    question = await write(client, str(track["id"]), author, original)
    first = await _version_rows(app, question["id"])
    first_api = (await client.get(url(question["id"], "/versions/1"), headers=author.auth)).json()

    for number, stem in enumerate(["Where is the plan made?", "Who makes the plan?"], start=2):
        edited = await _edit(client, question["id"], author, choice(leaf, stem=stem))
        assert edited.status_code == 200, edited.text
        assert edited.headers["etag"] == f'"r{number}"'
        assert edited.json()["head_version"]["number"] == number
        assert edited.json()["head_version"]["content"]["stem"] == stem

    rows = await _version_rows(app, question["id"])
    assert [r["number"] for r in rows] == [1, 2, 3]
    assert rows[0] == first[0]
    again = await client.get(url(question["id"], "/versions/1"), headers=author.auth)
    assert again.json() == first_api
    assert again.json()["content"]["stem"] == "Where does the *plan* run?"
    assert len({r["id"] for r in rows}) == 3
    head = await client.get(url(question["id"]), headers=author.auth)
    assert head.json()["head_version"]["id"] == str(rows[2]["id"])
    assert head.json()["head_version"]["rendered"]["stem"] == "<p>Who makes the plan?</p>"


async def test_an_identical_edit_makes_no_version(
    app: FastAPI,
    client: httpx.AsyncClient,
    owner: Person,
    author: Person,
    track: dict[str, Any],
    leaf: str,
) -> None:
    question = await write(client, str(track["id"]), author, choice(leaf))
    # The same content, spelt differently where the contract normalises (tag case, spaces).
    same = choice(leaf, tags=["SPARK", " driver", "spark"])
    for _ in range(2):
        response = await _edit(client, question["id"], author, same)
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"r1"'
        assert response.json()["head_version"]["number"] == 1
    assert len(await _version_rows(app, question["id"])) == 1
    events = await read_audit_log(client, "acme", owner.auth, action="question.")
    assert [e["action"] for e in events] == ["question.created"]


async def test_a_stale_if_match_is_refused(
    client: httpx.AsyncClient, author: Person, track: dict[str, Any], leaf: str
) -> None:
    question = await write(client, str(track["id"]), author, choice(leaf))
    ok = await _edit(
        client, question["id"], author, choice(leaf, stem="v2"), **{"If-Match": '"r1"'}
    )
    assert ok.status_code == 200
    stale = await _edit(
        client, question["id"], author, choice(leaf, stem="v3"), **{"If-Match": '"r1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["type"] == "urn:studyhall:problem:precondition-failed"
    assert (await client.get(url(question["id"]), headers=author.auth)).json()[
        "head_version"]["content"]["stem"] == "v2"  # fmt: skip
    anything = await _edit(
        client, question["id"], author, choice(leaf, stem="v3"), **{"If-Match": "*"}
    )
    assert anything.status_code == 200
    assert anything.headers["etag"] == '"r3"'


async def test_an_edit_may_change_type_and_topic(
    app: FastAPI, client: httpx.AsyncClient, author: Person, track: dict[str, Any], leaf: str
) -> None:
    question = await write(client, str(track["id"]), author, choice(leaf))
    other_leaf = str(track["topics"][1]["id"])
    edited = await _edit(client, question["id"], author, content(
        other_leaf, BODIES["numeric"], tags=["numbers"], difficulty=5))  # fmt: skip
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["type"], body["topic_id"], body["difficulty"]) == ("numeric", other_leaf, 5)
    assert body["tags"] == ["numbers"]
    assert set(body["head_version"]["rendered"]) == {"stem", "explanation"}
    async with app.state.db.unit_of_work() as session:
        row = await session.get(Question, UUID(question["id"]))
    assert row is not None
    assert row.search_text == (
        "Which statement about Spark is right?\nBecause the driver plans the job."
    )


async def test_an_edit_to_a_topic_of_another_track_is_refused(
    client: httpx.AsyncClient, author: Person, track: dict[str, Any], leaf: str
) -> None:
    question = await write(client, str(track["id"]), author, choice(leaf))
    parent = str(track["topics"][0]["id"])
    response = await _edit(client, question["id"], author, choice(parent))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.topic_id"


async def test_versions_are_listed_newest_first(
    client: httpx.AsyncClient, author: Person, track: dict[str, Any], leaf: str
) -> None:
    question = await write(client, str(track["id"]), author, choice(leaf))
    await _edit(client, question["id"], author, choice(leaf, stem="Second"))
    listed = await client.get(url(question["id"], "/versions"), headers=author.auth)
    assert listed.status_code == 200
    assert [(v["number"], v["status"], v["is_head"]) for v in listed.json()] == [
        (2, "draft", True), (1, "superseded", False)]  # fmt: skip
    missing = await client.get(url(question["id"], "/versions/9"), headers=author.auth)
    assert missing.status_code == 404


async def test_diff_names_changed_fields_and_diffs_the_texts(
    client: httpx.AsyncClient, author: Person, track: dict[str, Any], leaf: str
) -> None:
    question = await write(client, str(track["id"]), author, choice(
        leaf, stem="Line one\nLine two", explanation="Same."))  # fmt: skip
    changed = choice(leaf, stem="Line one\nLine 2", explanation="Same.", tags=["spark"])
    changed["body"]["options"][1]["text"] = "A worker"
    changed["body"]["options"].append({"id": "d", "text": "Nobody"})
    await _edit(client, question["id"], author, changed)

    response = await client.get(url(question["id"], "/diff?from=1&to=2"), headers=author.auth)
    assert response.status_code == 200, response.text
    diff = response.json()
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    changes = {c["path"]: (c["old"], c["new"]) for c in diff["changes"]}
    assert changes == {
        "stem": ("Line one\nLine two", "Line one\nLine 2"),
        "body.options.1.text": ("An executor", "A worker"),
        "body.options.3": (None, {"id": "d", "text": "Nobody", "correct": False,
                                  "feedback": None}),
        "tags.1": ("driver", None),
    }  # fmt: skip
    assert diff["stem_diff"] == (
        "--- v1/stem\n+++ v2/stem\n@@ -1,2 +1,2 @@\n Line one\n-Line two\n+Line 2\n"
    )
    assert diff["explanation_diff"] == ""
    # By default: the head against the version before it.
    default = await client.get(url(question["id"], "/diff"), headers=author.auth)
    assert default.json() == diff
    backwards = await client.get(url(question["id"], "/diff?from=2&to=1"), headers=author.auth)
    assert {c["path"] for c in backwards.json()["changes"]} == set(changes)
    missing = await client.get(url(question["id"], "/diff?from=1&to=7"), headers=author.auth)
    assert missing.status_code == 404
    bad = await client.get(url(question["id"], "/diff?from=0"), headers=author.auth)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.from"


async def test_edits_are_audited_with_their_version(
    client: httpx.AsyncClient, owner: Person, author: Person, track: dict[str, Any], leaf: str
) -> None:
    question = await write(client, str(track["id"]), author, choice(leaf))
    await _edit(client, question["id"], owner, choice(leaf, stem="Better"))
    events = await read_audit_log(client, "acme", owner.auth, action="question.edited")
    assert len(events) == 1
    assert events[0]["summary"] == {"version": 2, "previous_version": 1}
    assert events[0]["actor_user_id"] == owner.id
    versions = (await client.get(url(question["id"], "/versions"), headers=owner.auth)).json()
    assert [v["created_by"] for v in versions] == [owner.id, author.id]


async def test_concurrent_edits_take_turns(
    client: httpx.AsyncClient, author: Person, track: dict[str, Any], leaf: str
) -> None:
    """Edits lock the question: racing edits get versions 2 and 3, and of two edits made
    against the same ETag exactly one wins (the other gets 412, never a 500)."""
    question = await write(client, str(track["id"]), author, choice(leaf))
    blind = await asyncio.gather(
        *(_edit(client, question["id"], author, choice(leaf, stem=f"Blind {i}")) for i in range(2))
    )
    assert sorted(r.status_code for r in blind) == [200, 200]
    assert sorted(r.json()["head_version"]["number"] for r in blind) == [2, 3]
    guarded = await asyncio.gather(*(
        _edit(client, question["id"], author, choice(leaf, stem=f"Guarded {i}"),
              **{"If-Match": '"r3"'})
        for i in range(2)
    ))  # fmt: skip
    assert sorted(r.status_code for r in guarded) == [200, 412]
