"""A second simulation is not started silently while one runs: the API answers 409 with the
running attempt's address and time left, and lists in-progress attempts with their time left."""

from __future__ import annotations

from datetime import timedelta

import httpx

from studyhall.kit.clock import FrozenClock
from tests.exams.test_attempts import build_exam, start


async def test_a_running_simulation_is_offered_instead_of_a_second_one(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    exam = await build_exam(client, per_topic=4)  # 30-minute simulations
    running = await start(client, exam, mode="simulation")
    clock.advance(timedelta(minutes=21, seconds=30))

    second = await client.post(exam.url(), json={"mode": "simulation"}, headers=exam.learner.auth)
    assert second.status_code == 409, second.text
    problem = second.json()
    assert problem["type"] == "urn:studyhall:problem:attempt-in-progress"
    assert "9 min left" in problem["detail"]
    resume = f"/api/v1/orgs/acme/attempts/{running['id']}"
    assert resume in problem["detail"]
    assert second.headers["link"] == f'<{resume}>; rel="related"'

    listed = await client.get("/api/v1/orgs/acme/attempts", headers=exam.learner.auth)
    (mine,) = listed.json()
    assert mine["seconds_left"] == 510
    assert mine["deadline_at"] is not None

    practice = await client.post(
        exam.url(), json={"mode": "practice", "count": 2}, headers=exam.learner.auth
    )
    assert practice.status_code == 201  # practice beside a simulation is fine

    clock.advance(timedelta(minutes=9))  # its time ran out: it counts as submitted
    after = await client.post(exam.url(), json={"mode": "simulation"}, headers=exam.learner.auth)
    assert after.status_code == 201, after.text
