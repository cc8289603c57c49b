"""Tenancy walk plugin: importing question files (upload, progress, report) and exporting."""

from __future__ import annotations

from studyhall.orgs.roles import Role
from tests.walk.search_media import Upload
from tests.walk.world import Entries, World

IMPORTS = "/api/v1/orgs/{org}/tracks/{track_id}/imports"
SECRET_FILE = "Secret walk bank.gift"
GIFT = b"Which walk question is this? {=The imported one ~Another}\n"

ENTRIES: Entries = {
    ("POST", IMPORTS): (
        "org:questions:write",
        lambda w: ({"track_id": w.ids["track"]}, Upload({"file": ("new.gift", GIFT)}))),
    ("GET", IMPORTS + "/{import_id}"): (
        "org:questions:write",
        lambda w: ({"track_id": w.ids["track"], "import_id": w.ids["import"]}, None)),
    ("GET", IMPORTS + "/{import_id}/report"): (
        "org:questions:write",
        lambda w: ({"track_id": w.ids["track"], "import_id": w.ids["import"]}, None)),
    ("GET", "/api/v1/orgs/{org}/tracks/{track_id}/export"): (
        "org:questions:read", lambda w: ({"track_id": w.ids["track"], "?": "format=gift"}, None)),
}  # fmt: skip


async def extend(world: World) -> None:
    """One import (queued: no worker runs in the walk) in `home`: world.ids["import"]."""
    response = await world.client.post(
        f"/api/v1/orgs/home/tracks/{world.ids['track']}/imports",
        files={"file": (SECRET_FILE, GIFT)},
        data={"dry_run": "true"},
        headers=world.members[Role.OWNER].auth,
    )
    assert response.status_code == 202, response.text
    world.ids["import"] = response.json()["id"]
    world.secrets.append(SECRET_FILE)
