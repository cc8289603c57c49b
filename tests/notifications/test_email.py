"""Reminder email as a learner gets it: through the job queue to a real local SMTP server,
with a link that works; an SMTP server that is down ends in the dead letter, never in a
failed request; no address in the logs."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from structlog.testing import capture_logs

from studyhall.jobs import registry
from studyhall.jobs.models import DeadLetter
from studyhall.jobs.registry import Runtime
from studyhall.jobs.worker import Worker
from studyhall.kit.clock import FrozenClock
from tests.notifications.helpers import jobs, page, press, run_jobs, school
from tests.notifications.smtp import Mailbox, free_port
from tests.web.helpers import browser_sign_in

SEND = "notifications.send_email"


@pytest.fixture
def settings_overrides(mailbox: Mailbox) -> dict[str, object]:
    return {**mailbox.settings(), "public_url": "http://testserver"}


@pytest.fixture
def worker(app: Any) -> Worker:
    runtime: Runtime = app.state.job_runtime
    return Worker(runtime, run_schedules=False)


async def test_a_test_email_arrives_with_a_link_that_opens_for_the_learner(
    app: Any, client: httpx.AsyncClient, mailbox: Mailbox, worker: Worker, clock: FrozenClock
) -> None:
    acme = await school(client)
    await browser_sign_in(client, acme.learner.email)
    shown = await client.get("/o/acme/reminders")
    assert "Email is off" not in shown.text
    token = re.search(r'name="csrf-token" content="([^"]+)"', shown.text)
    assert token
    sent = await client.post("/o/acme/reminders/test", data={"csrf_token": token.group(1)})
    assert sent.status_code == 303
    assert sent.headers["location"].endswith("done=test")
    await run_jobs(worker, clock)
    (message,) = mailbox.messages
    assert mailbox.envelopes[0][1] == [acme.learner.email]
    assert message["To"] == acme.learner.email
    assert message["Subject"] == "Studyhall reminders reach you"
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"Open today's page: (\S+)", text)
    assert link, text
    assert link.group(1) in html
    assert link.group(1).startswith("http://testserver/o/acme")
    # A learner with no plan yet is taken from Today to the goal settings: the link still opens.
    opened = await client.get(link.group(1), follow_redirects=True)
    assert opened.status_code == 200, opened.text
    assert str(opened.url).startswith("http://testserver/o/acme/plan")


async def test_smtp_down_retries_then_dead_letters_and_the_request_still_succeeds(
    app: Any,
    client: httpx.AsyncClient,
    worker: Worker,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nobody = free_port()  # nothing listens here
    monkeypatch.setattr(app.state.settings, "smtp_port", nobody)
    task = registry.get(SEND)
    monkeypatch.setitem(registry.TASKS, SEND, dataclasses.replace(task, max_attempts=3))
    acme = await school(client)
    await press(client, acme.learner, "/o/acme/reminders/test")
    with capture_logs() as logs:
        await run_jobs(worker, clock)
    (job,) = await jobs(app, SEND)
    assert (job.state, job.attempts) == ("dead", 3)
    async with app.state.db.unit_of_work(write=False) as session:
        (letter,) = (await session.scalars(select(DeadLetter))).all()
    assert "could not be reached" in letter.error
    assert [e["event"] for e in logs if e.get("kind") == SEND] == [
        "job.failed", "job.failed", "job.dead",
    ]  # fmt: skip
    # Addresses are personal data: neither the logs nor the dead letter hold one.
    for text in [str(logs), letter.error, letter.traceback or "", str(job.payload)]:
        assert acme.learner.email not in text


async def test_with_no_smtp_host_email_is_off_and_nothing_is_enqueued(
    app: Any, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "smtp_host", None)
    acme = await school(client)
    shown = await page(client, acme.learner, "acme")
    assert "Email is off on this server" in shown.text
    assert "Send me a test email" not in shown.text
    answer = await press(client, acme.learner, "/o/acme/reminders/test")
    assert answer.headers["location"].endswith("done=off")
    assert await jobs(app, SEND) == []
