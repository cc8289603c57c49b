"""Fixtures for tests of one organisation's content: `acme`, its owner, an author and a track.

A plugin of the root conftest (`pytest_plugins`), so every test package may use them; a
package that needs other people or another organisation defines its own.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

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
