"""Tenancy walk plugin: review cards (the learner flags a question of a practice attempt, which
makes a card) and review settings."""

from __future__ import annotations

from studyhall.orgs.roles import Role
from tests.walk.web import form
from tests.walk.world import Entries, World

CARDS = "/api/v1/orgs/{org}/review-cards"
TAKE = "org:attempts:take"

ENTRIES: Entries = {
    ("GET", CARDS): (TAKE, lambda w: ({"?": "due=false"}, None)),
    ("GET", CARDS + "/{card_id}"): (TAKE, lambda w: ({"card_id": w.ids["review_card"]}, None)),
    ("POST", CARDS + "/{card_id}/grade"): (
        TAKE, lambda w: ({"card_id": w.ids["review_card"]}, {"rating": "good"})),
    ("POST", "/api/v1/orgs/{org}/tracks/{track_id}/review-sessions"): (
        TAKE, lambda w: ({"track_id": w.ids["track"]}, None)),
    ("GET", "/api/v1/orgs/{org}/review-settings"): (TAKE, lambda w: ({}, None)),
    ("PUT", "/api/v1/orgs/{org}/review-settings"): (
        TAKE, lambda w: ({}, {"desired_retention": 0.85})),
    # Pages
    ("GET", "/o/{org}/reviews"): (TAKE, lambda w: ({}, None)),
    ("POST", "/o/{org}/tracks/{track_id}/review-session"): (
        TAKE, lambda w: ({"track_id": w.ids["track"]}, form(w))),
    ("POST", "/o/{org}/reviews/{card_id}/grade"): (
        TAKE, lambda w: ({"card_id": w.ids["review_card"]}, form(w, rating="good"))),
    ("POST", "/o/{org}/reviews/settings"): (
        TAKE, lambda w: ({}, form(w, desired_retention="0.85"))),
}  # fmt: skip

# Cards are personal: the walk's card is the learner's, so every other member is told it does
# not exist. The learner's card is a question card, graded by answering it in a session (409);
# nothing is due today, so a session is refused with 409 `no-questions`.
ALLOWED_REFUSALS = {
    ("GET", CARDS + "/{card_id}"): {404},
    ("POST", CARDS + "/{card_id}/grade"): {404, 409},
    ("POST", "/api/v1/orgs/{org}/tracks/{track_id}/review-sessions"): {409},
    ("POST", "/o/{org}/tracks/{track_id}/review-session"): {409},
    ("POST", "/o/{org}/reviews/{card_id}/grade"): {404, 409},
}


async def extend(world: World) -> None:
    learner = world.members[Role.LEARNER]
    client = world.client
    started = await client.post(
        f"/api/v1/orgs/home/tracks/{world.ids['track']}/attempts",
        json={"mode": "practice", "count": 1},
        headers=learner.auth,
    )
    assert started.status_code == 201, started.text
    attempt = started.json()["id"]
    flagged = await client.put(
        f"/api/v1/orgs/home/attempts/{attempt}/answers/1", json={"flagged": True},
        headers=learner.auth,
    )  # fmt: skip
    assert flagged.status_code == 200, flagged.text
    submitted = await client.post(
        f"/api/v1/orgs/home/attempts/{attempt}/submit", headers=learner.auth
    )
    assert submitted.status_code == 200, submitted.text
    found = await client.get("/api/v1/orgs/home/review-cards", headers=learner.auth)
    assert found.status_code == 200, found.text
    world.ids["review_card"] = found.json()["items"][0]["id"]
