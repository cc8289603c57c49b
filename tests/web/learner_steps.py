"""A learner's steps through the pages, shared by the learner page tests: start an attempt from
the start form, answer through the API as the exam screen does, submit."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.web.conftest import School
from tests.web.helpers import post_form, token_of

STEM = re.compile(r"Question \d+([ab])\?")


async def start_attempt(client: httpx.AsyncClient, school: School, **form: Any) -> str:
    """Post the start form; returns the exam screen's address."""
    started = await post_form(client, f"/o/school/tracks/{school.track['id']}/start", form)
    assert started.status_code == 303, started.text
    return str(started.headers["location"])


async def answer(
    client: httpx.AsyncClient,
    exam_url: str,
    plan: dict[int, str],
    *,
    flagged: frozenset[int] = frozenset(),
    seconds: dict[int, int] | None = None,
) -> None:
    """Answer question n "right" or "wrong" as `plan` says (others are left unanswered),
    through the API the exam screen uses, with the screen's option names."""
    token = await token_of(client, exam_url)
    api = exam_url.replace("/o/school/", "/api/v1/orgs/school/")
    state = (await client.get(api, headers={"X-CSRF-Token": token})).json()
    for question in state["questions"]:
        n = question["position"]
        body: dict[str, Any] = {}
        if n in plan:
            found = STEM.search(question["stem_html"])
            assert found, question["stem_html"]
            right = f"Option {found.group(1).upper()}"
            pick = next(
                o["id"] for o in question["options"] if (right in o["html"]) == (plan[n] == "right")
            )
            body["answer"] = {"choice": pick}
        if n in flagged:
            body["flagged"] = True
        if seconds and n in seconds:
            body["time_spent_ms"] = seconds[n] * 1000
        if body:
            saved = await client.put(
                f"{api}/answers/{n}", json=body, headers={"X-CSRF-Token": token}
            )
            assert saved.status_code == 200, saved.text


async def submit(client: httpx.AsyncClient, exam_url: str) -> None:
    submitted = await post_form(client, f"{exam_url}/submit", {}, page=exam_url)
    assert submitted.status_code == 303, submitted.text
