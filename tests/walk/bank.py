"""Tenancy walk plugin: The question bank: questions, search, media."""

from __future__ import annotations

from tests.walk.world import Entries, World

ENTRIES: Entries = {}


async def extend(world: World) -> None:
    """Create this domain's objects in `home` (as its owner) and note their ids in world.ids."""
