"""The job queue's page, as a site administrator uses it: counts by kind and state, queue
depth, the dead letters with their error and traceback, re-queueing one (audited, as the
API's); anyone else is refused and sees no link to it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from studyhall.accounts.models import User
from studyhall.audit.models import AuditEvent
from studyhall.jobs.models import DeadLetter, Job
from studyhall.kit.context import Context
from tests.factories import Person, sign_up
from tests.web.helpers import browser_sign_in, post_form

PAGE = "/admin/jobs"


async def in_unit(
    app: FastAPI, work: Callable[[Context], Awaitable[Any]], *, write: bool = True
) -> Any:
    runtime = app.state.job_runtime
    async with runtime.db.unit_of_work(write=write) as session:
        return await work(Context(session=session, clock=runtime.clock, request_id="test"))


async def site_admin(client: httpx.AsyncClient, app: FastAPI) -> Person:
    person = await sign_up(client, "siteadmin")

    async def promote(ctx: Context) -> None:
        await ctx.session.execute(
            update(User).where(User.email == person.email).values(is_superuser=True)
        )

    await in_unit(app, promote)
    return person


async def dead_job(app: FastAPI, kind: str = "webhooks.deliver") -> int:
    """A job that spent its three attempts, and its dead letter."""

    async def work(ctx: Context) -> int:
        now = ctx.now()
        job = Job(
            kind=kind, payload={}, priority=0, state="dead", attempts=3, max_attempts=3,
            timeout_seconds=30.0, run_at=now, created_at=now - timedelta(minutes=5),
            finished_at=now, last_error="ValueError: boom",
        )  # fmt: skip
        ctx.session.add(job)
        await ctx.session.flush()
        letter = DeadLetter(
            job_id=job.id, kind=kind, payload={}, attempts=3, error="ValueError: boom <b>",
            traceback='Traceback (most recent call last):\n  File "x.py"\nValueError: boom',
            failed_at=now,
        )  # fmt: skip
        ctx.session.add(letter)
        await ctx.session.flush()
        return letter.id

    letter_id: int = await in_unit(app, work)
    return letter_id


async def test_a_site_admin_sees_the_queue_and_requeues_a_dead_letter(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    admin = await site_admin(client, app)
    letter_id = await dead_job(app)
    await browser_sign_in(client, admin.email)

    page = await client.get(PAGE)
    assert page.status_code == 200, page.text
    assert 'href="/admin/jobs"' in page.text  # the header links to it for site admins
    assert "webhooks.deliver" in page.text
    assert f'id="dead-letter-{letter_id}"' in page.text
    assert "ValueError: boom &lt;b&gt;" in page.text  # the error, escaped
    assert "<details><summary>Traceback</summary>" in page.text

    action = f"{PAGE}/dead-letters/{letter_id}/requeue"
    requeued = await post_form(client, action, {}, page=PAGE)
    assert requeued.status_code == 303, requeued.text
    assert requeued.headers["location"] == f"{PAGE}?done={letter_id}"
    after = await client.get(requeued.headers["location"])
    assert "is back on the queue" in after.text
    assert f'id="dead-letter-{letter_id}"' not in after.text
    assert "No dead letters waiting to be re-queued." in after.text
    assert 'href="/admin/jobs?all=1">Show re-queued ones too' in after.text
    # The re-queued one is still there to look at, saying when and by whom; not again.
    everything = await client.get(f"{PAGE}?all=1")
    shown = re.search(rf'<li id="dead-letter-{letter_id}">(.*?)</li>', everything.text, re.S)
    assert shown, everything.text
    assert re.search(r"Re-queued <time [^>]+>[^<]+</time> by Siteadmin\.", shown.group(1))
    assert "/requeue" not in shown.group(1)  # no button: it is on the queue already

    async def state(ctx: Context) -> tuple[str, int, bool]:
        job = (await ctx.session.scalars(select(Job))).one()
        audited = await ctx.session.scalars(
            select(AuditEvent.target_id).where(AuditEvent.action == "job.requeued")
        )
        return job.state, job.attempts, list(audited) == [str(job.id)]

    assert await in_unit(app, state, write=False) == ("queued", 0, True)

    again = await post_form(client, action, {}, page=PAGE)  # a second click, or someone else's
    assert again.status_code == 303
    assert again.headers["location"] == f"{PAGE}?refused=requeued"
    said = await client.get(again.headers["location"])
    assert "re-queued already" in said.text


async def test_anyone_else_is_refused_and_sees_no_link(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    letter_id = await dead_job(app)
    anonymous = await client.get(PAGE)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/sign-in?next=%2Fadmin%2Fjobs"

    someone = await sign_up(client, "someone")
    await browser_sign_in(client, someone.email)
    dashboard = await client.get("/dashboard")
    assert 'href="/admin/jobs"' not in dashboard.text
    refused = await client.get(PAGE)
    assert refused.status_code == 403
    assert "webhooks.deliver" not in refused.text
    posted = await post_form(
        client, f"{PAGE}/dead-letters/{letter_id}/requeue", {}, page="/dashboard"
    )
    assert posted.status_code == 403

    async def still_dead(ctx: Context) -> str:
        return (await ctx.session.scalars(select(Job.state))).one()

    assert await in_unit(app, still_dead, write=False) == "dead"


async def test_dead_letters_come_fifty_a_page(client: httpx.AsyncClient, app: FastAPI) -> None:
    admin = await site_admin(client, app)
    letters = [await dead_job(app, kind=f"kind.{n}") for n in range(51)]
    await browser_sign_in(client, admin.email)
    first = await client.get(PAGE)
    assert f'id="dead-letter-{letters[-1]}"' in first.text  # newest first
    assert f'id="dead-letter-{letters[0]}"' not in first.text
    older = re.search(r'href="([^"]*before=\d+[^"]*)">Older dead letters', first.text)
    assert older
    second = await client.get(older.group(1).replace("&amp;", "&"))
    assert f'id="dead-letter-{letters[0]}"' in second.text
    assert second.text.count('id="dead-letter-') == 1
    assert "Older dead letters" not in second.text
