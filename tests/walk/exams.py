"""Tenancy walk plugin: exam tracks (and, later, attempts)."""

from __future__ import annotations

from studyhall.orgs.roles import Role
from tests.factories import leaf_topics, make_track, track_payload
from tests.walk.world import Entries, World

ENTRIES: Entries = {
    ("POST", "/api/v1/orgs/{org}/tracks"): (
        "org:tracks:manage", lambda w: ({}, track_payload(slug="walk-new"))),
    ("GET", "/api/v1/orgs/{org}/tracks"): ("org:org:read", lambda w: ({}, None)),
    ("GET", "/api/v1/orgs/{org}/tracks/{track_id}"): (
        "org:org:read", lambda w: ({"track_id": w.ids["track"]}, None)),
    # Edits and deletion use a spare track that no question uses.
    ("PUT", "/api/v1/orgs/{org}/tracks/{track_id}"): (
        "org:tracks:manage",
        lambda w: ({"track_id": w.ids["spare_track"]}, track_payload(slug="spare"))),
    # A proposal writes nothing; applying the spare track's own tree changes nothing.
    ("POST", "/api/v1/orgs/{org}/tracks/{track_id}/syllabus/proposals"): (
        "org:tracks:manage",
        lambda w: ({"track_id": w.ids["spare_track"]}, {"text": "DIREITO\n1 Penal"})),
    ("POST", "/api/v1/orgs/{org}/tracks/{track_id}/syllabus/apply"): (
        "org:tracks:manage",
        lambda w: ({"track_id": w.ids["spare_track"]}, {"topics": track_payload()["topics"]})),
    ("DELETE", "/api/v1/orgs/{org}/tracks/{track_id}"): (
        "org:tracks:manage", lambda w: ({"track_id": w.ids["spare_track"]}, None)),
}  # fmt: skip


async def extend(world: World) -> None:
    owner = world.members[Role.OWNER]
    track = await make_track(world.client, "home", owner, slug="walk", name="Secret Syllabus Track")
    spare = await make_track(world.client, "home", owner, slug="spare")
    world.ids["track"] = str(track["id"])
    world.ids["topic"] = str(leaf_topics(track)[0]["id"])
    world.ids["spare_track"] = str(spare["id"])
    world.secrets.append("Secret Syllabus Track")
