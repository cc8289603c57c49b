"""What an import's report tells an author: losses per question (warnings), refusals in
words, and counts that match what was written."""

from __future__ import annotations

from typing import Any

import httpx

from studyhall.jobs.worker import Worker
from tests.factories import Person
from tests.interchange.test_imports_api import imported

GRANT = """$CATEGORY: Architecture/Cluster

When was Ulysses S. Grant born? {#=1822:0 # Correct! =%50%1822:2 # Close.}
"""


async def test_what_a_question_leaves_out_is_a_warning_in_its_report_entry(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    state, report = await imported(client, worker, track, author, "grant.gift", GRANT.encode())
    assert state["status"] == "done"
    (item,) = report["items"]
    assert item["action"] == "create"
    assert len(item["warnings"]) == 1
    assert "1822:2 worth 50% is left out" in item["warnings"][0]
