"""A learner in an organisation, their reminders page, and running the job queue dry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select

from studyhall.jobs.models import Job
from studyhall.jobs.worker import Worker
from studyhall.kit.clock import FrozenClock
from tests.factories import Person, add_member, make_org, sign_up

FEED = re.compile(r"https?://[^\s\"<]+/calendar/(shc_[A-Za-z0-9_-]+)\.ics")


@dataclass
class School:
    owner: Person
    learner: Person
    slug: str


async def school(client: httpx.AsyncClient, slug: str = "acme", name: str = "Acme") -> School:
    owner = await sign_up(client, f"owner-{slug}")
    await make_org(client, owner, slug=slug, name=name)
    learner = await sign_up(client, f"learner-{slug}")
    await add_member(client, slug, owner, learner, "learner")
    return School(owner, learner, slug)


async def page(client: httpx.AsyncClient, who: Person, slug: str) -> httpx.Response:
    response = await client.get(f"/o/{slug}/reminders", headers=who.auth)
    assert response.status_code == 200, response.text
    return response


async def press(
    client: httpx.AsyncClient, who: Person, path: str, data: dict[str, str] | None = None
) -> httpx.Response:
    """Post a form of the page as the signed-in person (a bearer token needs no CSRF token)."""
    response = await client.post(path, data=data or {}, headers=who.auth)
    assert response.status_code == 303, response.text
    return response


async def feed_token(client: httpx.AsyncClient, who: Person, slug: str) -> str:
    """The learner's feed token, made on their page and read from it as they would copy it."""
    await press(client, who, f"/o/{slug}/reminders/feed")
    found = FEED.search((await page(client, who, slug)).text)
    assert found, "the page shows no feed address"
    return found.group(1)


async def run_jobs(worker: Worker, clock: FrozenClock, rounds: int = 50) -> None:
    """Run the worker, then move time to the next retry, until nothing is queued."""
    for _ in range(rounds):
        await worker.run_until_idle()
        async with worker.runtime.db.unit_of_work(write=False) as session:
            soonest = await session.scalar(
                select(func.min(Job.run_at)).where(Job.state == "queued")
            )
        if soonest is None:
            return
        clock.set(max(soonest, clock.now()))
    raise AssertionError("the jobs never settled")


async def jobs(app: Any, kind: str) -> list[Job]:
    async with app.state.db.unit_of_work(write=False) as session:
        return list((await session.scalars(select(Job).where(Job.kind == kind))).all())
