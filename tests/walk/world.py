"""The world the tenancy walk runs in; domain plugins add their own objects to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from studyhall.orgs.roles import Role
from tests.factories import Person


@dataclass
class World:
    """Organisation `home` with one member per role, a target member, an invitation and a key;
    organisation `away` whose owner is the outsider."""

    client: httpx.AsyncClient
    org: dict[str, str]
    members: dict[Role, Person]
    target: Person
    invitation_id: str
    invitation_token: str
    key_id: str
    outsider: Person
    away: dict[str, str]
    secrets: list[str] = field(default_factory=list)
    # Ids of domain objects in `home`, by name ("track", "question", …), from plugins.
    ids: dict[str, str] = field(default_factory=dict)


# What a route is called with: (path parameters, JSON body), from the world's objects.
Sample = Callable[[World], tuple[dict[str, str], Any]]
# A plugin's routes: (method, path) -> (the access rule it must declare, its sample call).
Entries = dict[tuple[str, str], tuple[str, Sample]]
Extend = Callable[[World], Awaitable[None]]


class FormBody(dict[str, str]):
    """A sample body sent as an HTML form (pages), not as JSON."""
