"""Tenancy walk plugin: the learner's study-plan pages (goal settings, Today, the week,
re-planning, a block's record and start).

The walk's members have no plan of their own, so Today and its neighbours send them to set a
goal (303). A block is personal: every member but its owner is told it does not exist.
"""

from __future__ import annotations

import uuid

from tests.walk.web import form
from tests.walk.world import Entries, FormBody, World

PLAN = "/o/{org}/plan"
BLOCK = PLAN + "/blocks/{block_id}"
TAKE = "org:attempts:take"


def _settings(w: World) -> FormBody:
    """A goal the service refuses (an exam date long past): the walk checks who may post the
    form, and a refused goal writes nothing, so every caller finds the same world."""
    return form(
        w, exam_date="2001-01-01", time_zone="UTC", target_score="70", session_minutes="50",
        daily_questions="10", days_off="", **{f"minutes_{i}": "60" for i in range(7)},
    )  # fmt: skip


def _block(w: World) -> dict[str, str]:
    return {"block_id": w.ids.get("plan_block", str(uuid.uuid4()))}


ENTRIES: Entries = {
    ("GET", PLAN): (TAKE, lambda w: ({}, None)),
    ("GET", PLAN + "/week"): (TAKE, lambda w: ({"?": "start=2026-11-23"}, None)),
    ("GET", PLAN + "/goals"): (TAKE, lambda w: ({}, None)),
    ("GET", PLAN + "/goals/{track_id}"): (TAKE, lambda w: ({"track_id": w.ids["track"]}, None)),
    ("POST", PLAN + "/goals/{track_id}"): (
        TAKE, lambda w: ({"track_id": w.ids["track"]}, _settings(w))),
    ("GET", PLAN + "/replan"): (TAKE, lambda w: ({}, None)),
    ("POST", PLAN + "/replan"): (TAKE, lambda w: ({}, form(w))),
    ("POST", BLOCK): (TAKE, lambda w: (_block(w), form(w, status="done"))),
    ("POST", BLOCK + "/start"): (TAKE, lambda w: (_block(w), form(w))),
    ("GET", "/o/{org}/learners/plans"): ("org:plans:read", lambda w: ({}, None)),
}  # fmt: skip

ALLOWED_REFUSALS = {
    ("POST", PLAN + "/goals/{track_id}"): {422},  # the sample's exam date is past
    ("POST", BLOCK): {404},  # a block is its learner's own
    ("POST", BLOCK + "/start"): {404},
}


async def extend(world: World) -> None:
    """Nothing to add: the pages use the track the exams plugin made."""
