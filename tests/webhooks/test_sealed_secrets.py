"""A webhook's signing secret is kept sealed: a copy of the database does not give it away,
deliveries still verify, and an operator who replaces the secret key loses no endpoint."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.engine import make_url
from standardwebhooks.webhooks import Webhook

from studyhall.jobs.registry import Runtime
from studyhall.jobs.worker import Worker
from studyhall.kit.clock import FrozenClock
from studyhall.kit.context import Context
from studyhall.kit.sealing import SEALED
from studyhall.kit.tenancy import across_orgs
from studyhall.webhooks import service
from studyhall.webhooks.models import WebhookEndpoint
from tests.conftest import TEST_SECRET
from tests.factories import Person, add_member, read_audit_log, sign_up
from tests.webhooks.receiver import receiver
from tests.webhooks.test_delivery import deliver_everything, deliveries, setup

NEW_KEY = "the-replacement-secret-key-an-operator-made-just-now"
READ_ALL = "the test reads every endpoint"


@dataclasses.dataclass
class Installation:
    """The same database as the app's, run with other keys (what an operator changes)."""

    runtime: Runtime

    def with_keys(self, secret_key: str, *previous: str) -> Runtime:
        settings = self.runtime.settings.model_copy(
            update={"secret_key": secret_key, "previous_secret_keys": list(previous)}
        )
        return dataclasses.replace(self.runtime, settings=settings)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"webhook_allow_private": True, "webhook_disable_after": 2}


@pytest.fixture
def installation(app: Any) -> Installation:
    return Installation(app.state.job_runtime)


async def stored_secret(runtime: Runtime) -> str:
    async with runtime.db.unit_of_work(write=False) as session:
        (endpoint,) = (await session.scalars(across_orgs(WebhookEndpoint, reason=READ_ALL))).all()
        return endpoint.secret


async def in_unit(runtime: Runtime, work: Any) -> Any:
    async with runtime.db.unit_of_work() as session:
        ctx = Context(
            session=session,
            clock=runtime.clock,
            request_id="test",
            secret_key=runtime.settings.secret_key,
            previous_secret_keys=tuple(runtime.settings.previous_secret_keys),
        )
        return await work(ctx)


async def member_added(client: httpx.AsyncClient, owner: Person, who: str) -> None:
    await add_member(client, "acme", owner, await sign_up(client, who), "learner")


async def test_the_database_holds_the_secret_sealed_and_deliveries_still_verify(
    client: httpx.AsyncClient, installation: Installation, clock: FrozenClock
) -> None:
    runtime = installation.runtime
    with receiver() as hooks:
        owner, hook = await setup(client, hooks.url)
        stored = await stored_secret(runtime)
        assert stored.startswith(SEALED)
        key = hook["secret"].removeprefix("whsec_")
        assert key not in stored
        url = make_url(runtime.settings.resolved_database_url)
        if url.get_backend_name() == "sqlite":  # the file a backup copies, and its log
            files = [Path(str(url.database)), Path(f"{url.database}-wal")]
            on_disk = b"".join(f.read_bytes() for f in files if f.exists())
            assert key.encode() not in on_disk
        await member_added(client, owner, "newcomer")
        await deliver_everything(Worker(runtime, run_schedules=False), clock)
    (success,) = hooks.successes()
    assert Webhook(hook["secret"]).verify(success.body, success.headers)["type"] == "member.added"


async def test_a_replaced_secret_key_loses_no_endpoint_and_housekeeping_reseals(
    client: httpx.AsyncClient, installation: Installation, clock: FrozenClock
) -> None:
    during = installation.with_keys(NEW_KEY, TEST_SECRET)  # the old key listed as previous
    after = installation.with_keys(NEW_KEY)  # the old key dropped
    with receiver() as hooks:
        owner, hook = await setup(client, hooks.url)
        await member_added(client, owner, "first")
        await deliver_everything(Worker(during, run_schedules=False), clock)

        assert await in_unit(during, service.reseal_secrets) == 1
        assert await in_unit(during, service.reseal_secrets) == 0  # nothing left to move
        await member_added(client, owner, "second")
        await deliver_everything(Worker(after, run_schedules=False), clock)
    assert len(hooks.successes()) == 2
    for success in hooks.successes():
        Webhook(hook["secret"]).verify(success.body, success.headers)
    resealed = await read_audit_log(client, "acme", owner.auth, action="webhook.secret_resealed")
    assert [e["target_id"] for e in resealed] == [hook["id"]]


async def test_a_secret_no_key_opens_sends_nothing_and_the_delivery_says_why(
    client: httpx.AsyncClient, installation: Installation, clock: FrozenClock
) -> None:
    forgot = installation.with_keys(NEW_KEY)  # the old key replaced and not listed
    with receiver() as hooks:
        owner, hook = await setup(client, hooks.url)
        await member_added(client, owner, "newcomer")
        await deliver_everything(Worker(forgot, run_schedules=False), clock)
    assert hooks.received == []
    (logged,) = await deliveries(client, owner, hook)
    assert logged["status"] == "failed"
    assert "signing secret cannot be read" in logged["last_error"]
    assert "STUDYHALL_PREVIOUS_SECRET_KEYS" in logged["last_error"]
    assert (await in_unit(forgot, service.secret_states))["unreadable"] == 1
    assert await in_unit(forgot, service.reseal_secrets) == 0  # left as it is, not destroyed


async def test_a_secret_stored_before_sealing_still_signs_and_gets_sealed(
    client: httpx.AsyncClient, installation: Installation, clock: FrozenClock
) -> None:
    runtime = installation.runtime
    with receiver() as hooks:
        owner, _ = await setup(client, hooks.url)
        plain = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # as schema 0007 stored them
        async with runtime.db.unit_of_work() as session:
            await session.execute(update(WebhookEndpoint).values(secret=plain))
        await member_added(client, owner, "newcomer")
        await deliver_everything(Worker(runtime, run_schedules=False), clock)
        assert await in_unit(runtime, service.reseal_secrets) == 1
        assert (await stored_secret(runtime)).startswith(SEALED)
        await member_added(client, owner, "another")
        await deliver_everything(Worker(runtime, run_schedules=False), clock)
    assert len(hooks.successes()) == 2
    for success in hooks.successes():
        Webhook(plain).verify(success.body, success.headers)
