"""The review workflow: submit, approve (never by the version's author), send back, retire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI

from studyhall.bank import service
from studyhall.kit.clock import FrozenClock
from studyhall.kit.context import Context
from studyhall.orgs.service import get_org_by_slug
from tests.bank.helpers import choice, step, url, write
from tests.factories import Person, bearer, make_api_key, read_audit_log

SELF_REVIEW = "urn:studyhall:problem:self-review"
INVALID_TRANSITION = "urn:studyhall:problem:invalid-transition"


async def _submitted(
    client: httpx.AsyncClient, track: dict[str, Any], leaf: str, who: Person, stem: str = "Q?"
) -> dict[str, Any]:
    question = await write(client, str(track["id"]), who, choice(leaf, stem=stem))
    submitted = await step(client, question["id"], "submit", who)
    assert submitted.status_code == 200, submitted.text
    return dict(submitted.json())


async def test_the_full_path_from_draft_to_published(
    clock: FrozenClock,
    client: httpx.AsyncClient,
    owner: Person,
    author: Person,
    reviewer: Person,
    track: dict[str, Any],
    leaf: str,
) -> None:
    question = await write(client, str(track["id"]), author, choice(leaf, stem="Is **this** ok?"))
    qid = question["id"]
    submitted = await step(client, qid, "submit", author, if_match='"r1"')
    assert submitted.status_code == 200, submitted.text
    assert (submitted.json()["status"], submitted.headers["etag"]) == ("in_review", '"r2"')

    queue = await client.get("/api/v1/orgs/acme/review-queue", headers=reviewer.auth)
    assert queue.status_code == 200, queue.text
    [item] = queue.json()["items"]
    assert item["question_id"] == qid
    assert item["version_number"] == 1
    assert item["version_id"] == question["head_version"]["id"]
    assert item["author"] == {"id": author.id, "display_name": "Author"}
    assert item["excerpt"] == "Is this ok?"

    clock.advance(timedelta(seconds=30))  # review steps are listed in time order
    approved = await step(client, qid, "approve", reviewer)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["status"], body["revision"]) == ("published", 3)
    assert body["published_version_id"] == question["head_version"]["id"]
    assert body["published_version_number"] == 1
    assert (await client.get("/api/v1/orgs/acme/review-queue", headers=reviewer.auth)).json()[
        "items"] == []  # fmt: skip

    versions = (await client.get(url(qid, "/versions"), headers=author.auth)).json()
    assert versions[0]["status"] == "published"
    assert versions[0]["is_published"] is True
    assert [(r["action"], r["actor_id"]) for r in versions[0]["reviews"]] == [
        ("submitted", author.id), ("approved", reviewer.id)]  # fmt: skip

    events = await read_audit_log(client, "acme", owner.auth, action="question.")
    assert [(e["action"], e["actor_user_id"], e["summary"]["version"]) for e in events] == [
        ("question.approved", reviewer.id, 1),
        ("question.submitted", author.id, 1),
        ("question.created", author.id, 1),
    ]


async def test_an_author_cannot_approve_their_own_version(
    client: httpx.AsyncClient,
    owner: Person,
    reviewer: Person,
    track: dict[str, Any],
    leaf: str,
) -> None:
    question = await _submitted(client, track, leaf, owner)  # owners may also review
    refused = await step(client, question["id"], "approve", owner)
    assert refused.status_code == 403
    assert refused.json()["type"] == SELF_REVIEW
    # A key its author made is the author too.
    secret = await make_api_key(client, "acme", owner, ["questions:review"])
    by_key = await client.post(url(question["id"], "/approve"), headers=bearer(secret))
    assert by_key.status_code == 403
    assert by_key.json()["type"] == SELF_REVIEW
    still = await client.get(url(question["id"]), headers=owner.auth)
    assert (still.json()["status"], still.json()["revision"]) == ("in_review", 2)
    assert (await step(client, question["id"], "approve", reviewer)).status_code == 200


async def test_a_key_may_approve_what_its_maker_did_not_write(
    client: httpx.AsyncClient, owner: Person, author: Person, track: dict[str, Any], leaf: str
) -> None:
    question = await _submitted(client, track, leaf, author)
    secret = await make_api_key(client, "acme", owner, ["questions:review"])
    approved = await client.post(url(question["id"], "/approve"), headers=bearer(secret))
    assert approved.status_code == 200, approved.text
    events = await read_audit_log(client, "acme", owner.auth, action="question.approved")
    assert events[0]["actor_api_key_id"] is not None
    # The review step is credited to the person accountable for the key.
    versions = (await client.get(url(question["id"], "/versions"), headers=owner.auth)).json()
    assert {(r["action"], r["actor_id"]) for r in versions[0]["reviews"]} == {
        ("submitted", author.id), ("approved", owner.id)}  # fmt: skip


async def test_what_a_key_writes_is_its_makers_to_approve_by_someone_else(
    client: httpx.AsyncClient, owner: Person, reviewer: Person, track: dict[str, Any], leaf: str
) -> None:
    secret = await make_api_key(client, "acme", owner, ["questions:write", "questions:review"])
    made = await client.post(f"/api/v1/orgs/acme/tracks/{track['id']}/questions",
                             json=choice(leaf), headers=bearer(secret))  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["head_version"]["created_by"] == owner.id
    qid = made.json()["id"]
    assert (await client.post(url(qid, "/submit"), headers=bearer(secret))).status_code == 200
    for who in (bearer(secret), owner.auth):
        refused = await client.post(url(qid, "/approve"), headers=who)
        assert refused.status_code == 403
        assert refused.json()["type"] == SELF_REVIEW
    assert (await step(client, qid, "approve", reviewer)).status_code == 200


async def test_send_back_needs_a_comment_and_returns_the_question_to_draft(
    clock: FrozenClock,
    client: httpx.AsyncClient,
    owner: Person,
    author: Person,
    reviewer: Person,
    track: dict[str, Any],
    leaf: str,
) -> None:
    question = await _submitted(client, track, leaf, author)
    for body in ({}, {"comment": "   "}):
        refused = await step(client, question["id"], "send-back", reviewer, json=body)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "body.comment"
    clock.advance(timedelta(seconds=30))
    sent = await step(client, question["id"], "send-back", reviewer,
                      json={"comment": "Option B is also arguably right."})  # fmt: skip
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "draft"
    versions = (await client.get(url(question["id"], "/versions"), headers=author.auth)).json()
    assert versions[0]["status"] == "draft"
    assert versions[0]["reviews"][-1]["comment"] == "Option B is also arguably right."
    assert versions[0]["reviews"][-1]["action"] == "sent_back"
    events = await read_audit_log(client, "acme", owner.auth, action="question.sent_back")
    assert [e["actor_user_id"] for e in events] == [reviewer.id]
    # Fixed and submitted again, it can be approved.
    await client.put(url(question["id"]), json=choice(leaf, stem="Better"), headers=author.auth)
    assert (await step(client, question["id"], "submit", author)).status_code == 200
    approved = await step(client, question["id"], "approve", reviewer)
    assert approved.json()["published_version_number"] == 2


async def test_an_edit_keeps_the_published_version_until_a_newer_one_is_approved(
    app: FastAPI,
    clock: FrozenClock,
    client: httpx.AsyncClient,
    author: Person,
    reviewer: Person,
    track: dict[str, Any],
    leaf: str,
) -> None:
    question = await _submitted(client, track, leaf, author)
    await step(client, question["id"], "approve", reviewer)
    first = question["head_version"]["id"]
    edited = await client.put(
        url(question["id"]), json=choice(leaf, stem="Edited"), headers=author.auth
    )
    assert edited.status_code == 200
    body = edited.json()
    assert (body["status"], body["head_version"]["number"]) == ("draft", 2)
    assert (body["published_version_id"], body["published_version_number"]) == (first, 1)
    assert [(v["number"], v["status"]) for v in (await client.get(
        url(question["id"], "/versions"), headers=author.auth)).json()] == [
        (2, "draft"), (1, "published")]  # fmt: skip

    async def pool() -> list[tuple[str, int]]:
        async with app.state.db.unit_of_work() as session:
            ctx = Context(session=session, clock=clock, request_id="test")
            org = await get_org_by_slug(ctx, "acme")
            assert org is not None
            rows = await service.published_pool(ctx, org.id, UUID(str(track["id"])))
            assert (await service.get_version(ctx, org.id, UUID(first))).number == 1
            numbers = [(await service.get_version(ctx, org.id, e.version_id)).number for e in rows]
            return [(str(e.question_id), n) for e, n in zip(rows, numbers, strict=True)]

    assert await pool() == [(question["id"], 1)]
    await step(client, question["id"], "submit", author)
    assert await pool() == [(question["id"], 1)]  # in review is not published yet
    await step(client, question["id"], "approve", reviewer)
    assert await pool() == [(question["id"], 2)]
    await step(client, question["id"], "retire", reviewer)
    assert await pool() == []


async def test_retiring_withdraws_the_question_and_an_edit_revives_it(
    client: httpx.AsyncClient,
    owner: Person,
    author: Person,
    reviewer: Person,
    track: dict[str, Any],
    leaf: str,
) -> None:
    question = await _submitted(client, track, leaf, author)
    await step(client, question["id"], "approve", reviewer)
    retired = await step(client, question["id"], "retire", reviewer)
    assert retired.status_code == 200, retired.text
    body = retired.json()
    assert (body["status"], body["published_version_id"]) == ("retired", None)
    assert body["published_version_number"] is None
    events = await read_audit_log(client, "acme", owner.auth, action="question.retired")
    assert events[0]["summary"] == {"version": 1, "withdrawn_version": 1}
    # A draft may be retired too.
    draft = await write(client, str(track["id"]), author, choice(leaf, stem="Draft"))
    assert (await step(client, draft["id"], "retire", reviewer)).json()["status"] == "retired"
    # An edit brings a retired question back as a draft, to go through review again.
    revived = await client.put(
        url(question["id"]), json=choice(leaf, stem="Revived"), headers=author.auth
    )
    assert (revived.json()["status"], revived.json()["published_version_id"]) == ("draft", None)


@pytest.mark.parametrize(
    ("setup", "action", "state"),
    [
        ([], "approve", "draft"),
        ([], "send-back", "draft"),
        (["submit"], "submit", "in_review"),
        (["submit"], "retire", "in_review"),
        (["submit", "approve"], "submit", "published"),
        (["submit", "approve"], "approve", "published"),
        (["submit", "approve", "retire"], "retire", "retired"),
        (["submit", "approve", "retire"], "submit", "retired"),
    ],
)
async def test_wrong_transitions_are_refused_naming_the_state(
    client: httpx.AsyncClient,
    author: Person,
    reviewer: Person,
    track: dict[str, Any],
    leaf: str,
    setup: list[str],
    action: str,
    state: str,
) -> None:
    question = await write(client, str(track["id"]), author, choice(leaf))
    actors = {"submit": author, "approve": reviewer, "retire": reviewer, "send-back": reviewer}
    for done in setup:
        assert (await step(client, question["id"], done, actors[done])).status_code == 200
    before = (await client.get(url(question["id"]), headers=author.auth)).json()
    refused = await step(client, question["id"], action, actors[action], json={"comment": "x"}
                         if action == "send-back" else None)  # fmt: skip
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == INVALID_TRANSITION
    assert f"is {state}" in refused.json()["detail"]
    after = (await client.get(url(question["id"]), headers=author.auth)).json()
    assert after == before


async def test_a_stale_if_match_on_approval_is_refused(
    client: httpx.AsyncClient, author: Person, reviewer: Person, track: dict[str, Any], leaf: str
) -> None:
    """A reviewer approves what they read: an edit since then makes the approval fail."""
    question = await _submitted(client, track, leaf, author)
    read = await client.get(url(question["id"]), headers=reviewer.auth)
    await client.put(url(question["id"]), json=choice(leaf, stem="Sneaky"), headers=author.auth)
    await step(client, question["id"], "submit", author)
    stale = await step(client, question["id"], "approve", reviewer,
                       if_match=read.headers["etag"])  # fmt: skip
    assert stale.status_code == 412


async def test_the_review_queue_is_oldest_first_and_paginated(
    clock: FrozenClock,
    client: httpx.AsyncClient,
    owner: Person,
    author: Person,
    reviewer: Person,
    track: dict[str, Any],
    leaf: str,
) -> None:
    stems = ["First", "Second", "Third"]
    ids = []
    for stem in stems:
        ids.append((await _submitted(client, track, leaf, author, stem=stem))["id"])
        clock.advance(timedelta(minutes=5))
    # Re-submitting the first one sends it to the back of the queue.
    await step(client, ids[0], "send-back", reviewer, json={"comment": "fix"})
    await step(client, ids[0], "submit", author)
    seen: list[str] = []
    next_url: str | None = "/api/v1/orgs/acme/review-queue?limit=2"
    while next_url:
        page = await client.get(next_url, headers=reviewer.auth)
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= 2
        seen += [item["excerpt"] for item in page.json()["items"]]
        next_url = page.json()["next"]
    assert seen == ["Second", "Third", "First"]
    other_track = await client.get(
        "/api/v1/orgs/acme/review-queue",
        params={"track_id": "00000000-0000-0000-0000-000000000000"},
        headers=reviewer.auth,
    )
    assert other_track.json()["items"] == []
    forged = await client.get("/api/v1/orgs/acme/review-queue?cursor=abc", headers=owner.auth)
    assert forged.status_code == 400
    assert (
        await client.get("/api/v1/orgs/acme/review-queue", headers=author.auth)
    ).status_code == 403
