"""The shared fixtures keep their promise: every test starts with empty tables.

`empty_all_tables` empties only the tables it finds in use, so what it must find is checked
here on each engine: rows in any table, and (PostgreSQL) an id sequence that moved even though
its rows are gone.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from studyhall.audit.models import AuditEvent
from studyhall.models import metadata
from tests.conftest import empty_all_tables
from tests.factories import make_org, sign_up


async def row_counts(app: FastAPI) -> dict[str, int]:
    async with app.state.db.unit_of_work(write=False) as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in metadata.sorted_tables
        }


async def test_emptying_leaves_every_table_empty_and_ids_starting_again(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    assert not any((await row_counts(app)).values()), "the test began with rows"
    owner = await sign_up(client, "owner")
    await make_org(client, owner, slug="fixtures")
    written = {name for name, count in (await row_counts(app)).items() if count}
    assert {"users", "orgs", "memberships", "audit_events"} <= written

    await empty_all_tables(app)

    assert not any((await row_counts(app)).values())
    owner = await sign_up(client, "owner")
    await make_org(client, owner, slug="fixtures")
    async with app.state.db.unit_of_work(write=False) as session:
        first_id = await session.scalar(select(func.min(AuditEvent.id)))
    assert first_id == 1, "the audit log's ids must start again at 1"


async def test_ids_start_again_after_a_test_removed_its_own_rows(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The table is empty but, on PostgreSQL, its sequence has moved on: it is still used."""
    owner = await sign_up(client, "owner")
    await make_org(client, owner, slug="fixtures")
    async with app.state.db.unit_of_work() as session:
        await session.execute(AuditEvent.__table__.delete())

    await empty_all_tables(app)

    owner = await sign_up(client, "owner")
    await make_org(client, owner, slug="fixtures")
    async with app.state.db.unit_of_work(write=False) as session:
        first_id = await session.scalar(select(func.min(AuditEvent.id)))
    assert first_id == 1
