"""The import page shows what an imported question lost (QTI feedback, media), not only the
refused ones: a question created with a note is never a silent 'create'."""

from __future__ import annotations

import httpx

from studyhall.jobs.worker import Worker
from tests.factories import leaf_topics
from tests.interchange.test_qti_import import CHOICES, item21
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in
from tests.web.test_import_pages import upload, worker

__all__ = ["worker"]  # the fixture, used by name


async def test_a_question_imported_with_a_loss_is_listed_with_why(
    client: httpx.AsyncClient, school: School, worker: Worker
) -> None:
    await browser_sign_in(client, school.author.email)
    xml = item21(f"<p>Which tune? <audio src='tune.mp3'/></p>{CHOICES}")
    topic = leaf_topics(school.track)[0]["id"]
    started = await upload(client, school, "tune.xml", xml, default_topic=topic)
    assert started.status_code == 303, started.text[:2000]
    await worker.run_until_idle()
    page = await client.get(started.headers["location"])
    assert page.status_code == 200
    assert 'id="warned"' in page.text
    assert "the audio &#39;tune.mp3&#39; is left out: questions hold images only" in page.text
