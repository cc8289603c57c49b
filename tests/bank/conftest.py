"""An organisation `acme` with an owner, an author, a reviewer and a learner, and a track."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.bank.helpers import ORG
from tests.factories import Person, add_member, leaf_topics, make_org, make_track, sign_up


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
async def reviewer(client: httpx.AsyncClient, owner: Person) -> Person:
    person = await sign_up(client, "reviewer")
    await add_member(client, ORG, owner, person, "reviewer")
    return person


@pytest.fixture
async def track(client: httpx.AsyncClient, owner: Person) -> dict[str, Any]:
    return await make_track(client, ORG, owner)


@pytest.fixture
def leaf(track: dict[str, Any]) -> str:
    return str(leaf_topics(track)[0]["id"])
