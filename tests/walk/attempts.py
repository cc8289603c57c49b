"""Tenancy walk plugin: attempts (they need the published question of the bank plugin)."""

from __future__ import annotations

from studyhall.orgs.roles import Role
from tests.factories import choice_question, publish_question
from tests.walk.world import Entries, World

ATTEMPTS = "/api/v1/orgs/{org}/attempts"

ENTRIES: Entries = {
    ("POST", "/api/v1/orgs/{org}/tracks/{track_id}/attempts"): (
        "org:attempts:take",
        lambda w: ({"track_id": w.ids["track"]}, {"mode": "practice", "count": 1})),
    ("GET", ATTEMPTS): ("org:attempts:take", lambda w: ({}, None)),
    ("GET", ATTEMPTS + "/{attempt_id}"): (
        "org:attempts:take", lambda w: ({"attempt_id": w.ids["attempt"]}, None)),
    ("PUT", ATTEMPTS + "/{attempt_id}/answers/{position}"): (
        "org:attempts:take",
        lambda w: ({"attempt_id": w.ids["attempt"], "position": "1"}, {"flagged": True})),
    ("POST", ATTEMPTS + "/{attempt_id}/submit"): (
        "org:attempts:take", lambda w: ({"attempt_id": w.ids["attempt"]}, None)),
    ("GET", ATTEMPTS + "/{attempt_id}/review"): (
        "org:attempts:take", lambda w: ({"attempt_id": w.ids["submitted_attempt"]}, None)),
    ("GET", "/api/v1/me/progress"): (
        "signed-in", lambda w: ({"?": f"track={w.ids['track']}"}, None)),
}  # fmt: skip

# Attempts are personal: the walk's attempts are the learner's, so every other member who may
# take attempts is told they do not exist; progress in a track is only for its members.
PERSONAL = {404}
ALLOWED_REFUSALS = {
    ("GET", ATTEMPTS + "/{attempt_id}"): PERSONAL,
    ("PUT", ATTEMPTS + "/{attempt_id}/answers/{position}"): PERSONAL,
    ("POST", ATTEMPTS + "/{attempt_id}/submit"): PERSONAL,
    ("GET", ATTEMPTS + "/{attempt_id}/review"): PERSONAL,
    ("GET", "/api/v1/me/progress"): PERSONAL,
}


async def extend(world: World) -> None:
    members = world.members
    await publish_question(
        world.client,
        "home",
        world.ids["track"],
        members[Role.AUTHOR],
        members[Role.REVIEWER],
        choice_question(world.ids["topic"]),
    )
    learner = members[Role.LEARNER]
    url = f"/api/v1/orgs/home/tracks/{world.ids['track']}/attempts"
    body = {"mode": "practice", "count": 1}
    for name in ("attempt", "submitted_attempt"):
        started = await world.client.post(url, json=body, headers=learner.auth)
        assert started.status_code == 201, started.text
        world.ids[name] = started.json()["id"]
    submitted = await world.client.post(
        f"/api/v1/orgs/home/attempts/{world.ids['submitted_attempt']}/submit", headers=learner.auth
    )
    assert submitted.status_code == 200, submitted.text
