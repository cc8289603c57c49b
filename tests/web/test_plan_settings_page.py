"""The goal-settings page through plain HTTP: each wrong field gets its message beside it, a
refused goal saves nothing, forms need their CSRF token, and another organisation's learner
finds nothing."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.factories import leaf_topics, make_org, sign_up
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form, token_of


def settings_form(school: School, **changes: str) -> dict[str, Any]:
    """A goal the clock's today (Monday 23 November 2026) can plan, changed by `changes`."""
    form: dict[str, Any] = {
        "exam_date": "2027-01-15",
        "time_zone": "America/Sao_Paulo",
        "target_score": "75",
        "session_minutes": "45",
        "daily_questions": "15",
        "days_off": "2026-12-25\n2027-01-01",
        **{f"minutes_{i}": "90" for i in range(7)},
    }
    topics = leaf_topics(school.track)
    form[f"topic.{topics[0]['id']}"] = "mastered"
    form.update(changes)
    return form


def _error_of(page: str, field: str) -> str:
    """The message shown under a field, tied to it by aria-describedby."""
    found = re.search(rf'<p class="field-error" id="{re.escape(field)}-error">([^<]*)</p>', page)
    assert found, f"no message for {field}"
    assert f'aria-describedby="{field}-error"' in page, f"{field} is not tied to its message"
    return found.group(1)


async def test_a_learner_without_a_plan_is_sent_to_set_a_goal(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    today = await client.get("/o/school/plan")
    assert today.status_code == 303
    assert today.headers["location"] == "/o/school/plan/goals"
    goals = await client.get("/o/school/plan/goals")
    assert goals.status_code == 200
    assert f'href="/o/school/plan/goals/{school.track["id"]}">Set a goal<' in goals.text
    dashboard = await client.get("/o/school")
    assert "Plan my study" in dashboard.text
    assert "Today's plan" not in dashboard.text  # no goal, no card
    form = await client.get(f"/o/school/plan/goals/{school.track['id']}")
    assert form.status_code == 200
    for topic in leaf_topics(school.track):
        assert f'name="topic.{topic["id"]}"' in form.text  # picked from the syllabus
    assert "<option selected>UTC</option>" in form.text  # the browser's zone, UTC until known
    assert 'aria-current="page">Plan<' in form.text


async def test_each_wrong_field_is_named_beside_it(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    path = f"/o/school/plan/goals/{school.track['id']}"
    bad = settings_form(
        school, exam_date="", time_zone="Mars/Base", target_score="101", session_minutes="5",
        minutes_3="2000", days_off="2027-01-01\nsoon", daily_questions="-1",
    )  # fmt: skip
    page = await post_form(client, path, bad)
    assert page.status_code == 422
    assert _error_of(page.text, "exam_date") == "Fill this in."
    assert "time zone" in _error_of(page.text, "time_zone")
    assert _error_of(page.text, "target_score") == "Use 100 or less."
    assert _error_of(page.text, "session_minutes") == "Use 10 or more."
    assert _error_of(page.text, "minutes_3") == "Use 1440 or less."  # Thursday's box
    assert "“soon” is not a date" in _error_of(page.text, "days_off")
    assert _error_of(page.text, "daily_questions") == "Use 0 or more."
    assert 'value="2000"' in page.text  # what was typed stays, to be corrected
    assert "minutes_0-error" not in page.text


async def test_a_goal_the_service_refuses_is_named_and_saves_nothing(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    path = f"/o/school/plan/goals/{school.track['id']}"
    past = await post_form(client, path, settings_form(school, exam_date="2026-11-23"))
    assert past.status_code == 422
    assert _error_of(past.text, "exam_date").startswith("The exam must be after 2026-11-23")
    no_time = await post_form(
        client, path, settings_form(school, **{f"minutes_{i}": "0" for i in range(7)})
    )
    assert no_time.status_code == 422
    assert "No minutes available" in _error_of(no_time.text, "minutes_by_weekday")
    everything_out = {f"topic.{t['id']}": "excluded" for t in leaf_topics(school.track)}
    left = await post_form(client, path, settings_form(school, **everything_out))
    assert left.status_code == 422
    assert "at least one topic" in _error_of(left.text, "topics")
    # The week was checked and set before the goal was refused: it was rolled back with it.
    again = await client.get(path)
    assert 'value="45"' not in again.text  # the refused session length is not stored
    assert (await client.get("/o/school/plan")).status_code == 303  # still no plan


async def test_forms_are_refused_without_their_csrf_token(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    path = f"/o/school/plan/goals/{school.track['id']}"
    await token_of(client, path)  # the page's cookie is set; the token is not sent
    refused = await client.post(path, data=settings_form(school))
    assert refused.status_code == 403
    assert (await client.get("/o/school/plan")).status_code == 303  # nothing saved
    for target in ("/o/school/plan/replan", f"{path}"):
        assert (await client.post(target, data={"csrf_token": "forged"})).status_code == 403


async def test_another_organisations_learner_finds_nothing(
    client: httpx.AsyncClient, school: School
) -> None:
    outsider = await sign_up(client)
    await make_org(client, outsider, slug="elsewhere")
    await browser_sign_in(client, outsider.email)
    track = school.track["id"]
    for path in ("/o/school/plan", "/o/school/plan/goals", f"/o/school/plan/goals/{track}"):
        assert (await client.get(path)).status_code == 404, path
    # Through their own organisation, the school's track is not found either.
    assert (await client.get(f"/o/elsewhere/plan/goals/{track}")).status_code == 404
    token = await token_of(client, "/o/elsewhere/plan/goals")
    posted = await client.post(
        f"/o/elsewhere/plan/goals/{track}", data={**settings_form(school), "csrf_token": token}
    )
    assert posted.status_code == 404
