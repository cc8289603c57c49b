"""The syllabus-from-notice page: refusals come back beside their field, never as an error
page; topics with questions are kept or the apply is refused with their names."""

from __future__ import annotations

import re

import httpx

from tests.exams.syllabus_pdfs import scanned_pdf
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, token_of


def page_of(school: School) -> str:
    return f"/o/school/tracks/{school.track['id']}/syllabus/import"


async def post(
    client: httpx.AsyncClient,
    path: str,
    data: dict[str, str],
    files: dict[str, object] | None = None,
) -> httpx.Response:
    token = await token_of(client, path)
    return await client.post(path, data={**data, "csrf_token": token}, files=files)


async def test_an_empty_text_and_a_scan_are_said_beside_their_fields(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    empty = await post(client, page_of(school), {"step": "read", "text": "  "})
    assert empty.status_code == 422
    assert 'id="text-error"' in empty.text
    assert "paste the syllabus of the notice" in empty.text
    scan = await post(
        client, page_of(school), {"step": "read", "text": ""},
        files={"file": ("edital.pdf", scanned_pdf(), "application/pdf")},
    )  # fmt: skip
    assert scan.status_code == 422
    assert 'id="file-error"' in scan.text
    assert "it is probably a scan; paste the text instead" in scan.text


async def test_a_tree_dropping_topics_with_questions_is_refused_naming_them(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    read = await post(client, page_of(school), {"step": "read", "text": "DIREITO\n1 Penal"})
    assert read.status_code == 200, read.text
    # The preview warns before anything is tried.
    assert "Not applied while these current topics with questions are missing" in read.text
    assert "Cluster (2 questions)" in read.text
    refused = await post(
        client, page_of(school), {"step": "apply", "tree": "DIREITO | 100\n  Penal | 100"}
    )
    assert refused.status_code == 409
    assert 'id="tree-error"' in refused.text
    said = re.search(r'id="tree-error">([^<]*)<', refused.text)
    assert said is not None
    for name in ("Cluster", "Execution", "DataFrames"):
        assert re.search(rf"&#39;{name}&#39; has 2\squestions", said.group(1)), said.group(1)
    kept = "Architecture | 60\n  Cluster | 50\n  Execution | 50\nDataFrames | 40\nDireito | 10"
    applied = await post(client, page_of(school), {"step": "apply", "tree": kept})
    assert applied.status_code == 303, applied.text
    track = await client.get(
        f"/api/v1/orgs/school/tracks/{school.track['id']}", headers=school.owner.auth
    )
    assert [t["name"] for t in track.json()["topics"]] == ["Architecture", "DataFrames", "Direito"]
    assert track.json()["topics"][0]["id"] == school.track["topics"][0]["id"]  # type: ignore[index]


async def test_a_wrong_line_in_the_corrected_tree_is_named(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    response = await post(
        client, page_of(school), {"step": "preview", "tree": "Direito | 100\nPenal | lots"}
    )
    assert response.status_code == 422
    assert "line 2: the weight after | must be a number" in response.text


async def test_a_learner_is_refused(client: httpx.AsyncClient, school: School) -> None:
    await browser_sign_in(client, school.learner.email)
    response = await client.get(page_of(school))
    assert response.status_code == 403
