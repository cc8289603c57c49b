"""Events follow their transaction: a rollback emits nothing, a commit always reaches the
subscribers (even when no worker ran at commit time), in order, once per dispatch."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from studyhall import events
from studyhall.app import create_app
from studyhall.events import service as event_service
from studyhall.events.models import OutboxEvent
from studyhall.jobs.registry import Runtime
from studyhall.jobs.worker import Worker
from studyhall.kit.context import Context
from tests.conftest import empty_all_tables, make_settings
from tests.factories import add_member, make_org, sign_up
from tests.jobs.conftest import in_unit
from tests.webhooks.receiver import receiver


@pytest.fixture
def runtime(app: FastAPI) -> Runtime:
    found: Runtime = app.state.job_runtime
    return found


@pytest.fixture
def seen() -> list[tuple[int, str, str]]:
    """What a test subscriber received: (event id, type, aggregate id)."""
    received: list[tuple[int, str, str]] = []

    async def subscriber(ctx: Context, event: OutboxEvent) -> None:
        received.append((event.id, event.type, event.aggregate_id))

    events.subscribe(subscriber)
    yield received
    event_service._subscribers.remove(subscriber)


async def all_events(runtime: Runtime) -> list[OutboxEvent]:
    rows = await in_unit(
        runtime,
        lambda c: c.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)),
        write=False,
    )
    return list(rows)


async def test_a_rolled_back_transaction_emits_nothing(runtime: Runtime) -> None:
    async def emit_then_fail(ctx: Context) -> None:
        events.emit(ctx, "member.added", aggregate=("org", "o1"), org_id=None)
        await ctx.session.flush()
        raise RuntimeError("the request failed after raising the event")

    with pytest.raises(RuntimeError):
        await in_unit(runtime, emit_then_fail)
    assert await all_events(runtime) == []


async def test_a_committed_request_writes_its_event_in_the_same_transaction(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    owner = await sign_up(client, "owner")
    org = await make_org(client, owner, slug="acme")
    learner = await sign_up(client, "learner")
    await add_member(client, "acme", owner, learner, "learner")
    (event,) = [e for e in await all_events(runtime) if e.data.get("user_id") == learner.id]
    assert (event.type, event.aggregate_type, event.aggregate_id) == (
        "member.added",
        "org",
        org["id"],
    )
    assert event.data == {"user_id": learner.id, "role": "learner"}
    assert event.dispatched_at is None  # no worker ran yet: it waits, it is not lost


async def test_events_committed_while_no_worker_ran_are_dispatched_in_order_once(
    runtime: Runtime, seen: list[tuple[int, str, str]]
) -> None:
    async def emit_some(ctx: Context) -> None:
        for n in range(3):
            for aggregate in ("a", "b"):
                events.emit(ctx, f"test.{n}", aggregate=("thing", aggregate), org_id=None)

    await in_unit(runtime, emit_some)
    await in_unit(runtime, emit_some)
    worker = Worker(runtime, run_schedules=False)  # a worker starting after the commits
    await worker.run_until_idle()
    await worker.run_until_idle()
    ids = [event_id for event_id, _, _ in seen]
    assert ids == sorted(set(ids))
    assert len(ids) == 12
    for aggregate in ("a", "b"):
        assert [t for _, t, a in seen if a == aggregate] == [f"test.{n}" for n in range(3)] * 2
    assert all(e.dispatched_at is not None for e in await all_events(runtime))


async def test_a_failing_subscriber_leaves_the_event_for_the_next_pass(
    runtime: Runtime, seen: list[tuple[int, str, str]]
) -> None:
    failures = [RuntimeError("subscriber down")]

    async def flaky(ctx: Context, event: OutboxEvent) -> None:
        if failures:
            raise failures.pop()

    events.subscribe(flaky)
    try:
        await in_unit(runtime, lambda c: _emit_one(c))
        with pytest.raises(RuntimeError):
            await Worker(runtime, run_schedules=False).tick()
        assert (await all_events(runtime))[0].dispatched_at is None
        await Worker(runtime, run_schedules=False).run_until_idle()
    finally:
        event_service._subscribers.remove(flaky)
    # The first subscriber saw it in the failed pass (rolled back) and again in the next.
    assert [t for _, t, _ in seen] == ["test.once", "test.once"]
    assert (await all_events(runtime))[0].dispatched_at is not None


async def _emit_one(ctx: Context) -> None:
    events.emit(ctx, "test.once", aggregate=("thing", "x"), org_id=None)


async def test_the_embedded_worker_delivers_a_webhook_soon_after_commit(db_url: str) -> None:
    """`studyhall serve` runs the worker in-process: no worker to start, no clock to move."""
    app = create_app(make_settings(db_url, webhook_allow_private=True), configure_logs=False,
                     worker=True)  # fmt: skip
    await empty_all_tables(app)
    transport = httpx.ASGITransport(app=app)
    with receiver() as hooks:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://t") as client,
        ):
            owner = await sign_up(client, "owner")
            await make_org(client, owner, slug="acme")
            made = await client.post(
                "/api/v1/orgs/acme/webhooks",
                json={"url": hooks.url, "event_types": ["member.added"]},
                headers=owner.auth,
            )
            assert made.status_code == 201, made.text
            committed = time.monotonic()
            await add_member(client, "acme", owner, await sign_up(client), "learner")
            while not hooks.received and time.monotonic() - committed < 10:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
    (got,) = hooks.received
    assert json.loads(got.body)["type"] == "member.added"
