"""The walk's world, built once per database and then restored from its rows.

Building the world takes some forty requests (people signed up and signed in, an organisation,
tracks, questions through review, attempts, a webhook, an upload, an import). The walk needs
that same world, freshly built, for every route and again after every write that went through:
hundreds of builds. A build's result is only what it leaves behind — the rows of every table,
the files it stored (media, kept import uploads) and the cookies of the walk's browser — so the
first build is kept, and every later world is those rows written back into the emptied tables,
those files put back if a test removed them, and those cookies set again.

What the routes then see is what a rebuild would have given them: the same rows (the same
organisations, members, sessions, questions, attempts, webhook and import; the clock is frozen,
so the same times too), the same files, the same CSRF cookie; only ids differ from a rebuild's,
and no route's answer depends on which random ids it got. Rows go back in with the database's
own triggers running (SQLite's full-text index and bank generations are filled as for any
insert); foreign keys are checked at commit on SQLite and left to the snapshot's consistency on
PostgreSQL, since rows are written back table by table whatever order their references need.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http.cookiejar import Cookie
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Integer, insert, select, text

from studyhall.models import metadata
from tests.walk.world import World


@dataclass(frozen=True)
class Snapshot:
    world: World
    rows: dict[str, list[dict[str, Any]]]  # table name -> its rows, in table order
    files: dict[Path, bytes]  # what the build stored on disk, by path
    cookies: list[Cookie]


def stored_files(data_dir: Path) -> set[Path]:
    """Every file under the data directory (media, kept import uploads, ...)."""
    return {path for path in data_dir.rglob("*") if path.is_file()} if data_dir.exists() else set()


async def take(app: FastAPI, world: World, files_before: set[Path]) -> Snapshot:
    """The world as it stands right after its build: every table's rows, the files the build
    wrote, the cookies the walk's client holds."""
    rows: dict[str, list[dict[str, Any]]] = {}
    async with app.state.db.unit_of_work(write=False) as session:
        for table in metadata.sorted_tables:
            found = (await session.execute(select(table))).mappings().all()
            if found:
                rows[table.name] = [dict(row) for row in found]
    data_dir: Path = app.state.settings.data_dir
    files = {path: path.read_bytes() for path in stored_files(data_dir) - files_before}
    cookies = [copy.copy(cookie) for cookie in world.client.cookies.jar]
    return Snapshot(world, rows, files, cookies)


async def restore(app: FastAPI, client: httpx.AsyncClient, snapshot: Snapshot) -> World:
    """The snapshot's world again, in tables the caller has just emptied, for `client`."""
    postgres = app.state.db.dialect == "postgresql"
    async with app.state.db.unit_of_work() as session:
        if postgres:
            # Foreign keys are enforced by triggers, which the replica role leaves out for
            # this transaction only: rows of tables that refer to each other go in at once.
            await session.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            await session.execute(text("PRAGMA defer_foreign_keys = ON"))
        for table in metadata.sorted_tables:
            if rows := snapshot.rows.get(table.name):
                await session.execute(insert(table), rows)
        if postgres:
            await _move_sequences_past_restored_ids(session, snapshot)
    for path, content in snapshot.files.items():
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    for cookie in snapshot.cookies:
        client.cookies.jar.set_cookie(copy.copy(cookie))
    world = snapshot.world
    return dataclasses.replace(
        world, client=client, ids=dict(world.ids), secrets=list(world.secrets)
    )


async def _move_sequences_past_restored_ids(session: Any, snapshot: Snapshot) -> None:
    """Rows written back with their integer ids leave each sequence where TRUNCATE put it;
    the next row made would collide with a restored one."""
    for table in metadata.sorted_tables:
        if not snapshot.rows.get(table.name):
            continue
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer) and column.autoincrement in (True, "auto"):
                await session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence(:table, :column), "  # noqa: S608
                        f'(SELECT max("{column.name}") FROM "{table.name}"))'
                    ),
                    {"table": table.name, "column": column.name},
                )


Build = Callable[[httpx.AsyncClient], Awaitable[World]]


class Worlds:
    """The walk's worlds, one snapshot per database (so per engine)."""

    def __init__(self, build: Build) -> None:
        self._build = build
        self._snapshots: dict[str, Snapshot] = {}

    async def fresh(self, app: FastAPI, client: httpx.AsyncClient) -> World:
        """The world, just built, in tables that hold nothing else: the first time built
        through the API, afterwards restored from that build's snapshot."""
        url = str(app.state.settings.database_url)
        if (snapshot := self._snapshots.get(url)) is not None:
            return await restore(app, client, snapshot)
        files_before = stored_files(app.state.settings.data_dir)
        world = await self._build(client)
        self._snapshots[url] = await take(app, world, files_before)
        return world
