"""Attempts as a learner lives them: start, answer, flag, resume, run out of time, submit."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from studyhall.events.models import OutboxEvent
from studyhall.kit.clock import FrozenClock
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
class Exam:
    track: dict[str, object]
    leaves: list[str]  # Cluster (30%), Execution (30%), DataFrames (40%)
    author: Person
    reviewer: Person
    learner: Person
    questions: dict[str, list[str]]  # leaf -> question ids

    def url(self, path: str = "") -> str:
        return f"/api/v1/orgs/acme/tracks/{self.track['id']}/attempts{path}"


async def build_exam(client: httpx.AsyncClient, per_topic: int = 5, **track: object) -> Exam:
    owner = await sign_up(client, "owner")
    await make_org(client, owner, slug="acme")
    people = {}
    for role in ("author", "reviewer", "learner"):
        people[role] = await sign_up(client, role)
        await add_member(client, "acme", owner, people[role], role)
    made = await make_track(client, "acme", owner, **track)
    leaves = [str(t["id"]) for t in leaf_topics(made)]
    questions: dict[str, list[str]] = {leaf: [] for leaf in leaves}
    for leaf in leaves:
        for n in range(per_topic):
            content = choice_question(leaf, f"Question {n} on {leaf[:8]}", correct="a")
            published = await publish_question(
                client, "acme", str(made["id"]), people["author"], people["reviewer"], content
            )
            questions[leaf].append(str(published["id"]))
    return Exam(made, leaves, people["author"], people["reviewer"], people["learner"], questions)


@pytest.fixture
async def exam(client: httpx.AsyncClient) -> Exam:
    return await build_exam(client)


async def start(client: httpx.AsyncClient, exam: Exam, **body: object) -> dict[str, object]:
    response = await client.post(exam.url(), json=body, headers=exam.learner.auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


def shown(attempt: dict[str, Any], position: int, letter: str) -> str:
    """The name the exam screen gave the author's option `letter` (its text is "Option A")."""
    question = attempt["questions"][position - 1]
    return next(o["id"] for o in question["options"] if f"Option {letter.upper()}" in o["html"])


async def save(
    client: httpx.AsyncClient, exam: Exam, attempt: dict[str, Any], position: int, **body: Any
) -> httpx.Response:
    """Save an answer; `{"choice": "a"}` means the author's option a, as the screen names it."""
    answer = body.get("answer")
    known = position <= len(attempt["questions"])
    if known and isinstance(answer, dict) and answer.get("choice") in ("a", "b", "c"):
        body["answer"] = {"choice": shown(attempt, position, answer["choice"])}
    return await client.put(
        f"/api/v1/orgs/acme/attempts/{attempt['id']}/answers/{position}",
        json=body,
        headers=exam.learner.auth,
    )


async def test_a_simulation_follows_the_blueprint_and_hides_the_key(
    client: httpx.AsyncClient, exam: Exam, clock: FrozenClock
) -> None:
    attempt = await start(client, exam, mode="simulation")
    questions = attempt["questions"]
    assert isinstance(questions, list)
    assert len(questions) == 10
    assert len({q["question_id"] for q in questions}) == 10
    per_topic = Counter(q["topic_id"] for q in questions)
    assert [per_topic[leaf] for leaf in exam.leaves] == [3, 3, 4]
    assert attempt["deadline_at"] == (clock.now() + timedelta(minutes=30)).isoformat().replace(
        "+00:00", "Z"
    )
    assert attempt["seconds_left"] == 1800
    assert attempt["feedback"] == "end"
    assert '"correct"' not in httpx.Response(200, json=attempt).text
    assert all(q["feedback"] is None for q in questions)
    # The screen names options by position, never by the author's ids.
    assert all([o["id"] for o in q["options"]] == ["o1", "o2", "o3"] for q in questions)


async def test_saves_are_idempotent_replaceable_and_survive_a_reload(
    client: httpx.AsyncClient, exam: Exam
) -> None:
    attempt = await start(client, exam, mode="simulation")
    first = await save(client, exam, attempt, 1, answer={"choice": "b"}, time_spent_ms=4000)
    again = await save(client, exam, attempt, 1, answer={"choice": "b"}, time_spent_ms=4000)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    await save(client, exam, attempt, 1, answer={"choice": "a"}, time_spent_ms=9000)
    await save(client, exam, attempt, 2, flagged=True)
    resumed = await client.get(
        f"/api/v1/orgs/acme/attempts/{attempt['id']}", headers=exam.learner.auth
    )
    state = resumed.json()["questions"]
    assert state[0]["answer"] == {"choice": shown(attempt, 1, "a")}
    assert state[0]["time_spent_ms"] == 9000
    assert state[0]["flagged"] is False
    assert state[1]["flagged"] is True
    assert state[1]["answer"] is None
    assert [o["id"] for o in state[0]["options"]] == [
        o["id"] for o in attempt["questions"][0]["options"]
    ]  # type: ignore[index]


async def test_two_concurrent_saves_of_one_answer_leave_one_answer(
    client: httpx.AsyncClient, exam: Exam
) -> None:
    attempt = await start(client, exam, mode="simulation")
    results = await asyncio.gather(
        save(client, exam, attempt, 1, answer={"choice": "a"}),
        save(client, exam, attempt, 1, answer={"choice": "b"}),
    )
    assert all(r.status_code == 200 for r in results)
    state = (
        await client.get(f"/api/v1/orgs/acme/attempts/{attempt['id']}", headers=exam.learner.auth)
    ).json()
    both = ({"choice": shown(attempt, 1, "a")}, {"choice": shown(attempt, 1, "b")})
    assert state["questions"][0]["answer"] in both
    assert sum(1 for q in state["questions"] if q["answer"] is not None) == 1


async def test_an_attempt_raises_its_events_in_order(
    client: httpx.AsyncClient, exam: Exam, app: FastAPI
) -> None:
    attempt = await start(client, exam, mode="simulation")
    await save(client, exam, attempt, 1, answer={"choice": "a"})
    await save(client, exam, attempt, 1, answer={"choice": "a"})  # the same save: no event
    await save(client, exam, attempt, 2, flagged=True)  # a flag is not an answer
    await save(client, exam, attempt, 2, answer={"choice": "b"})
    submitted = await client.post(
        f"/api/v1/orgs/acme/attempts/{attempt['id']}/submit", headers=exam.learner.auth
    )
    assert submitted.status_code == 200
    async with app.state.db.unit_of_work(write=False) as session:
        rows = (
            await session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.aggregate_id == str(attempt["id"]))
                .order_by(OutboxEvent.id)
            )
        ).all()
    assert [(e.type, e.data.get("position")) for e in rows] == [
        ("attempt.started", None), ("answer.saved", 1), ("answer.saved", 2),
        ("attempt.submitted", None),
    ]  # fmt: skip
    assert rows[-1].data["by"] == "learner"
    assert all(e.data["user_id"] == str(exam.learner.id) for e in rows)
    assert not any("@" in str(e.data) for e in rows)  # ids, never emails


async def test_time_belongs_to_the_server(
    client: httpx.AsyncClient, exam: Exam, clock: FrozenClock
) -> None:
    attempt = await start(client, exam, mode="simulation")
    await save(client, exam, attempt, 1, answer={"choice": "a"})
    deadline = clock.now() + timedelta(minutes=30)
    clock.advance(timedelta(minutes=31))
    late = await save(client, exam, attempt, 2, answer={"choice": "a"})
    assert late.status_code == 409
    assert late.json()["type"] == "urn:studyhall:problem:deadline-passed"
    state = (
        await client.get(f"/api/v1/orgs/acme/attempts/{attempt['id']}", headers=exam.learner.auth)
    ).json()
    assert state["status"] == "submitted"
    assert state["result"]["submitted_by"] == "deadline"
    assert state["result"]["submitted_at"] == deadline.isoformat().replace("+00:00", "Z")
    assert state["result"]["answered"] == 1


async def test_an_attempt_nobody_touches_is_settled_when_next_read(
    client: httpx.AsyncClient, exam: Exam, clock: FrozenClock
) -> None:
    await start(client, exam, mode="simulation")
    clock.advance(timedelta(hours=2))
    history = await client.get("/api/v1/orgs/acme/attempts", headers=exam.learner.auth)
    assert [a["status"] for a in history.json()] == ["submitted"]
    assert history.json()[0]["percent"] == 0


async def test_resuming_an_attempt_whose_time_ran_out_submits_it(
    client: httpx.AsyncClient, exam: Exam, clock: FrozenClock
) -> None:
    attempt = await start(client, exam, mode="simulation")
    await save(client, exam, attempt, 1, answer={"choice": "a"})
    clock.advance(timedelta(hours=2))
    url = f"/api/v1/orgs/acme/attempts/{attempt['id']}"
    state = (await client.get(url, headers=exam.learner.auth)).json()
    assert state["status"] == "submitted"
    assert state["result"]["submitted_by"] == "deadline"
    assert state["result"]["answered"] == 1
    review = await client.get(f"{url}/review", headers=exam.learner.auth)
    assert review.status_code == 200
    assert review.json()["result"]["percent"] == state["result"]["percent"]


async def test_reading_an_attempt_does_not_wait_for_the_write_lock(
    client: httpx.AsyncClient, exam: Exam, db_url: str
) -> None:
    """On SQLite one writer at a time holds the lock; the exam screen's reloads, history and
    progress must not queue behind everyone's saves."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's single write lock; PostgreSQL readers never wait for writers")
    attempt = await start(client, exam, mode="simulation")
    writer = sqlite3.connect(db_url.split("///", 1)[1], isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        # A read that waited for the lock would wait the writer's full 30 s: well past this,
        # which in turn leaves a loaded machine ample time for three requests.
        async with asyncio.timeout(15):
            resumed = await client.get(
                f"/api/v1/orgs/acme/attempts/{attempt['id']}", headers=exam.learner.auth
            )
            listed = await client.get("/api/v1/orgs/acme/attempts", headers=exam.learner.auth)
            progress = await client.get(
                "/api/v1/me/progress", params={"track": str(exam.track["id"])},
                headers=exam.learner.auth,
            )  # fmt: skip
        assert resumed.json()["id"] == attempt["id"]
        assert [a["id"] for a in listed.json()] == [attempt["id"]]
        assert progress.status_code == 200
    finally:
        writer.execute("ROLLBACK")
        writer.close()


async def test_submit_scores_per_topic_and_review_shows_the_key(
    client: httpx.AsyncClient, exam: Exam
) -> None:
    attempt = await start(client, exam, mode="simulation")
    questions = attempt["questions"]
    assert isinstance(questions, list)
    early = await client.get(
        f"/api/v1/orgs/acme/attempts/{attempt['id']}/review", headers=exam.learner.auth
    )
    assert early.status_code == 409
    for q in questions[:7]:
        await save(
            client,
            exam,
            attempt,
            q["position"],
            answer={"choice": "a"},
            time_spent_ms=1000 * q["position"],
        )
    await save(client, exam, attempt, 8, answer={"choice": "c"})
    submitted = await client.post(
        f"/api/v1/orgs/acme/attempts/{attempt['id']}/submit", headers=exam.learner.auth
    )
    result = submitted.json()
    assert (result["correct"], result["answered"], result["percent"]) == (7, 8, 70.0)
    assert result["passed"] is True  # pass mark 70
    assert sum(t["total"] for t in result["topics"]) == 10
    assert sum(t["correct"] for t in result["topics"]) == 7
    assert result["time_per_question_ms"][:3] == [1000, 2000, 3000]
    again = await client.post(
        f"/api/v1/orgs/acme/attempts/{attempt['id']}/submit", headers=exam.learner.auth
    )
    assert again.json() == result
    closed = await save(client, exam, attempt, 9, answer={"choice": "a"})
    assert closed.json()["type"] == "urn:studyhall:problem:attempt-closed"
    review = (
        await client.get(
            f"/api/v1/orgs/acme/attempts/{attempt['id']}/review", headers=exam.learner.auth
        )
    ).json()
    wrong = review["items"][7]
    assert wrong["answer"] == {"choice": shown(attempt, 8, "c")}
    assert wrong["correct"] is False
    assert wrong["correct_answer"] == {"choice": shown(attempt, 8, "a")}
    assert "Because a is right" in wrong["explanation_html"]
    assert "Feedback for c" in wrong["option_feedback_html"][shown(attempt, 8, "c")]


async def test_answers_must_fit_their_question(client: httpx.AsyncClient, exam: Exam) -> None:
    attempt = await start(client, exam, mode="simulation")
    unknown = await save(client, exam, attempt, 1, answer={"choice": "z"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"].startswith("body.answer")
    shape = await save(client, exam, attempt, 1, answer={"value": True})
    assert shape.status_code == 422
    missing = await save(client, exam, attempt, 11, answer={"choice": "a"})
    assert missing.status_code == 404


async def test_practice_gives_feedback_at_once_and_locks_the_answer(
    client: httpx.AsyncClient, exam: Exam
) -> None:
    attempt = await start(client, exam, mode="practice", count=4)
    assert attempt["feedback"] == "instant"
    assert attempt["deadline_at"] is None
    saved = await save(client, exam, attempt, 1, answer={"choice": "b"})
    feedback = saved.json()["feedback"]
    assert feedback["correct"] is False
    assert feedback["correct_answer"] == {"choice": shown(attempt, 1, "a")}
    assert "Because a is right" in feedback["explanation_html"]
    changed = await save(client, exam, attempt, 1, answer={"choice": "a"})
    assert changed.status_code == 409
    assert changed.json()["type"] == "urn:studyhall:problem:answer-locked"


async def test_drill_mistakes_and_custom_modes(client: httpx.AsyncClient, exam: Exam) -> None:
    drill = await start(client, exam, mode="drill", topic_ids=[exam.leaves[2]], count=3)
    assert {q["topic_id"] for q in drill["questions"]} == {exam.leaves[2]}  # type: ignore[union-attr]
    await save(client, exam, drill, 1, answer={"choice": "b"})  # wrong
    await save(client, exam, drill, 2, answer={"choice": "a"}, flagged=True)  # right, flagged
    await save(client, exam, drill, 3, answer={"choice": "a"})  # right
    mistakes = await start(client, exam, mode="mistakes")
    expected = {q["question_id"] for q in drill["questions"][:2]}  # type: ignore[index]
    assert {q["question_id"] for q in mistakes["questions"]} == expected  # type: ignore[union-attr]
    custom = await start(
        client, exam, mode="custom", topic_ids=[exam.leaves[0]], count=2, time_limit_minutes=5
    )
    assert len(custom["questions"]) == 2  # type: ignore[arg-type]
    assert custom["seconds_left"] == 300
    assert custom["feedback"] == "end"
    bad = await client.post(exam.url(), json={"mode": "drill"}, headers=exam.learner.auth)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.topic_ids"


async def test_recently_seen_questions_are_avoided_while_the_bank_allows(
    client: httpx.AsyncClient,
) -> None:
    exam = await build_exam(client, per_topic=8)  # 24 questions, 10 per simulation
    first = await start(client, exam, mode="simulation")
    submitted = await client.post(  # one simulation at a time: the first is done
        f"/api/v1/orgs/acme/attempts/{first['id']}/submit", headers=exam.learner.auth
    )
    assert submitted.status_code == 200
    second = await start(client, exam, mode="simulation")
    seen = {q["question_id"] for q in first["questions"]}  # type: ignore[union-attr]
    assert not seen & {q["question_id"] for q in second["questions"]}  # type: ignore[union-attr]


async def test_an_attempt_pins_the_version_it_showed(client: httpx.AsyncClient, exam: Exam) -> None:
    attempt = await start(client, exam, mode="simulation")
    first = attempt["questions"][0]  # type: ignore[index]
    # Version 2 makes "b" the right answer, and is approved while the attempt is running.
    url = f"/api/v1/orgs/acme/questions/{first['question_id']}"
    edit = choice_question(first["topic_id"], "Edited stem", correct="b")
    assert (await client.put(url, json=edit, headers=exam.author.auth)).status_code == 200
    assert (await client.post(f"{url}/submit", headers=exam.author.auth)).status_code == 200
    assert (await client.post(f"{url}/approve", headers=exam.reviewer.auth)).status_code == 200
    resumed = (
        await client.get(f"/api/v1/orgs/acme/attempts/{attempt['id']}", headers=exam.learner.auth)
    ).json()
    assert resumed["questions"][0]["version_id"] == first["version_id"]
    assert resumed["questions"][0]["stem_html"] == first["stem_html"]
    await save(client, exam, attempt, 1, answer={"choice": "a"})
    await client.post(
        f"/api/v1/orgs/acme/attempts/{attempt['id']}/submit", headers=exam.learner.auth
    )
    review = (
        await client.get(
            f"/api/v1/orgs/acme/attempts/{attempt['id']}/review", headers=exam.learner.auth
        )
    ).json()
    assert review["items"][0]["correct"] is True  # scored by the version shown
    assert review["items"][0]["correct_answer"] == {"choice": shown(attempt, 1, "a")}
    later = await start(client, exam, mode="drill", topic_ids=[first["topic_id"]], count=5)
    stems = {q["question_id"]: q["stem_html"] for q in later["questions"]}  # type: ignore[union-attr]
    assert "Edited stem" in stems[first["question_id"]]  # new attempts draw version 2


async def test_another_persons_attempt_is_not_found(client: httpx.AsyncClient, exam: Exam) -> None:
    attempt = await start(client, exam, mode="simulation")
    other = await client.get(
        f"/api/v1/orgs/acme/attempts/{attempt['id']}", headers=exam.author.auth
    )
    assert other.status_code == 404


async def test_sequential_tracks_refuse_going_back(client: httpx.AsyncClient) -> None:
    exam = await build_exam(client, per_topic=4, navigation="sequential")
    attempt = await start(client, exam, mode="simulation")
    assert (await save(client, exam, attempt, 3, answer={"choice": "a"})).status_code == 200
    back = await save(client, exam, attempt, 2, answer={"choice": "a"})
    assert back.status_code == 409
    assert back.json()["type"] == "urn:studyhall:problem:sequential-navigation"


async def test_progress_shows_trends_weakest_topics_and_readiness(
    client: httpx.AsyncClient, exam: Exam, clock: FrozenClock
) -> None:
    for right in (True, False):
        # Attempts are in the order they started; started at one frozen instant, their order
        # would be whatever order the database happens to return equal times in.
        clock.advance(timedelta(minutes=1))
        attempt = await start(client, exam, mode="simulation")
        for q in attempt["questions"]:  # type: ignore[union-attr]
            good = right or q["topic_id"] != exam.leaves[2]
            await save(
                client, exam, attempt, q["position"], answer={"choice": "a" if good else "b"}
            )
        await client.post(
            f"/api/v1/orgs/acme/attempts/{attempt['id']}/submit", headers=exam.learner.auth
        )
    progress = await client.get(
        f"/api/v1/me/progress?track={exam.track['id']}", headers=exam.learner.auth
    )
    body = progress.json()
    assert [a["percent"] for a in body["attempts"]] == [100.0, 60.0]
    dataframes = next(t for t in body["topics"] if t["topic_id"] == exam.leaves[2])
    assert dataframes["trend"] == [100.0, 0.0]
    assert dataframes["direction"] == "declining"
    assert dataframes["accuracy"] == 50.0
    assert body["weakest"][0]["topic_id"] == exam.leaves[2]
    assert body["readiness"] == 60.0  # Cluster and Execution (30% + 30%) are above 70%
    outsider = await sign_up(client, "stranger")
    hidden = await client.get(
        f"/api/v1/me/progress?track={exam.track['id']}", headers=outsider.auth
    )
    assert hidden.status_code == 404


async def test_adaptive_practice_keeps_every_topic_and_leans_to_the_weakest(
    client: httpx.AsyncClient, exam: Exam
) -> None:
    attempt = await start(client, exam, mode="practice", count=5)
    for q in attempt["questions"]:  # type: ignore[union-attr]
        good = q["topic_id"] != exam.leaves[0]
        await save(client, exam, attempt, q["position"], answer={"choice": "a" if good else "b"})
    adaptive = await start(client, exam, mode="practice", count=6, adaptive=True)
    counts = Counter(q["topic_id"] for q in adaptive["questions"])  # type: ignore[union-attr]
    assert set(counts) == set(exam.leaves)
    assert counts[exam.leaves[0]] == max(counts.values())


async def test_the_authors_option_ids_cannot_be_used_to_read_the_key(
    client: httpx.AsyncClient, exam: Exam
) -> None:
    """The save accepts only the screen's names: sending the author's own ids (here `a`, `b`,
    `c`; in real banks often `right` or `true`) must not be translated, or the answer echoed
    back would tell which screen option each author id is."""
    attempt = await start(client, exam, mode="simulation")
    url = f"/api/v1/orgs/acme/attempts/{attempt['id']}/answers/1"
    replies = [
        await client.put(url, json={"answer": {"choice": name}}, headers=exam.learner.auth)
        for name in ("a", "b", "c", "zz", "o9")
    ]
    assert [r.status_code for r in replies] == [422] * 5
    # Whatever the name, the same refusal: nothing tells an author id from a made-up one.
    bodies = [{k: v for k, v in r.json().items() if k != "request_id"} for r in replies]
    masked = [str(b).replace(repr(n), "NAME") for b, n in zip(bodies, "abc", strict=False)]
    assert len(set(masked)) == 1, masked
    assert bodies[0]["errors"][0]["field"] == "body.answer.choice"
    assert "o1 to o3" in bodies[0]["errors"][0]["message"]
    for name in ("a", "b", "c"):
        multiple = await client.put(
            url, json={"answer": {"choices": ["o1", name]}}, headers=exam.learner.auth
        )
        assert multiple.status_code == 422
        assert [e["field"] for e in multiple.json()["errors"]] == ["body.answer.choices.1"]
    state = await client.get(
        f"/api/v1/orgs/acme/attempts/{attempt['id']}", headers=exam.learner.auth
    )
    assert state.json()["questions"][0]["answer"] is None  # nothing was saved
