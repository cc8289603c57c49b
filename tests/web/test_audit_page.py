"""The audit log as an admin reads it: each object named (a question by its stem's start, a
person by name, a track by name), details in words, and the action filter by prefix."""

from __future__ import annotations

import re

import httpx

from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _rows(page: str) -> list[dict[str, str]]:
    """Each row of the log: its cells by label, as text."""
    body = page.split('<table id="audit"', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S):
        cells = re.findall(r'<td[^>]*data-label="([^"]+)"[^>]*>(.*?)</td>', row, re.S)
        if cells:  # not the "No events match." row
            rows.append({label: re.sub(r"<[^>]+>", "", text).strip() for label, text in cells})
    return rows


async def test_objects_are_named_and_details_read_as_words(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.owner.email)
    changed = await post_form(
        client, f"/o/school/admin/members/{school.learner.id}/role", {"role": "author"},
        page="/o/school/admin/members",
    )  # fmt: skip
    assert changed.status_code == 303
    learner_name = school.learner.email.split("@")[0].title()
    rows = _rows((await client.get("/o/school/admin/audit")).text)
    role = next(r for r in rows if r["Action"] == "member.role_changed")
    assert role["Object"] == learner_name
    assert role["Details"] == "Role: learner → author"
    created = [r for r in rows if r["Action"] == "question.created"]
    assert created
    assert all(r["Object"].startswith("Question ") for r in created), created
    assert any("Question 0a?" in r["Object"] for r in created)
    assert "Track: Spark Associate (practice)" in created[0]["Details"]
    assert "Type: Single choice" in created[0]["Details"]
    track = next(r for r in rows if r["Action"] == "track.created")
    assert track["Object"] == "Spark Associate (practice)"
    for row in rows:
        for cell in (row["Object"], row["Details"]):
            assert not UUID_TEXT.search(cell), row
            assert not set("[{'") & set(cell), row  # no Python reprs


async def test_the_action_filter_matches_by_prefix(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.owner.email)
    for typed in ("member", "member.", "mem"):
        rows = _rows((await client.get(f"/o/school/admin/audit?action={typed}")).text)
        assert {r["Action"] for r in rows} == {"member.added"}, typed
        assert len(rows) == 4  # the owner, then author, reviewer and learner joined
    exact = _rows((await client.get("/o/school/admin/audit?action=member.added")).text)
    assert len(exact) == 4
