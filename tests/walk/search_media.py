"""Tenancy walk plugin: searching the bank, and media (uploading, listing, serving images)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image

from studyhall.orgs.roles import Role
from tests.walk.world import Entries, World

SECRET_NAME = "Secret walk diagram.png"


@dataclass(frozen=True)
class Upload:
    """A multipart body: the walk sends `files` instead of JSON for samples of this kind."""

    files: dict[str, Any]


def png(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), color).save(out, format="PNG")
    return out.getvalue()


ENTRIES: Entries = {
    ("GET", "/api/v1/orgs/{org}/questions"): (
        "org:questions:read", lambda w: ({"?": "q=question&type=single_choice"}, None)),
    ("POST", "/api/v1/orgs/{org}/media"): (
        "org:questions:write",
        lambda w: ({}, Upload({"file": ("new.png", png("navy"), "image/png")}))),
    ("GET", "/api/v1/orgs/{org}/media"): ("org:questions:read", lambda w: ({}, None)),
    ("GET", "/api/v1/orgs/{org}/media/{media_id}"): (
        "org:org:read", lambda w: ({"media_id": w.ids["media"]}, None)),
}  # fmt: skip


async def extend(world: World) -> None:
    """One image in `home`, uploaded by its owner; its id is world.ids["media"]."""
    response = await world.client.post(
        "/api/v1/orgs/home/media",
        files={"file": (SECRET_NAME, png("olive"), "image/png")},
        headers=world.members[Role.OWNER].auth,
    )
    assert response.status_code == 201, response.text
    world.ids["media"] = response.json()["id"]
    world.secrets.append(SECRET_NAME)
