"""A learner's study week and goals: what is accepted, what is refused and why, on both engines."""

from __future__ import annotations

from typing import Any

import httpx

from tests.acme import ORG
from tests.factories import Person, leaf_topics, make_track, read_audit_log
from tests.planning.conftest import BASE, add_goal, fields, profile_body, set_week


async def test_a_week_is_set_read_back_and_replaced(
    client: httpx.AsyncClient, learner: Person
) -> None:
    missing = await client.get(f"{BASE}/profile", headers=learner.auth)
    assert missing.status_code == 404
    await set_week(client, learner, days_off=["2026-12-25", "2026-12-24", "2026-12-25"])
    shown = (await client.get(f"{BASE}/profile", headers=learner.auth)).json()
    assert shown["time_zone"] == "America/Sao_Paulo"
    assert shown["days_off"] == ["2026-12-24", "2026-12-25"]
    assert shown["day_start"] == "19:00"
    await set_week(client, learner, time_zone="Europe/Lisbon", day_start="07:30")
    shown = (await client.get(f"{BASE}/profile", headers=learner.auth)).json()
    assert (shown["time_zone"], shown["day_start"]) == ("Europe/Lisbon", "07:30")


async def test_a_week_that_cannot_hold_a_plan_is_refused_naming_the_field(
    client: httpx.AsyncClient, learner: Person
) -> None:
    cases = [
        ({"time_zone": "Mars/Olympus_Mons"}, "body.time_zone"),
        ({"time_zone": "../../etc/passwd"}, "body.time_zone"),
        ({"minutes_by_weekday": [0, 0, 0, 0, 0, 0, 0]}, "body.minutes_by_weekday"),
        ({"minutes_by_weekday": [60, 1441, 0, 0, 0, 0, 0]}, "body.minutes_by_weekday.1"),
        ({"minutes_by_weekday": [60, -5, 0, 0, 0, 0, 0]}, "body.minutes_by_weekday.1"),
        ({"minutes_by_weekday": [60, 60]}, "body.minutes_by_weekday"),
        ({"session_minutes": 9}, "body.session_minutes"),
        ({"day_start": "24:00"}, "body.day_start"),
        ({"day_start": "7pm"}, "body.day_start"),
        ({"session_minutes": 241}, "body.session_minutes"),
    ]
    for change, field in cases:
        response = await client.put(
            f"{BASE}/profile", json=profile_body(**change), headers=learner.auth
        )
        assert response.status_code == 422, (change, response.text)
        assert any(f.startswith(field) for f in fields(response)), (change, fields(response))
    # Nothing was half-written: there is still no week.
    assert (await client.get(f"{BASE}/profile", headers=learner.auth)).status_code == 404


async def test_goals_are_added_changed_archived_and_audited(
    client: httpx.AsyncClient, owner: Person, learner: Person, track: dict[str, Any]
) -> None:
    await set_week(client, learner)
    leaves = leaf_topics(track)
    goal = await add_goal(
        client, learner, track["id"], mastered_topic_ids=[leaves[0]["id"]],
        excluded_topic_ids=[leaves[1]["id"]],
    )  # fmt: skip
    assert goal["status"] == "active"
    assert goal["mastered_topic_ids"] == [leaves[0]["id"]]
    changed = await client.put(
        f"{BASE}/goals/{goal['id']}",
        json={"track_id": track["id"], "exam_date": "2027-02-01", "target_score": 80},
        headers=learner.auth,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["exam_date"] == "2027-02-01"
    archived = await client.delete(f"{BASE}/goals/{goal['id']}", headers=learner.auth)
    assert archived.status_code == 204
    listed = (await client.get(f"{BASE}/goals", headers=learner.auth)).json()
    assert [g["status"] for g in listed] == ["archived"]
    actions = [e["action"] for e in await read_audit_log(client, ORG, owner.auth)]
    assert actions.count("plan.goal_set") == 3
    assert "plan.profile_set" in actions


async def test_a_goal_that_cannot_be_planned_is_refused_naming_the_field(
    client: httpx.AsyncClient, owner: Person, learner: Person, track: dict[str, Any]
) -> None:
    await set_week(client, learner)
    other = await make_track(client, ORG, owner, slug="other")
    foreign_topic = leaf_topics(other)[0]["id"]
    all_leaves = [t["id"] for t in leaf_topics(track)]
    today_in_sao_paulo = "2026-11-23"  # the test clock is 09:00 UTC, 06:00 there
    cases = [
        ({"exam_date": today_in_sao_paulo}, "body.exam_date"),
        ({"exam_date": "2026-11-01"}, "body.exam_date"),
        ({"exam_date": "2031-01-01"}, "body.exam_date"),
        ({"track_id": "00000000-0000-0000-0000-000000000000"}, "body.track_id"),
        ({"mastered_topic_ids": [foreign_topic]}, "body.mastered_topic_ids.0"),
        ({"excluded_topic_ids": all_leaves}, "body.excluded_topic_ids"),
        ({"target_score": 101}, "body.target_score"),
    ]
    for change, field in cases:
        body = {"track_id": track["id"], "exam_date": "2027-01-15", **change}
        response = await client.post(f"{BASE}/goals", json=body, headers=learner.auth)
        assert response.status_code == 422, (change, response.text)
        assert field in fields(response), (change, fields(response))
    assert (await client.get(f"{BASE}/goals", headers=learner.auth)).json() == []


async def test_another_learners_goal_is_not_found(
    client: httpx.AsyncClient, owner: Person, learner: Person, track: dict[str, Any]
) -> None:
    await set_week(client, learner)
    goal = await add_goal(client, learner, track["id"])
    response = await client.get(f"{BASE}/goals/{goal['id']}", headers=owner.auth)
    assert response.status_code == 404
