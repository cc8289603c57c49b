"""Schemathesis against the whole API, with every check, on real ids and a real bearer token.

The app runs under uvicorn on a loopback port (a database of its own, built by the
migrations) so that every check can make the extra requests it needs (`ignored_auth` asks
again without the token; the stateful checks follow up on what they created). Each operation
gets a few derandomized examples: the run is deterministic and bounded, not a fuzzing campaign.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, assume, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from studyhall.app import create_app
from studyhall.kit.boundary import refused_character
from studyhall.ops import migrations
from tests.conftest import ENGINES, fresh_database_url, make_settings
from tests.factories import (
    Person,
    add_member,
    choice_question,
    create_api_key,
    leaf_topics,
    make_org,
    make_track,
    publish_question,
    sign_up,
)

ORG = "acme"
EXAMPLES = 5

# (method, path) -> checks left out for that one operation, each with its reason.
EXCLUDED: dict[tuple[str, str], list[Any]] = {
    # "Schema-valid request rejected" for {"mode": "drill"}: a drill needs exactly one topic
    # or a tag, a rule across fields that the body's JSON Schema does not state; the 422
    # names `body.topic_ids` (tests/exams/test_attempts.py covers the rule itself).
    ("POST", "/api/v1/orgs/{org}/tracks/{track_id}/attempts"): [positive_data_acceptance],
    # "Schema-valid request rejected" for an `answer` that is a JSON object but not one this
    # question can take (an option id it lacks, a text for a choice question): which shape
    # fits depends on the question at that position, known only at run time; the 422 names
    # the `body.answer` fields at fault (tests/exams cover each question type).
    ("PUT", "/api/v1/orgs/{org}/attempts/{attempt_id}/answers/{position}"): [
        positive_data_acceptance
    ],
    # "Schema-valid request rejected" for a short password: the password policy (length, no
    # common password, not the email) is checked by the service, which answers 422 naming
    # `body.password`; the schema states it only in words.
    ("POST", "/api/v1/auth/register"): [positive_data_acceptance],
    # "Schema-valid request rejected" for an address such as `a@b.test`: `format: email`
    # admits it, but the server refuses special-use domains (RFC 6761: .test, .invalid, ...)
    # with a 422 naming `body.email`, as no mail can reach them.
    ("POST", "/api/v1/auth/login"): [positive_data_acceptance],
    ("POST", "/api/v1/orgs/{org}/invitations"): [positive_data_acceptance],
    # "Schema-valid request rejected": sibling topics' weights must sum to 100, a rule
    # across list items that JSON Schema cannot state; the 422 names `body.topics`.
    ("POST", "/api/v1/orgs/{org}/tracks"): [positive_data_acceptance],
    ("PUT", "/api/v1/orgs/{org}/tracks/{track_id}"): [positive_data_acceptance],
    # "Schema-valid request rejected": a question's content has rules across fields (one
    # correct option of a single choice, distinct option ids, a topic of this track) that
    # JSON Schema cannot state; the 422 names the field at fault.
    ("POST", "/api/v1/orgs/{org}/tracks/{track_id}/questions"): [positive_data_acceptance],
    ("PUT", "/api/v1/orgs/{org}/questions/{question_id}"): [positive_data_acceptance],
    # "Schema-valid request rejected" for an upload that is bytes but not an image (or not
    # a package this importer reads): the kind is read from the file's content, and the
    # 422 names `body.file`.
    ("POST", "/api/v1/orgs/{org}/media"): [positive_data_acceptance],
    # "Schema-valid request rejected" for a syllabus proposal from bytes that are not a PDF,
    # or text in which no topic is found; and for a tree to apply that is deeper or larger
    # than a syllabus may be: the 422 names `body.file`, `body.text` or `body.topics`.
    ("POST", "/api/v1/orgs/{org}/tracks/{track_id}/syllabus/proposals"): [positive_data_acceptance],
    ("POST", "/api/v1/orgs/{org}/tracks/{track_id}/syllabus/apply"): [positive_data_acceptance],
    ("POST", "/api/v1/orgs/{org}/tracks/{track_id}/imports"): [positive_data_acceptance],
    # "Schema-valid request rejected" for a webhook `url` such as "0": the schema says only
    # "string"; the server wants an http(s) URL that may receive calls (422 on `body.url`).
    ("POST", "/api/v1/orgs/{org}/webhooks"): [positive_data_acceptance],
    ("PATCH", "/api/v1/orgs/{org}/webhooks/{webhook_id}"): [positive_data_acceptance],
    # "Schema-valid request rejected" for a study week: the time zone must be a real IANA
    # name and the week must hold some minutes, which the schema states only in words; the
    # 422 names `body.time_zone` or `body.minutes_by_weekday`.
    ("PUT", "/api/v1/orgs/{org}/plan/profile"): [positive_data_acceptance],
    # A goal's exam date must be after the learner's today and its track and topics must
    # exist here (known at run time only); the 422 names the field.
    ("POST", "/api/v1/orgs/{org}/plan/goals"): [positive_data_acceptance],
    ("PUT", "/api/v1/orgs/{org}/plan/goals/{goal_id}"): [positive_data_acceptance],
    # A date range that ends before it starts: 422 naming `query.end`.
    ("GET", "/api/v1/orgs/{org}/plan"): [positive_data_acceptance],
    # A partly done block needs its minutes (a rule across fields): 422 on `body.done_minutes`.
    ("PATCH", "/api/v1/orgs/{org}/plan/blocks/{block_id}"): [positive_data_acceptance],
    # "Schema-valid request rejected" (409) by the state of the learner's cards, not by the
    # request: the seeded card is a question card, graded by answering it in a session
    # (`graded-by-session`), and nothing is due today (`no-questions`); tests/reviews covers
    # both answers and the successful ones.
    ("POST", "/api/v1/orgs/{org}/review-cards/{card_id}/grade"): [positive_data_acceptance],
    ("POST", "/api/v1/orgs/{org}/tracks/{track_id}/review-sessions"): [positive_data_acceptance],
}

# Run last, in this order: they take away what the others use (the token, the track, ...).
DESTRUCTIVE_LAST = ["DELETE", "POST /api/v1/auth/logout"]


@dataclass
class World:
    base_url: str
    owner: Person
    ids: dict[str, str]


@pytest.fixture(params=ENGINES)
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The app on a database of its own, served on a free loopback port; yields its URL."""
    url = asyncio.run(fresh_database_url(request.param, tmp_path))
    migrations.upgrade(url)
    app = create_app(make_settings(url), configure_logs=False)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the server did not start")
        threading.Event().wait(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


async def flagged_card(client: httpx.AsyncClient, owner: Person, attempt_id: str) -> str:
    """A review card, made the way learners make them: a flagged question of a submitted
    attempt (a second attempt stays open for the attempt operations)."""
    base = f"/api/v1/orgs/{ORG}"
    started = await client.get(f"{base}/attempts/{attempt_id}", headers=owner.auth)
    track_id = started.json()["track_id"]
    other = await client.post(
        f"{base}/tracks/{track_id}/attempts", json={"mode": "practice"}, headers=owner.auth
    )
    assert other.status_code == 201, other.text
    other_id = other.json()["id"]
    flag = await client.put(
        f"{base}/attempts/{other_id}/answers/1", json={"flagged": True}, headers=owner.auth
    )
    assert flag.status_code == 200, flag.text
    done = await client.post(f"{base}/attempts/{other_id}/submit", headers=owner.auth)
    assert done.status_code == 200, done.text
    cards = await client.get(f"{base}/review-cards", headers=owner.auth)
    return str(cards.json()["items"][0]["id"])


async def seed(base_url: str) -> World:
    """An organisation with a track, published questions, an attempt, a webhook, a key,
    an invitation and an import: each id a path parameter of some operation."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        owner = await sign_up(client, "owner")
        await make_org(client, owner, slug=ORG)
        author, reviewer = await sign_up(client, "author"), await sign_up(client, "reviewer")
        await add_member(client, ORG, owner, author, "author")
        await add_member(client, ORG, owner, reviewer, "reviewer")
        track = await make_track(client, ORG, owner)
        questions = [
            await publish_question(
                client, ORG, str(track["id"]), author, reviewer, choice_question(str(leaf["id"]))
            )
            for leaf in leaf_topics(track)
            for _ in range(4)
        ]
        base = f"/api/v1/orgs/{ORG}"
        attempt = await client.post(
            f"{base}/tracks/{track['id']}/attempts", json={"mode": "practice"}, headers=owner.auth
        )
        assert attempt.status_code == 201, attempt.text
        card_id = await flagged_card(client, owner, attempt.json()["id"])
        webhook = await client.post(
            f"{base}/webhooks",
            json={"url": "https://hooks.example.com/in", "event_types": ["*"]},
            headers=owner.auth,
        )
        assert webhook.status_code == 201, webhook.text
        key = await create_api_key(client, ORG, owner, ["questions:read"])
        invitation = await client.post(
            f"{base}/invitations",
            json={"email": "x@example.com", "role": "learner"},
            headers=owner.auth,
        )
        assert invitation.status_code == 201, invitation.text
        plan_ids = await _seed_plan(client, owner, str(track["id"]))
        ids = {
            **plan_ids,
            "org": ORG,
            "track_id": str(track["id"]),
            "question_id": str(questions[0]["id"]),
            "attempt_id": str(attempt.json()["id"]),
            "card_id": card_id,
            "webhook_id": str(webhook.json()["id"]),
            "key_id": str(key["id"]),
            "invitation_id": str(invitation.json()["id"]),
            "user_id": author.id,
            "number": "1",
            "position": "1",
        }
        return World(base_url, owner, ids)


async def _seed_plan(client: httpx.AsyncClient, owner: Person, track_id: str) -> dict[str, str]:
    """The owner's study week, a goal and the plan made from them."""
    base = f"/api/v1/orgs/{ORG}/plan"
    week = {"time_zone": "Europe/Lisbon", "minutes_by_weekday": [60] * 7}
    made = await client.put(f"{base}/profile", json=week, headers=owner.auth)
    assert made.status_code == 200, made.text
    exam = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    goal = await client.post(
        f"{base}/goals", json={"track_id": track_id, "exam_date": exam}, headers=owner.auth
    )
    assert goal.status_code == 201, goal.text
    plan = await client.post(f"{base}/generate", headers=owner.auth)
    assert plan.status_code == 200, plan.text
    return {"goal_id": goal.json()["id"], "block_id": plan.json()["blocks"][0]["id"]}


def texts(value: object) -> Iterator[str]:
    """Every string in a generated value, object keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts(key)
            yield from texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from texts(item)


def holds_refused_text(case: schemathesis.Case) -> bool:
    """Whether a case carries text every route refuses (NUL, C0 controls, lone surrogates;
    see studyhall.kit.boundary): the 422 naming the field is the documented answer, so such
    a case cannot count as "valid data rejected"."""
    parts = [case.body, case.query, case.path_parameters, case.headers]
    return any(refused_character(text) for part in parts for text in texts(part))


def order(label: str) -> int:
    for rank, marker in enumerate(DESTRUCTIVE_LAST, start=1):
        if label.startswith(marker):
            return rank
    return 0


def prepare(case: schemathesis.Case, world: World) -> None:
    """Real ids in the path; for a case meant to be valid, nothing only the server can make."""
    for name in list(case.path_parameters or {}):
        if name in world.ids:
            case.path_parameters[name] = world.ids[name]
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    assume(not holds_refused_text(case))
    # A cursor is opaque and signed: only one from a `next` link is valid (any other is a
    # 400 naming `query.cursor`), and none can be generated.
    if case.query:
        case.query.pop("cursor", None)
    # Likewise an `If-Match` must be the ETag last read; any other is a 412.
    if case.headers:
        for name in [h for h in case.headers if h.lower() == "if-match"]:
            del case.headers[name]


def check_operation(operation: Any, world: World) -> None:
    """A few derandomized cases of one operation, each answer run through every check."""
    excluded = EXCLUDED.get((operation.method.upper(), operation.path), [])

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        prepare(case, world)
        case.call_and_validate(
            base_url=world.base_url, headers=world.owner.auth, excluded_checks=excluded, timeout=30
        )

    check()


def test_every_operation_passes_every_check(served: str) -> None:
    world = asyncio.run(seed(served))
    document = httpx.get(f"{served}/api/v1/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: order(f"{op.method.upper()} {op.path}"))
    failures: list[str] = []
    for operation in operations:
        try:
            check_operation(operation, world)
        except Exception as error:  # one operation's failure must not hide the others'
            failures.append(f"{operation.method.upper()} {operation.path}:\n{error}")
    assert not failures, f"{len(failures)} operations fail:\n\n" + "\n\n".join(failures)
