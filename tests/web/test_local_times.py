"""Times on the learner pages are shown in the learner's time zone, labelled: the browser's
(its script keeps it in a cookie), else UTC said as "UTC"."""

from __future__ import annotations

import re

import httpx

from tests.web.conftest import School
from tests.web.helpers import browser_sign_in
from tests.web.learner_steps import start_attempt, submit

# The test clock stands at 23 Nov 2026 09:00 UTC: 14:30 in India (UTC+5:30).


async def _times(client: httpx.AsyncClient, path: str) -> list[str]:
    page = (await client.get(path)).text
    return re.findall(r"<time datetime=\"[^\"]+\"[^>]*>([^<]+)</time>", page)


async def test_times_are_in_the_learners_zone_and_say_which(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    running = await start_attempt(client, school, mode="practice", count="2")
    done = await start_attempt(client, school, mode="simulation")
    await submit(client, done)
    start = f"/o/school/tracks/{school.track['id']}/start"
    pages = ["/o/school/attempts", "/o/school", f"{done}/result", start]

    for path in pages:  # no zone known yet: UTC, and it says so
        times = await _times(client, path)
        assert times, path
        assert all(t.endswith("09:00 UTC") for t in times), (path, times)

    client.cookies.set("studyhall_tz", "Asia/Kolkata")
    for path in pages:
        times = await _times(client, path)
        assert times, path
        assert all(t == "23 Nov 2026 14:30 IST" for t in times), (path, times)

    client.cookies.set("studyhall_tz", "Mars/Olympus_Mons")  # not a zone: UTC again
    assert (await _times(client, "/o/school/attempts"))[0] == "23 Nov 2026 09:00 UTC"
    assert running  # the running practice set is listed with the rest


async def test_admin_and_author_pages_show_times_in_the_readers_zone(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.owner.email)
    client.cookies.set("studyhall_tz", "Asia/Kolkata")
    audit = await _times(client, "/o/school/admin/audit")
    assert audit
    assert all(t == "23 Nov 2026 14:30:00 IST" for t in audit), audit
    invited = await client.post(
        "/api/v1/orgs/school/invitations", json={"email": "x@example.com", "role": "learner"},
        headers=school.owner.auth,
    )  # fmt: skip
    assert invited.status_code == 201
    page = (await client.get("/o/school/admin/invitations")).text
    assert re.search(r'data-label="Expires">30 Nov 2026<', page), page[:3000]
