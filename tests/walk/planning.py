"""Tenancy walk plugin: study plans. A plan is personal: the walk's goal is the learner's, so
every other member who may take attempts is told it does not exist."""

from __future__ import annotations

from studyhall.orgs.roles import Role
from tests.walk.world import Entries, World

PLAN = "/api/v1/orgs/{org}/plan"
TAKE = "org:attempts:take"
WEEK = {
    "time_zone": "Europe/Lisbon",
    "minutes_by_weekday": [60, 60, 60, 60, 60, 0, 0],
}


def _goal(w: World) -> dict[str, str]:
    return {"goal_id": w.ids["study_goal"]}


def _goal_body(w: World) -> dict[str, object]:
    return {"track_id": w.ids["track"], "exam_date": "2027-06-01"}


def _block(w: World) -> dict[str, str]:
    return {"block_id": w.ids["plan_block"]}


ENTRIES: Entries = {
    ("GET", PLAN + "/profile"): (TAKE, lambda w: ({}, None)),
    ("PUT", PLAN + "/profile"): (TAKE, lambda w: ({}, WEEK)),
    ("GET", PLAN + "/goals"): (TAKE, lambda w: ({}, None)),
    ("POST", PLAN + "/goals"): (TAKE, lambda w: ({}, _goal_body(w))),
    ("GET", PLAN + "/goals/{goal_id}"): (TAKE, lambda w: (_goal(w), None)),
    ("PUT", PLAN + "/goals/{goal_id}"): (TAKE, lambda w: (_goal(w), _goal_body(w))),
    ("DELETE", PLAN + "/goals/{goal_id}"): (TAKE, lambda w: (_goal(w), None)),
    ("GET", PLAN): (TAKE, lambda w: ({}, None)),
    ("POST", PLAN + "/generate"): (TAKE, lambda w: ({}, None)),
    ("POST", PLAN + "/replan"): (TAKE, lambda w: ({"?": "preview=true"}, None)),
    ("PATCH", PLAN + "/blocks/{block_id}"): (TAKE, lambda w: (_block(w), {"notes": "walk"})),
    ("POST", PLAN + "/blocks/{block_id}/start"): (TAKE, lambda w: (_block(w), None)),
    ("GET", PLAN + "/progress"): (TAKE, lambda w: ({}, None)),
    ("GET", PLAN + "/adherence"): ("org:plans:read", lambda w: ({}, None)),
}  # fmt: skip

PERSONAL = {404}
NOT_SET_UP = {404, 409}  # members other than the learner have no week, goal or plan
ALLOWED_REFUSALS = {
    ("GET", PLAN + "/profile"): NOT_SET_UP,
    ("GET", PLAN + "/goals/{goal_id}"): PERSONAL,
    ("PUT", PLAN + "/goals/{goal_id}"): PERSONAL,
    ("DELETE", PLAN + "/goals/{goal_id}"): PERSONAL,
    ("GET", PLAN): NOT_SET_UP,
    ("POST", PLAN + "/generate"): NOT_SET_UP,
    ("POST", PLAN + "/replan"): NOT_SET_UP,
    ("PATCH", PLAN + "/blocks/{block_id}"): PERSONAL,
    ("POST", PLAN + "/blocks/{block_id}/start"): PERSONAL,
}


async def extend(world: World) -> None:
    """The learner's week, a goal for the walk's track, and the plan made from them."""
    learner = world.members[Role.LEARNER]
    base = "/api/v1/orgs/home/plan"
    week = await world.client.put(f"{base}/profile", json=WEEK, headers=learner.auth)
    assert week.status_code == 200, week.text
    made = await world.client.post(f"{base}/goals", json=_goal_body(world), headers=learner.auth)
    assert made.status_code == 201, made.text
    world.ids["study_goal"] = made.json()["id"]
    plan = await world.client.post(f"{base}/generate", headers=learner.auth)
    assert plan.status_code == 200, plan.text
    world.ids["plan_block"] = plan.json()["blocks"][0]["id"]
