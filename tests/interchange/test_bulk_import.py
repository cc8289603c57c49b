"""Importing through the bulk path (`bank.service.create_questions`, in batches) leaves the
database exactly as writing each question through `create_question` did: the same questions,
versions, tags, search results, audit records and (no) events.

The same file is imported into two tracks with the same syllabus: one through the importer as
it is, the other with `create_questions` replaced by a loop over `create_question` (the path
every import took before). Batches are made tiny so that a file spans several of them, and
the second file mixes updates between new questions.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from studyhall.bank import service
from studyhall.bank.content import QuestionContent
from studyhall.bank.models import Question, QuestionTag, QuestionVersion
from studyhall.events.models import OutboxEvent
from studyhall.interchange import importer
from studyhall.jobs.worker import Worker
from studyhall.kit.context import Context
from studyhall.orgs.models import Org
from tests.acme import ORG
from tests.factories import Person, leaf_topics, make_track, read_audit_log
from tests.interchange.test_imports_api import imported

FIRST = """$CATEGORY: $course$/top/Architecture/Cluster

// [tag:spark]
// [tag:driver]
Who **plans** the job? {=The driver#Yes. ~An executor#No, they run tasks. ~The shuffle
####The *driver* plans; see [the docs](https://spark.apache.org).}

// [tag:spark]
Which run tasks? {~%50%Executors ~%50%Worker threads ~%-100%The driver}

Who **plans** the job? {=The driver ~An executor ~The shuffle}

$CATEGORY: Architecture/Execution

Stages are split at shuffles.{T#No, they are.#Right.}

Order the steps {=Read -> 1 =Transform -> 2 =Write -> 3}

$CATEGORY: DataFrames

Partitions by default? {#200:0}

Name the lazy operations: {=transformations =transformation}

Caching keeps a `DataFrame` in memory.{TRUE}

Essay question {}
"""

SECOND = """$CATEGORY: DataFrames

Brand new question about broadcast joins? {=Broadcast ~Shuffle}

Partitions by default? {#200:0####Two hundred, unless configured.}

Another new one about watermarks? {=Late data bound ~Nothing}

$CATEGORY: Architecture/Cluster

Caching keeps a `DataFrame` in memory.{TRUE####Until evicted.}

Last new question about executors? {=Run tasks ~Plan jobs}
"""

SEARCHES = ["driver", "plans", "shuffle", "partitions", "broadcast", "memory", "lazy", "nothing"]


def one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """New questions written one by one through `create_question`, as before the bulk path."""

    async def each(
        ctx: Context, org: Org, track_id: UUID, contents: list[QuestionContent]
    ) -> list[UUID]:
        return [
            (await service.create_question(ctx, org, track_id, content)).question.id
            for content in contents
        ]

    monkeypatch.setattr(importer.bank, "create_questions", each)


async def snapshot(app: FastAPI, track: dict[str, Any]) -> dict[str, Any]:
    """Everything about the track's questions, by stem, with ids replaced by what they name."""
    topic_names = {UUID(str(t["id"])): t["name"] for t in leaf_topics(track)}
    track_id = UUID(str(track["id"]))
    out: dict[str, Any] = {}
    async with app.state.db.unit_of_work() as session:
        questions = (
            await session.scalars(select(Question).where(Question.track_id == track_id))
        ).all()
        for q in questions:
            versions = (
                await session.scalars(
                    select(QuestionVersion)
                    .where(QuestionVersion.question_id == q.id)
                    .order_by(QuestionVersion.number)
                )
            ).all()
            tags = (
                await session.scalars(
                    select(QuestionTag.tag).where(QuestionTag.question_id == q.id)
                )
            ).all()
            head = next(v for v in versions if v.id == q.head_version_id)
            out[head.content["stem"]] = {
                "question": (q.status, q.type, topic_names[q.topic_id], q.difficulty, q.revision,
                             q.author_id, q.published_version_id, q.search_text),
                "versions": [
                    (v.number, v.type, topic_names[v.topic_id],
                     {**v.content, "topic_id": topic_names[UUID(v.content["topic_id"])]},
                     v.rendered, v.content_hash, v.created_by)
                    for v in versions
                ],
                "tags": sorted(tags),
            }  # fmt: skip
        if app.state.db.dialect == "sqlite":
            # The external-content FTS5 index agrees with the questions' rows, and every
            # question has its own search number.
            await session.execute(
                text("INSERT INTO question_search (question_search) VALUES ('integrity-check')")
            )
            numbers = (
                await session.execute(
                    text("SELECT search_rowid FROM questions WHERE track_id = :t"),
                    {"t": str(track_id)},
                )
            ).all()
            assert all(n[0] is not None for n in numbers)
            assert len({n[0] for n in numbers}) == len(numbers)
    return out


async def searches(
    client: httpx.AsyncClient, track: dict[str, Any], who: Person
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for q in SEARCHES:
        page = await client.get(
            f"/api/v1/orgs/{ORG}/questions",
            params={"q": q, "track": str(track["id"]), "limit": 50},
            headers=who.auth,
        )
        assert page.status_code == 200, page.text
        found[q] = sorted(item["stem_excerpt"] for item in page.json()["items"])
    return found


async def audit_of(
    client: httpx.AsyncClient, owner: Person, stems: dict[str, str]
) -> list[tuple[Any, ...]]:
    """The question records of the given questions (id -> stem), oldest first."""
    out = []
    for event in reversed(await read_audit_log(client, ORG, owner.auth, target_type="question")):
        if event["target_id"] in stems:
            summary = {k: v for k, v in event["summary"].items() if k != "track_id"}
            out.append(
                (event["action"], stems[event["target_id"]], summary, event["actor_user_id"])
            )
    return out


async def test_bulk_import_writes_what_one_at_a_time_wrote(
    app: FastAPI,
    client: httpx.AsyncClient,
    worker: Worker,
    monkeypatch: pytest.MonkeyPatch,
    owner: Person,
    author: Person,
    track: dict[str, Any],
) -> None:
    monkeypatch.setattr(importer, "WRITE_BATCH", 2)
    single_track = await make_track(client, ORG, owner, slug="spark-single")
    reports: dict[str, list[dict[str, Any]]] = {}
    for name, target in (("bulk", track), ("single", single_track)):
        with monkeypatch.context() as patched:
            if name == "single":
                one_at_a_time(patched)
            first, report = await imported(
                client, worker, target, author, "first.gift", FIRST.encode(), partial="true"
            )
            assert first["status"] == "done", first
            assert first["counts"] == {"create": 7, "update": 0, "skip": 1, "reject": 1}
            second, report2 = await imported(
                client, worker, target, author, "second.gift", SECOND.encode(),
                on_duplicate="update",
            )  # fmt: skip
            assert second["counts"] == {"create": 3, "update": 2, "skip": 0, "reject": 0}
            reports[name] = report["items"] + report2["items"]

    def without_ids(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(i["where"], i["action"], i["reason"], i["stem"]) for i in items]

    assert without_ids(reports["bulk"]) == without_ids(reports["single"])

    bulk, single = await snapshot(app, track), await snapshot(app, single_track)
    assert len(bulk) == 10
    assert bulk == single
    cluster = bulk["Who **plans** the job?"]
    assert cluster["tags"] == ["driver", "spark"]
    assert '<a href="https://spark.apache.org"' in cluster["versions"][0][4]["explanation"]
    assert [v[0] for v in bulk["Caching keeps a `DataFrame` in memory."]["versions"]] == [1, 2]

    assert await searches(client, track, author) == await searches(client, single_track, author)
    found = await searches(client, track, author)
    assert found["plans"] == ["Last new question about executors?", "Who plans the job?"]
    assert found["broadcast"] == ["Brand new question about broadcast joins?"]

    def stems_of(items: list[dict[str, Any]]) -> dict[str, str]:
        return {i["question_id"]: i["stem"] for i in items if i["question_id"]}

    bulk_audit = await audit_of(client, owner, stems_of(reports["bulk"]))
    single_audit = await audit_of(client, owner, stems_of(reports["single"]))
    assert bulk_audit == single_audit
    assert Counter(a[0] for a in bulk_audit) == {"question.created": 10, "question.edited": 2}
    assert {a[3] for a in bulk_audit} == {author.id}
    imports = await read_audit_log(client, ORG, owner.auth, action="questions.imported")
    by_track = Counter(e["target_id"] for e in imports)
    assert by_track == {str(track["id"]): 2, str(single_track["id"]): 2}

    async with app.state.db.unit_of_work() as session:
        events = (await session.scalars(select(OutboxEvent.type))).all()
    assert not [e for e in events if e.startswith("question.")]
