"""A syllabus of one topic and one of 2,000: a plan either way, and a huge one explains what
it leaves out instead of failing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.acme import ORG
from tests.factories import Person, leaf_topics, make_track
from tests.planning.conftest import BASE, add_goal, set_week


async def _generate(
    client: httpx.AsyncClient, who: Person, track: dict[str, Any]
) -> dict[str, Any]:
    await set_week(client, who)
    await add_goal(client, who, str(track["id"]), exam_date="2027-01-20")
    made = await client.post(f"{BASE}/generate", headers=who.auth)
    assert made.status_code == 200, made.text
    return dict(made.json())


async def test_a_track_of_one_topic_gets_a_plan_of_that_topic(
    client: httpx.AsyncClient, owner: Person, learner: Person
) -> None:
    track = await make_track(
        client, ORG, owner, slug="single", topics=[{"name": "Everything", "weight": 100}]
    )
    plan = await _generate(client, learner, track)
    [topic] = leaf_topics(track)
    topics = {b["topic_id"] for b in plan["blocks"] if b["kind"] in ("study", "practice")}
    assert topics == {topic["id"]}
    assert sum(b["minutes"] for b in plan["blocks"] if b["kind"] == "study") > 0


async def test_a_track_of_two_thousand_topics_is_planned_and_says_what_is_left_out(
    client: httpx.AsyncClient, owner: Person, learner: Person
) -> None:
    subjects = [
        {"name": f"Subject {s}", "weight": 2.5,
         "children": [{"name": f"Topic {s}.{t}", "weight": 2} for t in range(50)]}
        for s in range(40)
    ]  # fmt: skip
    track = await make_track(client, ORG, owner, slug="huge", topics=subjects)
    assert len(leaf_topics(track)) == 2000
    plan = await _generate(client, learner, track)
    assert plan["blocks"]
    assert plan["final_stretch"] is True
    assert plan["left_out"] or plan["shortfalls"]
    for left in plan["left_out"]:
        assert left["reason"]
    progress = await client.get(f"/api/v1/orgs/{ORG}/plan/progress", headers=learner.auth)
    assert progress.status_code == 200, progress.text
    assert progress.json()["reality"]["coverage_by_exam"] < 100
