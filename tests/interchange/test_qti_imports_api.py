"""QTI imports end to end (upload, job, report, stored question): what an author reads in
the report about what a QTI file held that we could not keep."""

from __future__ import annotations

from typing import Any

import httpx

from studyhall.jobs.worker import Worker
from tests.factories import Person, leaf_topics
from tests.interchange.test_imports_api import imported, questions_of
from tests.interchange.test_qti_import import CHOICES, item21, item_with_processing, modal
from tests.interchange.test_xml_formats import png, zipped

RIGHT_OR_WRONG = """<responseCondition><responseIf>
    <match><variable identifier="RESPONSE"/><correct identifier="RESPONSE"/></match>
    <setOutcomeValue identifier="FEEDBACK"><baseValue baseType="identifier">correct</baseValue>
    </setOutcomeValue></responseIf></responseCondition>"""


async def test_the_report_says_which_feedback_was_left_out(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    xml = item_with_processing(
        f"<p>Pick the vowel</p>{CHOICES}", RIGHT_OR_WRONG,
        modal("correct", "Well done.") + modal("general", "a is a vowel.", outcome="NOTE"),
    )  # fmt: skip
    topic = leaf_topics(track)[0]["id"]
    state, report = await imported(
        client, worker, track, author, "vowel.xml", xml, default_topic=topic
    )
    assert state["status"] == "done", state
    (entry,) = report["items"]
    assert entry["action"] == "create"
    assert any("conditional feedback left out: 'correct'" in w for w in entry["warnings"])
    (question,) = await questions_of(client, track, author)
    assert question["explanation"] == "a is a vowel."
    assert "Well done" not in str(question)


async def test_an_image_the_upload_lacks_is_named_in_the_report_not_a_silent_create(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    xml = item21(f"<p>Which chart? <img src='img/chart.png' alt='chart'/></p>{CHOICES}")
    topic = leaf_topics(track)[0]["id"]
    state, report = await imported(
        client, worker, track, author, "chart.xml", xml, default_topic=topic
    )
    assert state["status"] == "done", state
    (entry,) = report["items"]
    assert entry["action"] == "create"
    assert entry["warnings"][0].startswith(
        "the image 'img/chart.png' is left out: this file does not"
    )


async def test_a_lone_item_zipped_with_its_image_imports_the_image(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    xml = item21(f"<p>Which chart? <img src='img/chart.png' alt='chart'/></p>{CHOICES}")
    package = zipped({"chart.xml": xml, "img/chart.png": png()})
    topic = leaf_topics(track)[0]["id"]
    state, report = await imported(
        client, worker, track, author, "chart.zip", package, default_topic=topic
    )
    assert state["status"] == "done", state
    (entry,) = report["items"]
    assert (entry["action"], entry["reason"], entry["warnings"]) == ("create", None, [])
    (question,) = await questions_of(client, track, author)
    assert "](media:" in question["stem"]
