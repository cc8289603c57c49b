"""Tenancy walk plugin: the calendar feed (its secret address is the key) and the learner's
"Calendar & reminders" page."""

from __future__ import annotations

import re

from studyhall.orgs.roles import Role
from tests.walk.world import Entries, FormBody, World

PAGE = "/o/{org}/reminders"
TAKE = "org:attempts:take"


def form(w: World, **fields: str) -> FormBody:
    return FormBody(csrf_token=w.ids["csrf"], **fields)


ENTRIES: Entries = {
    ("GET", "/calendar/{token}.ics"): ("public", lambda w: ({"token": w.ids["feed_token"]}, None)),
    ("GET", PAGE): (TAKE, lambda w: ({}, None)),
    ("POST", PAGE): (TAKE, lambda w: (
        {}, form(w, daily_agenda="on", agenda_hour="7", time_zone="Europe/Lisbon"))),
    ("POST", PAGE + "/feed"): (TAKE, lambda w: ({}, form(w))),
    ("POST", PAGE + "/feed/rotate"): (TAKE, lambda w: ({}, form(w))),
    ("POST", PAGE + "/test"): (TAKE, lambda w: ({}, form(w))),
}  # fmt: skip


async def extend(world: World) -> None:
    """The owner's calendar address in `home` (a secret to everyone else), which no step of
    the walk replaces: each caller rotates only their own."""
    owner = world.members[Role.OWNER]
    made = await world.client.post("/o/home/reminders/feed", headers=owner.auth)
    assert made.status_code == 303, made.text
    shown = await world.client.get("/o/home/reminders", headers=owner.auth)
    found = re.search(r"/calendar/(shc_[A-Za-z0-9_-]+)\.ics", shown.text)
    assert found, shown.text[:300]
    world.ids["feed_token"] = found.group(1)
    world.secrets.append(found.group(1))
