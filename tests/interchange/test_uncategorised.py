"""GIFT and Aiken files often have no categories: with default settings their questions go to
the track's only topic, or the report says plainly to choose one (never a wall of refusals
that reads like a bug)."""

from __future__ import annotations

from typing import Any

import httpx

from studyhall.jobs.worker import Worker
from tests.acme import ORG
from tests.factories import Person, leaf_topics, make_track
from tests.interchange.test_imports_api import imported

PLAIN = """Who plans the job? {=The driver ~An executor}

Transformations are lazy.{T}
"""


async def test_without_categories_a_one_topic_track_takes_them_all(
    client: httpx.AsyncClient, worker: Worker, owner: Person, author: Person
) -> None:
    track = await make_track(
        client, ORG, owner, slug="one-topic", topics=[{"name": "Everything", "weight": 100}]
    )
    state, report = await imported(client, worker, track, author, "plain.gift", PLAIN.encode())
    assert state["status"] == "done", report
    assert state["counts"]["create"] == 2


async def test_without_categories_the_report_asks_for_a_topic_in_words(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    state, report = await imported(
        client, worker, track, author, "plain.gift", PLAIN.encode(), dry_run="true"
    )
    reasons = {i["reason"] for i in report["items"]}
    assert len(reasons) == 1
    (reason,) = reasons
    assert "no category" in reason
    assert "topic for questions without a category" in reason

    chosen = leaf_topics(track)[0]["id"]
    state, report = await imported(
        client, worker, track, author, "plain.gift", PLAIN.encode(), default_topic=str(chosen)
    )
    assert state["counts"]["create"] == 2
