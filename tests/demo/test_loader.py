"""The bundled demo tracks load through the real services and make working exams."""

from __future__ import annotations

from collections import Counter
from uuid import UUID

import httpx
from fastapi import FastAPI

from studyhall.demo.loader import bundled_tracks, load_track
from studyhall.kit.context import Context
from studyhall.orgs import service as orgs
from tests.factories import Person, add_member, leaf_topics, make_org, sign_up


async def test_the_demo_tracks_load_and_a_simulation_follows_their_blueprint(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    owner = await sign_up(client, "owner")
    await make_org(client, owner, slug="demo")
    people: dict[str, Person] = {}
    for role in ("author", "reviewer", "learner"):
        people[role] = await sign_up(client, role)
        await add_member(client, "demo", owner, people[role], role)
    async with app.state.db.unit_of_work() as session:
        ctx = Context(session=session, clock=app.state.clock, request_id="test")
        org = await orgs.get_org_by_slug(ctx, "demo")
        assert org is not None
        loaded = [await load_track(ctx, org, data, author_id=UUID(people["author"].id),
                                   reviewer_id=UUID(people["reviewer"].id))
                  for data in bundled_tracks()]  # fmt: skip
    assert len(loaded) == 2
    spark = next(t for t in loaded if t.slug == "spark-delta-associate")
    assert spark.questions >= 60
    track = (
        await client.get(
            f"/api/v1/orgs/demo/tracks/{spark.track_id}", headers=people["learner"].auth
        )
    ).json()
    started = await client.post(
        f"/api/v1/orgs/demo/tracks/{spark.track_id}/attempts",
        json={"mode": "simulation"},
        headers=people["learner"].auth,
    )
    assert started.status_code == 201, started.text
    questions = started.json()["questions"]
    assert len(questions) == track["exam_length"]
    counts = Counter(q["topic_id"] for q in questions)
    for leaf in leaf_topics(track):
        quota = track["exam_length"] * leaf["exam_share"] / 100
        assert abs(counts[leaf["id"]] - quota) < 1, (leaf["name"], counts[leaf["id"]], quota)
    assert len({q["type"] for q in questions}) >= 5
