"""A dry run keeps its file so that it can be imported for real (the web app's button); a
real import removes its file when it ends; kept files nobody followed up go after a day."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from studyhall.interchange import runs
from studyhall.interchange.models import ImportRun
from studyhall.jobs.worker import Worker
from studyhall.kit.clock import FrozenClock
from studyhall.kit.context import Context
from studyhall.kit.errors import Conflict
from studyhall.orgs.models import Org
from tests.acme import ORG
from tests.factories import Person
from tests.interchange.test_imports_api import GIFT, imported


async def file_of(app: FastAPI, import_id: str) -> Path | None:
    async with app.state.db.unit_of_work() as session:
        run = await session.get(ImportRun, UUID(import_id))
        assert run is not None
        key = run.file_key
    return runs.file_path(app.state.settings.data_dir, key) if key else None


async def test_a_dry_runs_file_is_kept_until_run_for_real_then_removed(
    app: FastAPI, client: httpx.AsyncClient, worker: Worker, track: dict[str, Any],
    author: Person, clock: FrozenClock,
) -> None:  # fmt: skip
    dry, _ = await imported(client, worker, track, author, "bank.gift", GIFT.encode(),
                            dry_run="true")  # fmt: skip
    assert dry["status"] == "done"
    kept = await file_of(app, dry["id"])
    assert kept is not None
    assert kept.read_bytes() == GIFT.encode()

    real, _ = await imported(client, worker, track, author, "bank.gift", GIFT.encode())
    assert real["status"] == "done"
    real_file = await file_of(app, real["id"])
    assert real_file is not None
    assert not real_file.exists()  # removed when the import ended

    async with app.state.db.unit_of_work() as session:
        org = (await session.scalars(select(Org).where(Org.slug == ORG))).one()
        ctx = Context(session=session, clock=clock, request_id="test", user_id=UUID(author.id))
        again = await runs.run_for_real(
            ctx, org, UUID(str(track["id"])), UUID(dry["id"]),
            data_dir=app.state.settings.data_dir,
        )  # fmt: skip
        assert again.options["dry_run"] is False
        assert runs.file_path(app.state.settings.data_dir, again.file_key or "") == kept
        with pytest.raises(Conflict, match="gone"):
            await runs.run_for_real(
                ctx, org, UUID(str(track["id"])), UUID(dry["id"]),
                data_dir=app.state.settings.data_dir,
            )  # fmt: skip
    await worker.run_until_idle()
    assert not kept.exists()  # the real import took the file over and removed it


async def test_kept_files_nobody_followed_up_go_after_a_day(
    app: FastAPI, client: httpx.AsyncClient, worker: Worker, track: dict[str, Any],
    author: Person, clock: FrozenClock,
) -> None:  # fmt: skip
    dry, _ = await imported(client, worker, track, author, "old.gift", GIFT.encode(),
                            dry_run="true")  # fmt: skip
    kept = await file_of(app, dry["id"])
    assert kept is not None
    assert kept.exists()

    clock.advance(timedelta(hours=23))
    await imported(client, worker, track, author, "new.gift", GIFT.encode(), dry_run="true")
    assert kept.exists()  # not a day old yet

    clock.advance(timedelta(hours=2))
    await imported(client, worker, track, author, "newer.gift", GIFT.encode(), dry_run="true")
    assert not kept.exists()
    assert await file_of(app, dry["id"]) is None
