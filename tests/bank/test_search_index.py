"""What searching through the facet index must keep (SQLite counts there, PostgreSQL in SQL;
both engines must answer alike): every write shows at once, a rolled-back write never does,
and pages cut exactly through long runs of equal scores, with or without filters."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, update

from studyhall.bank import search
from studyhall.bank.models import Question, QuestionTag
from studyhall.bank.search_query import Filters
from studyhall.kit.clock import Clock
from studyhall.kit.context import Context
from studyhall.kit.pagination import decode_cursor, encode_cursor
from tests.bank.rows import Spec, write_questions
from tests.bank.test_search import URL, Bank, bank, find, ids, org_id
from tests.conftest import TEST_SECRET

__all__ = ["bank"]  # the fixture, used by name


def counts(body: dict[str, Any], facet: str) -> dict[str, int]:
    return {str(f["value"]): f["count"] for f in body["facets"][facet]}


async def test_every_write_to_the_bank_shows_in_the_next_search(
    app: FastAPI, client: httpx.AsyncClient, bank: Bank
) -> None:
    before = await find(client, bank)
    assert before["total"] == 5
    [new] = await write_questions(
        app,
        await org_id(client, bank),
        str(bank.track["id"]),
        [Spec("Adaptive execution coalesces partitions.", bank.topics["cluster"], tags=["aqe"])],
    )
    after = await find(client, bank)  # fmt: skip
    assert after["total"] == 6
    assert new.id in ids(after)
    assert counts(after, "tag")["aqe"] == 1
    assert ids(await find(client, bank, q="coalesces")) == {new.id}
    # Rows changed behind the services' back (an import, a script) count as well.
    async with app.state.db.unit_of_work() as session:
        await session.execute(
            update(Question).where(Question.id == uuid.UUID(new.id)).values(status="retired")
        )
        await session.execute(delete(QuestionTag).where(QuestionTag.tag == "aqe"))
    changed = await find(client, bank, status="retired")
    assert ids(changed) == {new.id, bank.specs[4].id}
    assert "aqe" not in counts(changed, "tag")
    async with app.state.db.unit_of_work() as session:
        await session.execute(delete(Question).where(Question.id == uuid.UUID(new.id)))
    gone = await find(client, bank)
    assert gone["total"] == 5
    assert new.id not in ids(gone)
    assert counts(gone, "status") == counts(before, "status")


async def test_a_rolled_back_write_is_never_counted(
    app: FastAPI, client: httpx.AsyncClient, bank: Bank, clock: Clock
) -> None:
    org = uuid.UUID(await org_id(client, bank))
    track, topic = uuid.UUID(str(bank.track["id"])), uuid.UUID(bank.topics["cluster"])
    draft = uuid.uuid4()
    with pytest.raises(RuntimeError, match="roll back"):
        await _write_search_and_roll_back(app, clock, draft, org, track, topic)
    # The next write, committed, straight after: an index built inside the rolled-back
    # transaction must not pass for the bank it makes.
    [later] = await write_questions(app, str(org), str(track), [Spec("Committed.", str(topic))])
    body = await find(client, bank)
    assert body["total"] == 6
    assert later.id in ids(body)
    assert str(draft) not in ids(body)
    assert counts(body, "type").get("numeric") == 1  # the bank's own numeric question only


async def _write_search_and_roll_back(
    app: FastAPI, clock: Clock, draft: uuid.UUID, org: uuid.UUID, track: uuid.UUID,
    topic: uuid.UUID,
) -> None:  # fmt: skip
    async with app.state.db.unit_of_work() as session:
        moment = clock.now()
        session.add(Question(
            id=draft, org_id=org, track_id=track, status="draft", type="numeric",
            topic_id=topic, difficulty=1, search_text="Never committed.",
            created_at=moment, updated_at=moment))  # fmt: skip
        await session.flush()
        ctx = Context(session=session, clock=clock, request_id="t", secret_key=TEST_SECRET)
        seen = await search.search_questions(
            ctx, org, dialect=app.state.db.dialect, q=None, filters=Filters(),
            cursor=None, limit=50,
        )  # fmt: skip
        assert draft in {hit.id for hit in seen.items}  # its own transaction sees it
        raise RuntimeError("roll back")


@pytest.mark.parametrize("filters", [{}, {"status": "published"}, {"tag": "core"}])
@pytest.mark.parametrize("limit", [3, 7])
async def test_pages_cut_exactly_through_long_runs_of_equal_scores(
    app: FastAPI, client: httpx.AsyncClient, bank: Bank, filters: dict[str, str], limit: int
) -> None:
    # Forty questions of the same text score alike: the page SQL's first cut (a few more than
    # two pages) ends inside a run of equal scores, so the id must order the run exactly.
    specs = [Spec("Tungsten tungsten question.", bank.topics["execution"],
                  status="published" if n % 2 else "draft", tags=["core"] if n % 3 else [])
             for n in range(40)]  # fmt: skip
    specs += [Spec("Tungsten question.", bank.topics["cluster"], status="published", tags=["core"])
              for _ in range(5)]  # fmt: skip
    await write_questions(app, await org_id(client, bank), str(bank.track["id"]), specs)
    expected = sorted(
        (s for s in specs if _passes(s, filters)), key=lambda s: (-s.stem.count("ungsten"), s.id)
    )
    served: list[str] = []
    url: str | None = URL
    params: dict[str, Any] | None = {"q": "tungsten", "limit": limit, **filters}
    while url is not None:
        assert len(served) <= len(specs), "pages must end, not come round again"
        response = await client.get(url, params=params, headers=bank.owner.auth)
        assert response.status_code == 200, response.text
        served += [item["id"] for item in response.json()["items"]]
        url, params = response.json().get("next"), None
        if url is not None and len(served) == limit:
            url = _without_hint(url)  # a cursor issued before cursors carried a count
    assert served == [s.id for s in expected]


def _passes(spec: Spec, filters: dict[str, str]) -> bool:
    return all((value in spec.tags) if name == "tag" else getattr(spec, name) == value
               for name, value in filters.items())  # fmt: skip


def _without_hint(url: str) -> str:
    parsed = httpx.URL(url)
    key = decode_cursor(TEST_SECRET, parsed.params["cursor"])
    assert len(key) == 4, "a text search's cursor carries how many hits it served"
    return str(parsed.copy_set_param("cursor", encode_cursor(TEST_SECRET, key[:3])))
