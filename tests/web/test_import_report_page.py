"""The import report page says what an author needs: what each question left out, refusals
in words, and no "Import for real" when it would write nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from studyhall.jobs.worker import Worker
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in
from tests.web.test_import_pages import upload


@pytest.fixture
async def worker(app: FastAPI) -> AsyncIterator[Worker]:
    made = Worker(app.state.job_runtime, concurrency=1, run_schedules=False)
    yield made
    await made.stop(grace=0)


GRANT = """$CATEGORY: Architecture/Cluster

When was Ulysses S. Grant born? {#=1822:0 # Correct! =%50%1822:2 # Close.}
"""


async def report_page(
    client: httpx.AsyncClient, school: School, worker: Worker, name: str, data: bytes,
    **fields: str,
) -> str:  # fmt: skip
    await browser_sign_in(client, school.author.email)
    started = await upload(client, school, name, data, **fields)
    assert started.status_code == 303, started.text[:2000]
    await worker.run_until_idle()
    page = await client.get(started.headers["location"])
    assert page.status_code == 200
    return page.text


async def test_what_a_question_left_out_is_shown_beside_it(
    client: httpx.AsyncClient, school: School, worker: Worker
) -> None:
    text = await report_page(client, school, worker, "grant.gift", GRANT.encode())
    assert 'id="warned"' in text
    assert "1822:2 worth 50% is left out" in text


PLAIN = """Who plans the job in the uncategorised test? {=The driver ~An executor}

Lazy in the uncategorised test.{T}
"""


async def test_the_form_asks_for_a_topic_for_questions_without_a_category(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    form = await client.get(f"/o/school/tracks/{school.track['id']}/import")
    assert "Topic for questions without a category" in form.text


async def test_a_dry_run_that_would_write_nothing_offers_no_import_for_real(
    client: httpx.AsyncClient, school: School, worker: Worker
) -> None:
    text = await report_page(client, school, worker, "plain.gift", PLAIN.encode(), dry_run="true")
    assert "Dry run finished" in text
    assert "Import for real" not in text
    assert "would write nothing" in text


async def test_the_question_page_shows_which_answers_earn_part_of_the_marks(
    client: httpx.AsyncClient, school: School, worker: Worker
) -> None:
    gift = "$CATEGORY: Architecture/Cluster\n\nName a pet that purrs {=Cat =%50%Kitten}\n"
    await report_page(client, school, worker, "pets.gift", gift.encode())
    listing = await client.get("/o/school/questions", params={"q": "purrs"})
    found = re.search(r'href="(/o/school/questions/[0-9a-f-]{36})"', listing.text)
    assert found, listing.text[:2000]
    page = await client.get(found.group(1))
    text = re.sub(r"<[^>]+>", "", page.text)
    assert "Cat, Kitten (50 % of the marks)" in text


async def test_a_dry_run_refused_for_want_of_a_topic_can_be_tried_again_with_one(
    client: httpx.AsyncClient, school: School, worker: Worker
) -> None:
    """With default settings a GIFT file without `$CATEGORY` is refused question by question;
    the report then asks for the topic and tries the same file again, without a new upload."""
    await browser_sign_in(client, school.author.email)
    started = await upload(client, school, "plain.gift", PLAIN.encode(), dry_run="true")
    await worker.run_until_idle()
    first = (await client.get(started.headers["location"])).text
    assert 'id="retry"' in first
    assert "Topic for the 2 questions without one" in first
    action = re.search(r'id="retry" action="([^"]+)"', first)
    topic = re.search(
        r'<select id="retry-topic"[^>]*>.*?<option value="([0-9a-f-]{36})">', first, re.S
    )
    assert action
    assert topic
    token = re.search(r'name="csrf_token" value="([^"]+)"', first)
    assert token
    again = await client.post(
        action.group(1), data={"csrf_token": token.group(1), "default_topic": topic.group(1)}
    )
    assert again.status_code == 303, again.text[:2000]
    await worker.run_until_idle()
    second = (await client.get(again.headers["location"])).text
    assert "Import for real" in second
    assert 'id="retry"' not in second
    assert "would write nothing" not in second
