"""Migration 0003 rebuilds the search index (and 0006 adds the bank generations SQLite's facet
index follows): a bank written before it is found after it, the
index then follows every write, and the way back down leaves a bank that 0002's index finds."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from studyhall.bank.models import Question
from studyhall.ops import migrations
from tests.bank.rows import Spec, write_questions
from tests.bank.test_search import topic_ids
from tests.conftest import ENGINES, fresh_database_url
from tests.factories import Person, make_org, make_track, running, sign_up


async def found_by_0002(url: str, word: str) -> set[str]:
    """The ids that 0002's own full-text index finds for one word."""
    if url.startswith("sqlite"):
        sql = "SELECT question_id FROM question_search WHERE question_search MATCH :w"
    else:
        sql = (
            "SELECT id FROM questions WHERE "
            "to_tsvector('english', search_text) @@ plainto_tsquery('english', :w)"
        )
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text(sql), {"w": word})
            return {str(uuid.UUID(str(value))) for (value,) in rows}
    finally:
        await engine.dispose()


async def search(client: httpx.AsyncClient, owner: Person, q: str) -> dict[str, Any]:
    response = await client.get("/api/v1/orgs/acme/questions", params={"q": q},
                                headers=owner.auth)  # fmt: skip
    assert response.status_code == 200, response.text
    return dict(response.json())


def ids(body: dict[str, Any]) -> set[str]:
    return {item["id"] for item in body["items"]}


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_bank_written_before_0003_is_found_after_it_and_after_going_back(
    engine: str, tmp_path: Path
) -> None:
    url = await fresh_database_url(engine, tmp_path)
    # A bank written by today's code, then taken back to the 0002 schema (whose downgrade
    # refills 0002's index): today's code cannot run on 0002, whose tables it outgrew.
    await asyncio.to_thread(migrations.upgrade, url)
    async with running(url) as (app, client):
        owner = await sign_up(client, "owner")
        org = await make_org(client, owner, slug="acme")
        track = await make_track(client, "acme", owner)
        other = await make_org(client, owner, slug="other")
        other_track = await make_track(client, "other", owner)
        t = topic_ids(track)
        old = await write_questions(app, org["id"], str(track["id"]), [
            Spec("Lineage lets Spark recompute a lost partition.", t["cluster"], tags=["core"]),
            Spec("Broadcast joins ship the small side.", t["execution"]),
            Spec("Lineage again, with a shuffle.", t["dataframes"], tags=["core", "memory"]),
        ])  # fmt: skip
        await write_questions(app, other["id"], str(other_track["id"]), [
            Spec("Lineage in another organisation.", topic_ids(other_track)["cluster"])
        ])  # fmt: skip
    await asyncio.to_thread(migrations.downgrade, url, "0002")
    assert {old[0].id, old[2].id} <= await found_by_0002(url, "lineage")

    await asyncio.to_thread(migrations.upgrade, url)
    async with running(url) as (app, client):
        body = await search(client, owner, "lineage")
        assert ids(body) == {old[0].id, old[2].id}
        assert body["facets"]["tag"] == [{"value": "core", "count": 2},
                                         {"value": "memory", "count": 1}]  # fmt: skip
        # From now on the index follows questions written, changed and deleted.
        [new] = await write_questions(app, org["id"], str(track["id"]), [
            Spec("Lineage of a question written after the migration.", t["cluster"])])  # fmt: skip
        async with app.state.db.unit_of_work() as session:
            table = Question.__table__
            changed, gone = uuid.UUID(old[1].id), uuid.UUID(old[0].id)
            await session.execute(
                table.update().where(table.c.id == changed).values(search_text="Lineage now.")
            )
            await session.execute(table.delete().where(table.c.id == gone))
        assert ids(await search(client, owner, "lineage")) == {old[1].id, old[2].id, new.id}
        assert ids(await search(client, owner, "broadcast")) == set()  # the old text is forgotten
        assert ids(await search(client, owner, "recompute")) == set()  # and the deleted one's

    await asyncio.to_thread(migrations.downgrade, url, "0002")
    assert await found_by_0002(url, "lineage") >= {old[1].id, old[2].id, new.id}
    assert await found_by_0002(url, "broadcast") == set()


async def test_0006_counts_a_bank_written_before_it_and_goes_back_cleanly(tmp_path: Path) -> None:
    url = await fresh_database_url("sqlite", tmp_path)
    await asyncio.to_thread(migrations.upgrade, url, "0005")
    async with running(url) as (app, client):
        owner = await sign_up(client, "owner")
        org = await make_org(client, owner, slug="acme")
        track = await make_track(client, "acme", owner)
        t = topic_ids(track)
        old = await write_questions(app, org["id"], str(track["id"]), [
            Spec("Lineage lets Spark recompute a lost partition.", t["cluster"], tags=["core"]),
            Spec("Broadcast joins ship the small side.", t["execution"], status="published"),
        ])  # fmt: skip
    await asyncio.to_thread(migrations.upgrade, url)
    async with running(url) as (app, client):
        body = await search(client, owner, "lineage")
        assert ids(body) == {old[0].id}
        assert body["facets"]["tag"] == [{"value": "core", "count": 1}]
        [new] = await write_questions(app, org["id"], str(track["id"]), [
            Spec("Lineage after 0006.", t["cluster"], tags=["core"])])  # fmt: skip
        body = await search(client, owner, "lineage")
        assert ids(body) == {old[0].id, new.id}
        assert body["facets"]["tag"] == [{"value": "core", "count": 2}]
    await asyncio.to_thread(migrations.downgrade, url, "0005")
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            left = await connection.execute(text(
                "SELECT name FROM sqlite_master WHERE name LIKE 'question_bank%' "
                "OR name LIKE 'question_tags_%'"))  # fmt: skip
            assert left.all() == []
    finally:
        await engine.dispose()
