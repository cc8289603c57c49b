"""The import and export pages through plain HTTP: the form starts the API's import job, the
status page follows it to its report, a dry run can be run for real, bad uploads get a
message on the form (never an error page), and only authors may use them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from studyhall.jobs.worker import Worker
from tests.factories import leaf_topics
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, token_of

GIFT = """$CATEGORY: Architecture/Cluster

// [tag:imported]
Who plans the job in the import test? {=The driver ~An executor ####The driver plans.}

$CATEGORY: Nowhere at all

A question without a topic? {=Yes ~No}

$CATEGORY: DataFrames

Transformations in the import test are lazy.{T}
"""


@pytest.fixture
async def worker(app: FastAPI) -> AsyncIterator[Worker]:
    made = Worker(app.state.job_runtime, concurrency=1, run_schedules=False)
    yield made
    await made.stop(grace=0)


def base(school: School) -> str:
    return f"/o/school/tracks/{school.track['id']}"


async def upload(
    client: httpx.AsyncClient, school: School, name: str, data: bytes, **fields: str
) -> httpx.Response:
    """Post the import form as a browser does: multipart, with the page's CSRF token."""
    token = await token_of(client, f"{base(school)}/import")
    parts: dict[str, Any] = {"csrf_token": (None, token)}
    parts.update({k: (None, v) for k, v in fields.items()})
    parts["file"] = (name, data)
    return await client.post(f"{base(school)}/import", files=parts)


async def test_a_dry_run_reports_the_bad_line_then_runs_for_real(
    client: httpx.AsyncClient, school: School, worker: Worker
) -> None:
    await browser_sign_in(client, school.author.email)
    form = await client.get(f"{base(school)}/import")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text
    assert "Cluster" in form.text  # the default topic's choices are the track's leaves
    assert f'action="{base(school)}/export"' in form.text

    started = await upload(
        client, school, "bank.gift", GIFT.encode(), dry_run="true", partial="true"
    )
    assert started.status_code == 303, started.text[:2000]
    status_url = started.headers["location"]
    assert re.fullmatch(rf"{base(school)}/imports/[0-9a-f-]+", status_url)

    waiting = await client.get(status_url)
    assert waiting.status_code == 200
    assert "Waiting to start" in waiting.text
    assert 'hx-trigger="every 1s"' in waiting.text  # the page polls itself until done

    await worker.run_until_idle()
    report = await client.get(status_url)
    assert "hx-trigger" not in report.text  # finished: no more polling
    assert "Dry run finished: nothing was written." in report.text
    assert re.search(r'id="count-create">2<', report.text)
    assert re.search(r'id="count-reject">1<', report.text)
    assert "bank.gift:8" in report.text
    assert "matches no leaf topic" in report.text
    assert "/report" in report.text
    questions = await client.get("/o/school/questions", params={"q": "import test"})
    assert "0 questions" in questions.text

    token = await token_of(client, status_url)
    real = await client.post(f"{status_url}/run", data={"csrf_token": token})
    assert real.status_code == 303, real.text[:2000]
    real_url = real.headers["location"]
    assert real_url != status_url
    await worker.run_until_idle()
    done = await client.get(real_url)
    assert "Import finished." in done.text
    assert re.search(r'id="count-create">2<', done.text)
    assert "See the track" in done.text
    questions = await client.get("/o/school/questions", params={"q": "import test"})
    assert "2 questions" in questions.text

    # The file went with the real import: the dry run cannot be run twice.
    again = await client.post(f"{status_url}/run", data={"csrf_token": token})
    assert again.status_code == 303
    assert again.headers["location"].endswith("?gone=1")
    gone = await client.get(again.headers["location"])
    assert "file is gone" in gone.text
    assert "Import for real" not in gone.text

    # The report the page links to is the API's, readable with the browser's session.
    link = re.search(r'href="(/api/v1/[^"]+/report)"', done.text)
    assert link
    downloaded = await client.get(link.group(1))
    assert downloaded.status_code == 200
    assert downloaded.json()["counts"]["create"] == 2


async def test_all_or_nothing_writes_nothing_and_says_so(
    client: httpx.AsyncClient, school: School, worker: Worker
) -> None:
    await browser_sign_in(client, school.author.email)
    started = await upload(client, school, "bank.gift", GIFT.encode(), partial="false")
    await worker.run_until_idle()
    page = await client.get(started.headers["location"])
    assert "The import failed: Some questions were refused, so none was written" in page.text
    assert "bank.gift:8" in page.text
    assert "Import for real" not in page.text


async def test_a_default_topic_and_a_chosen_format_are_used(
    client: httpx.AsyncClient, school: School, worker: Worker
) -> None:
    await browser_sign_in(client, school.author.email)
    topic = str(leaf_topics(school.track)[1]["id"])
    started = await upload(
        client, school, "bank.txt", GIFT.encode(), format="gift", default_topic=topic,
        on_duplicate="update",
    )  # fmt: skip
    assert started.status_code == 303, started.text[:2000]
    await worker.run_until_idle()
    page = await client.get(started.headers["location"])
    assert "Import finished." in page.text
    assert re.search(r'id="count-create">3<', page.text)
    assert "duplicates updated" in page.text


@pytest.mark.parametrize(
    ("name", "data", "fields", "field", "message"),
    [
        ("empty.gift", b"", {}, "file", "is empty"),
        ("bank.bin", b"\x00\x01 nothing to see", {}, "format", "cannot tell the format"),
        ("bank.gift", GIFT.encode(), {"format": "word"}, "format", "is not one of"),
        ("bank.gift", GIFT.encode(), {"on_duplicate": "merge"}, "on_duplicate", "skip or update"),
        ("bank.gift", GIFT.encode(), {"dry_run": "maybe"}, "dry_run", "true or false"),
        ("bank.gift", GIFT.encode(), {"default_topic": "nope"}, "default_topic", "not a UUID"),
    ],
)
async def test_bad_uploads_get_a_message_beside_their_field(
    client: httpx.AsyncClient, school: School, name: str, data: bytes,
    fields: dict[str, str], field: str, message: str,
) -> None:  # fmt: skip
    await browser_sign_in(client, school.author.email)
    page = await upload(client, school, name, data, **fields)
    assert page.status_code == 422, page.text[:2000]
    assert f'id="{field}-error"' in page.text
    assert message in page.text
    assert 'aria-invalid="true"' in page.text


async def test_a_default_topic_of_another_track_is_refused_on_the_form(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    parent = str(school.track["topics"][0]["id"])  # has subtopics: not a leaf
    page = await upload(client, school, "bank.gift", GIFT.encode(), default_topic=parent)
    assert page.status_code == 422
    assert 'id="default_topic-error"' in page.text
    assert "not a leaf topic" in page.text


async def test_no_file_part_is_a_message_too(client: httpx.AsyncClient, school: School) -> None:
    await browser_sign_in(client, school.author.email)
    token = await token_of(client, f"{base(school)}/import")
    page = await client.post(
        f"{base(school)}/import", files={"csrf_token": (None, token), "format": (None, "gift")}
    )
    assert page.status_code == 422
    assert 'id="file-error"' in page.text
    assert "no file" in page.text


@pytest.mark.parametrize("settings_overrides", [{"import_max_bytes": 64}])
async def test_a_file_over_the_limit_is_refused_on_the_form(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    form = await client.get(f"{base(school)}/import")
    assert 'data-max-bytes="64"' in form.text  # the browser refuses it before sending, too
    page = await upload(client, school, "bank.gift", GIFT.encode())
    assert page.status_code == 413
    assert 'id="file-error"' in page.text
    assert "larger than 64 bytes" in page.text


async def test_an_upload_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    await client.get(f"{base(school)}/import")
    refused = await client.post(
        f"{base(school)}/import", files={"file": ("bank.gift", GIFT.encode())}
    )
    assert refused.status_code == 403
    forged = await client.post(
        f"{base(school)}/import",
        files={"file": ("bank.gift", GIFT.encode()), "csrf_token": (None, "forged")},
    )
    assert forged.status_code == 403


async def test_learners_may_not_import_and_strangers_sign_in_first(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    page = await client.get(f"{base(school)}/import")
    assert page.status_code == 403
    refused = await upload(client, school, "bank.gift", GIFT.encode())
    assert refused.status_code == 403
    client.cookies.clear()
    anonymous = await client.get(f"{base(school)}/import")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in?next=")


async def test_the_tracks_page_links_to_import_and_export(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    page = await client.get("/o/school/tracks")
    assert f'href="{base(school)}/import"' in page.text


async def test_the_export_form_downloads_the_tracks_questions(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    form = await client.get(f"{base(school)}/import")
    action = re.search(r'id="export-form" action="([^"]+)"', form.text)
    assert action
    # A browser sends every field of a GET form, the empty ones too.
    everything = await client.get(
        action.group(1), params={"format": "gift", "topic": "", "tag": "", "q": ""}
    )
    assert everything.status_code == 200, everything.text[:500]
    assert "attachment" in everything.headers["content-disposition"]
    assert everything.text.count("{") == 6  # two questions in each of the three leaf topics
    topic = str(leaf_topics(school.track)[0]["id"])
    some = await client.get(
        action.group(1), params={"format": "json", "topic": topic, "tag": "", "q": ""}
    )
    assert some.status_code == 200, some.text[:500]
    assert len(some.json()["questions"]) == 2
    bad = await client.get(action.group(1), params={"format": "docx"})
    assert bad.status_code == 422
    assert "No export format" in bad.text
    await browser_sign_in(client, school.learner.email)
    refused = await client.get(action.group(1), params={"format": "gift"})
    assert refused.status_code == 403
