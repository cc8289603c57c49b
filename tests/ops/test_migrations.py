"""The migrations are the only way the schema is made: they must go up, come down, and agree
with the models, on every engine."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from studyhall.models import metadata
from studyhall.ops import migrations
from tests.conftest import ENGINES, fresh_database_url


async def _with_connection(url: str, work: Any) -> Any:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _differences(connection: Connection) -> list[Any]:
    # The same comparison `alembic revision --autogenerate` makes (types included).
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": migrations.include_object}
    )
    return list(compare_metadata(context, metadata))


async def _current(url: str) -> str | None:
    engine = create_async_engine(url)
    try:
        return await migrations.current_revision(engine)
    finally:
        await engine.dispose()


def test_there_is_one_head() -> None:
    """Two migrations written in parallel on the same parent must be merged before release."""
    script = ScriptDirectory.from_config(migrations.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


@pytest.mark.parametrize("engine", ENGINES)
async def test_every_migration_goes_up_and_comes_back_down(engine: str, tmp_path: Path) -> None:
    url = await fresh_database_url(engine, tmp_path)
    script = ScriptDirectory.from_config(migrations.alembic_config(url))
    oldest_first = list(reversed(list(script.walk_revisions())))

    # Up one step at a time, so each migration runs on the schema it was written for.
    for revision in oldest_first:
        await asyncio.to_thread(migrations.upgrade, url, revision.revision)
        assert await _current(url) == revision.revision
    assert await _current(url) == migrations.head_revision()
    at_head = await _with_connection(url, _tables)
    assert set(metadata.tables) <= at_head

    # Down one step at a time: every downgrade must undo its upgrade.
    for revision in reversed(oldest_first):
        await asyncio.to_thread(migrations.downgrade, url, "-1")
        assert await _current(url) == revision.down_revision
    assert await _with_connection(url, _tables) == set()

    await asyncio.to_thread(migrations.upgrade, url)
    assert await _with_connection(url, _tables) == at_head
    # After the round trip, the schema still matches the models exactly.
    assert await _with_connection(url, _differences) == []


@pytest.mark.parametrize("engine", ENGINES)
async def test_the_models_match_the_migrations(engine: str, tmp_path: Path) -> None:
    """A model changed without a migration shows up here, as autogenerate would see it."""
    url = await fresh_database_url(engine, tmp_path)
    await asyncio.to_thread(migrations.upgrade, url)
    differences = await _with_connection(url, _differences)
    assert differences == [], (
        "models and migrations differ; write a migration "
        "(`alembic revision --autogenerate`) and review it:\n" + "\n".join(map(str, differences))
    )
