"""An organisation `acme` with an owner, an author, a reviewer and a learner, and a track."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.bank.helpers import ORG
from tests.factories import Person, add_member, leaf_topics, sign_up


@pytest.fixture
async def reviewer(client: httpx.AsyncClient, owner: Person) -> Person:
    person = await sign_up(client, "reviewer")
    await add_member(client, ORG, owner, person, "reviewer")
    return person


@pytest.fixture
def leaf(track: dict[str, Any]) -> str:
    return str(leaf_topics(track)[0]["id"])
