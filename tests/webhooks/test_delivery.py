"""Webhooks as an integrator relies on them: signed (checked with the reference library),
retried until the receiver is back, delivered once, in order, logged, and an endpoint that
keeps failing is disabled with an audit record."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from studyhall.jobs.models import Job
from studyhall.jobs.registry import Runtime
from studyhall.jobs.worker import Worker
from studyhall.kit.clock import FrozenClock
from tests.factories import Person, add_member, make_org, read_audit_log, sign_up
from tests.webhooks.receiver import receiver


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"webhook_allow_private": True, "webhook_disable_after": 2}


@pytest.fixture
def runtime(app: Any) -> Runtime:
    found: Runtime = app.state.job_runtime
    return found


async def register(
    client: httpx.AsyncClient, owner: Person, url: str, types: list[str] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/orgs/acme/webhooks",
        json={"url": url, "event_types": types or ["member.added"], "description": "CRM"},
        headers=owner.auth,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def deliver_everything(worker: Worker, clock: FrozenClock, rounds: int = 100) -> None:
    """Run the worker, then move time to the next retry, until nothing is left to run."""
    for _ in range(rounds):
        await worker.run_until_idle()
        async with worker.runtime.db.unit_of_work(write=False) as session:
            queued = await session.execute(
                select(func.count(), func.max(Job.run_at)).where(Job.state == "queued")
            )
            waiting, latest = queued.one()
            soonest = await session.scalar(
                select(func.min(Job.run_at)).where(Job.state == "queued", Job.run_at > clock.now())
            )
        if not waiting:
            return
        clock.set(soonest or latest)
    raise AssertionError("the deliveries never settled")


async def deliveries(client: httpx.AsyncClient, owner: Person, hook: dict[str, Any]) -> list[Any]:
    response = await client.get(
        f"/api/v1/orgs/acme/webhooks/{hook['id']}/deliveries", headers=owner.auth
    )
    assert response.status_code == 200, response.text
    return list(response.json())


async def setup(client: httpx.AsyncClient, url: str) -> tuple[Person, dict[str, Any]]:
    owner = await sign_up(client, "owner")
    await make_org(client, owner, slug="acme")
    return owner, await register(client, owner, url)


async def test_a_receiver_that_fails_three_times_gets_one_signed_delivery(
    client: httpx.AsyncClient, runtime: Runtime, clock: FrozenClock
) -> None:
    with receiver(script=[500, 503, 502]) as hooks:
        owner, hook = await setup(client, hooks.url)
        newcomer = await sign_up(client, "newcomer")
        await add_member(client, "acme", owner, newcomer, "learner")
        await deliver_everything(Worker(runtime, run_schedules=False), clock)
    assert [r.status for r in hooks.received] == [500, 503, 502, 204]
    (success,) = hooks.successes()
    body = Webhook(hook["secret"]).verify(success.body, success.headers)
    assert body["type"] == "member.added"
    assert (body["data"]["user_id"], body["data"]["role"]) == (newcomer.id, "learner")
    # Every try carried the same message id, so a receiver can drop duplicates.
    assert len({r.headers["webhook-id"] for r in hooks.received}) == 1
    (logged,) = await deliveries(client, owner, hook)
    assert (logged["status"], logged["attempts"], logged["response_status"]) == (
        "succeeded",
        4,
        204,
    )
    assert logged["latency_ms"] >= 0
    detail = await client.get(
        f"/api/v1/orgs/acme/webhooks/{hook['id']}/deliveries/{logged['id']}", headers=owner.auth
    )
    assert [t["response_status"] for t in detail.json()["tries"]] == [500, 503, 502, 204]


async def test_a_signature_made_with_another_secret_does_not_verify(
    client: httpx.AsyncClient, runtime: Runtime, clock: FrozenClock
) -> None:
    with receiver() as hooks:
        owner, hook = await setup(client, hooks.url)
        rotated = await client.post(
            f"/api/v1/orgs/acme/webhooks/{hook['id']}/rotate-secret", headers=owner.auth
        )
        await add_member(client, "acme", owner, await sign_up(client), "learner")
        await deliver_everything(Worker(runtime, run_schedules=False), clock)
    (got,) = hooks.received
    Webhook(rotated.json()["secret"]).verify(got.body, got.headers)
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(hook["secret"]).verify(got.body, got.headers)


async def test_a_receiver_that_never_recovers_fails_and_its_endpoint_is_disabled(
    client: httpx.AsyncClient, runtime: Runtime, clock: FrozenClock
) -> None:
    with receiver(then=500) as hooks:
        owner, hook = await setup(client, hooks.url)
        for _ in range(3):
            await add_member(client, "acme", owner, await sign_up(client), "learner")
        await deliver_everything(Worker(runtime, run_schedules=False), clock)
    logged = await deliveries(client, owner, hook)
    # Two deliveries failed after every retry (about a day each); that disabled the endpoint
    # (STUDYHALL_WEBHOOK_DISABLE_AFTER=2 here), and the third was not sent again after that.
    assert sorted(d["status"] for d in logged) == ["failed", "failed", "failed"]
    assert sorted(d["attempts"] for d in logged)[-2:] == [8, 8]
    state = await client.get(f"/api/v1/orgs/acme/webhooks/{hook['id']}", headers=owner.auth)
    assert state.json()["enabled"] is False
    assert state.json()["disabled_reason"] == "2 deliveries in a row failed"
    (disabled,) = await read_audit_log(client, "acme", owner.auth, action="webhook.disabled")
    assert disabled["target_id"] == hook["id"]
    # Turning it back on clears the count.
    again = await client.patch(
        f"/api/v1/orgs/acme/webhooks/{hook['id']}", json={"enabled": True}, headers=owner.auth
    )
    assert (again.json()["enabled"], again.json()["failure_streak"]) == (True, 0)


async def test_events_of_one_aggregate_arrive_in_order_even_across_retries(
    client: httpx.AsyncClient, runtime: Runtime, clock: FrozenClock
) -> None:
    with receiver(script=[500]) as hooks:
        owner, _ = await setup(client, hooks.url)
        people = [await sign_up(client, f"p{n}") for n in range(3)]
        for person in people:
            await add_member(client, "acme", owner, person, "learner")
        await deliver_everything(Worker(runtime, run_schedules=False), clock)
    got = [json.loads(r.body)["data"]["user_id"] for r in hooks.received]
    # The first failed once; the others waited for it instead of overtaking it.
    assert got == [people[0].id, people[0].id, people[1].id, people[2].id]


async def test_ping_and_redelivery(
    client: httpx.AsyncClient, runtime: Runtime, clock: FrozenClock
) -> None:
    with receiver() as hooks:
        owner, hook = await setup(client, hooks.url)
        base = f"/api/v1/orgs/acme/webhooks/{hook['id']}"
        ping = await client.post(f"{base}/ping", headers=owner.auth)
        assert ping.status_code == 202, ping.text
        worker = Worker(runtime, run_schedules=False)
        await worker.run_until_idle()
        again = await client.post(
            f"{base}/deliveries/{ping.json()['id']}/redeliver", headers=owner.auth
        )
        assert again.status_code == 202, again.text
        await worker.run_until_idle()
    first, second = hooks.received
    assert json.loads(first.body)["type"] == "webhook.ping"
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    Webhook(hook["secret"]).verify(second.body, second.headers)
    statuses = {d["id"]: d["status"] for d in await deliveries(client, owner, hook)}
    assert statuses == {ping.json()["id"]: "succeeded", again.json()["id"]: "succeeded"}


async def test_a_pending_delivery_is_not_redelivered(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    owner, hook = await setup(client, "https://hooks.example.com/x")
    ping = await client.post(f"/api/v1/orgs/acme/webhooks/{hook['id']}/ping", headers=owner.auth)
    again = await client.post(
        f"/api/v1/orgs/acme/webhooks/{hook['id']}/deliveries/{ping.json()['id']}/redeliver",
        headers=owner.auth,
    )
    assert again.status_code == 409
    assert again.json()["type"] == "urn:studyhall:problem:delivery-pending"


async def test_endpoints_only_get_the_types_they_asked_for(
    client: httpx.AsyncClient, runtime: Runtime, clock: FrozenClock
) -> None:
    with receiver() as hooks:
        owner = await sign_up(client, "owner")
        await make_org(client, owner, slug="acme")
        await register(client, owner, hooks.url, ["member.removed"])
        person = await sign_up(client)
        await add_member(client, "acme", owner, person, "learner")
        removed = await client.delete(f"/api/v1/orgs/acme/members/{person.id}", headers=owner.auth)
        assert removed.status_code == 204
        await deliver_everything(Worker(runtime, run_schedules=False), clock)
    assert [json.loads(r.body)["type"] for r in hooks.received] == ["member.removed"]


async def test_an_endpoint_gets_what_was_raised_after_it_was_registered_within_one_pass(
    client: httpx.AsyncClient, runtime: Runtime, clock: FrozenClock
) -> None:
    # No worker runs until the end, so one dispatch pass sees events from before and after
    # each registration: every endpoint must get exactly the events raised after its own.
    with receiver() as early_hooks, receiver() as late_hooks:
        owner = await sign_up(client, "owner")
        await make_org(client, owner, slug="acme")
        first, second, third = [await sign_up(client) for _ in range(3)]
        await add_member(client, "acme", owner, first, "learner")
        await register(client, owner, early_hooks.url)
        await add_member(client, "acme", owner, second, "learner")
        await register(client, owner, late_hooks.url)
        await add_member(client, "acme", owner, third, "learner")
        await deliver_everything(Worker(runtime, run_schedules=False), clock)

    def members(hooks: Any) -> list[str]:
        return [json.loads(r.body)["data"]["user_id"] for r in hooks.received]

    people = [p.id for p in (first, second, third)]
    assert sorted(members(early_hooks)) == sorted(people[1:])
    assert members(late_hooks) == people[2:]
