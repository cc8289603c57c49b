"""The start page offers a running attempt first ("Resume — 9 min left"), a second
simulation is refused with that offer, and the attempt lists show time left."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from studyhall.kit.clock import FrozenClock
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form
from tests.web.learner_steps import start_attempt


async def test_the_start_page_offers_to_resume_before_starting_again(
    client: httpx.AsyncClient, school: School, clock: FrozenClock
) -> None:
    await browser_sign_in(client, school.learner.email)
    exam_url = await start_attempt(client, school, mode="simulation")  # 20 minutes
    clock.advance(timedelta(minutes=11, seconds=30))
    start = f"/o/school/tracks/{school.track['id']}/start"

    page = (await client.get(start)).text
    offer = re.search(r'<a class="button primary" href="([^"]+)">Resume — ([^<]+)</a>', page)
    assert offer, page
    assert offer.group(1) == exam_url
    assert offer.group(2) == "9 min left"
    assert page.index("Resume —") < page.index(f'<form method="post" action="{start}"')

    again = await post_form(client, start, {"mode": "simulation"})
    assert again.status_code == 409
    assert "still running (9 min left)" in again.text
    assert f'href="{exam_url}">Resume — 9 min left' in again.text

    for listing in ("/o/school/attempts", "/o/school"):
        row = (await client.get(listing)).text
        assert re.search(r"in progress</span> 9 min left", row), listing

    practice = await post_form(client, start, {"mode": "practice", "count": "2"})
    assert practice.status_code == 303  # another mode beside it is fine
    rows = (await client.get("/o/school/attempts")).text
    assert "no time limit" in rows  # the practice set has none
