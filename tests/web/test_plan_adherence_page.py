"""Instructors' page of learners' study plans: who keeps to their plan, read-only."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from studyhall.kit.clock import FrozenClock
from tests.factories import add_member, sign_up
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in
from tests.web.test_plan_today_page import _with_a_plan

PAGE = "/o/school/learners/plans"


async def test_an_instructor_sees_who_keeps_to_their_plan_and_a_learner_cannot(
    client: httpx.AsyncClient, school: School, clock: FrozenClock
) -> None:
    instructor = await sign_up(client, "coach")
    await add_member(client, "school", school.owner, instructor, "instructor")
    client.cookies.clear()
    await _with_a_plan(client, school)  # the learner signs in and sets a goal
    refused = await client.get(PAGE)
    assert refused.status_code == 403

    client.cookies.clear()
    await browser_sign_in(client, instructor.email)
    dashboard = await client.get("/o/school")
    assert f'href="{PAGE}"' in dashboard.text
    page = await client.get(PAGE)
    assert page.status_code == 200, page.text
    learner_name = school.learner.email.split("@")[0].title()
    row = re.search(
        rf"<td>{learner_name}</td>\s*<td><span class=\"badge (\w*)\">([^<]+)<", page.text
    )
    assert row, page.text
    assert row.groups() == ("pass", "On track")

    clock.advance(timedelta(days=9))  # nothing done for more than a week
    page = await client.get(PAGE)
    assert re.search(r'badge in_review">Inactive since \d{4}-\d\d-\d\d<', page.text), page.text
    assert "0 on track · 0 behind · 1 inactive" in page.text
