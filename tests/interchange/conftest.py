"""An organisation `acme` with an owner and an author, a track, and a job worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from studyhall.jobs.worker import Worker
from tests.factories import Person, add_member, make_org, make_track, sign_up

ORG = "acme"


@pytest.fixture
async def owner(client: httpx.AsyncClient) -> Person:
    person = await sign_up(client, "owner")
    await make_org(client, person, slug=ORG)
    return person


@pytest.fixture
async def author(client: httpx.AsyncClient, owner: Person) -> Person:
    person = await sign_up(client, "author")
    await add_member(client, ORG, owner, person, "author")
    return person


@pytest.fixture
async def track(client: httpx.AsyncClient, owner: Person) -> dict[str, Any]:
    return await make_track(client, ORG, owner)


@pytest.fixture
async def worker(app: FastAPI) -> AsyncIterator[Worker]:
    made = Worker(app.state.job_runtime, concurrency=1, run_schedules=False)
    yield made
    await made.stop(grace=0)
