"""Tenancy walk plugin: The question bank: questions, search, media."""

from __future__ import annotations

from studyhall.orgs.roles import Role
from tests.bank.helpers import choice
from tests.walk.world import Entries, World

QUESTION = "/api/v1/orgs/{org}/questions/{question_id}"
SECRET_STEM = "Secret stem of the walk's question"

ENTRIES: Entries = {
    ("POST", "/api/v1/orgs/{org}/tracks/{track_id}/questions"): (
        "org:questions:write",
        lambda w: ({"track_id": w.ids["track"]}, choice(w.ids["topic"], stem="New question"))),
    ("GET", QUESTION): ("org:questions:read", lambda w: ({"question_id": w.ids["question"]}, None)),
    ("PUT", QUESTION): (
        "org:questions:write",
        lambda w: ({"question_id": w.ids["spare_question"]}, choice(w.ids["topic"], stem="Edit"))),
    ("GET", QUESTION + "/versions"): (
        "org:questions:read", lambda w: ({"question_id": w.ids["question"]}, None)),
    ("GET", QUESTION + "/versions/{number}"): (
        "org:questions:read", lambda w: ({"question_id": w.ids["question"], "number": "1"}, None)),
    ("GET", QUESTION + "/diff"): (
        "org:questions:read", lambda w: ({"question_id": w.ids["question"]}, None)),
    # The spare question is a draft; the draft question is in review, written by the author,
    # so that every caller allowed to review (owner, admin, reviewer, keys the owner made)
    # is someone other than its author.
    ("POST", QUESTION + "/submit"): (
        "org:questions:write", lambda w: ({"question_id": w.ids["spare_question"]}, None)),
    ("POST", QUESTION + "/approve"): (
        "org:questions:review", lambda w: ({"question_id": w.ids["draft_question"]}, None)),
    ("POST", QUESTION + "/send-back"): (
        "org:questions:review",
        lambda w: ({"question_id": w.ids["draft_question"]}, {"comment": "Please cite a source."})),
    ("POST", QUESTION + "/retire"): (
        "org:questions:review", lambda w: ({"question_id": w.ids["spare_question"]}, None)),
    ("GET", "/api/v1/orgs/{org}/review-queue"): ("org:questions:review", lambda w: ({}, None)),
}  # fmt: skip


async def extend(world: World) -> None:
    """As `home`'s author: one published question (approved by the reviewer), one in review,
    and a spare draft; their ids in world.ids (`question`, its published `version`,
    `draft_question`, `spare_question`)."""
    client, author = world.client, world.members[Role.AUTHOR]
    questions = f"/api/v1/orgs/home/tracks/{world.ids['track']}/questions"

    async def write(name: str, stem: str, *steps: tuple[str, Role]) -> dict[str, object]:
        made = await client.post(questions, json=choice(world.ids["topic"], stem=stem),
                                 headers=author.auth)  # fmt: skip
        assert made.status_code == 201, made.text
        world.ids[name] = made.json()["id"]
        answer = dict(made.json())
        for action, role in steps:
            done = await client.post(f"/api/v1/orgs/home/questions/{world.ids[name]}/{action}",
                                     headers=world.members[role].auth)  # fmt: skip
            assert done.status_code == 200, done.text
            answer = dict(done.json())
        return answer

    published = await write(
        "question", SECRET_STEM, ("submit", Role.AUTHOR), ("approve", Role.REVIEWER)
    )
    world.ids["version"] = str(published["published_version_id"])
    await write("draft_question", "Waiting for review", ("submit", Role.AUTHOR))
    await write("spare_question", "A spare draft")
    world.secrets.append(SECRET_STEM)
