"""The API: propose a track's syllabus from a notice (text or PDF), then apply it."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.exams.syllabus_pdfs import protected_pdf, scanned_pdf, text_pdf
from tests.factories import Person, choice_question, leaf_topics, read_audit_log

NOTICE = """\
CONHECIMENTOS BÁSICOS
LÍNGUA PORTUGUESA (20 questões): 1 Compreensão de textos. 2 Ortografia oficial. 2.1 Acentuação.
NOÇÕES DE INFORMÁTICA (10 questões): 1 Internet e intranet. 2 Correio eletrônico.
Página 2
"""


def base(track: dict[str, Any]) -> str:
    return f"/api/v1/orgs/acme/tracks/{track['id']}/syllabus"


def as_apply(topics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"name": t["name"], "weight": t["weight"], "children": as_apply(t["children"])}
        for t in topics
    ]


async def test_pasted_text_is_proposed_and_nothing_is_written(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any]
) -> None:
    response = await client.post(
        f"{base(track)}/proposals", json={"text": NOTICE}, headers=owner.auth
    )
    assert response.status_code == 200, response.text
    proposal = response.json()
    assert proposal["source"] == "text"
    assert proposal["topic_count"] == 8
    (basic,) = proposal["topics"]
    assert [(t["name"], t["questions"], round(t["weight"], 2)) for t in basic["children"]] == [
        ("LÍNGUA PORTUGUESA", 20, 66.67),
        ("NOÇÕES DE INFORMÁTICA", 10, 33.33),
    ]
    assert proposal["warnings"] == [
        {"line": 4, "text": "Página 2", "message": "a page number: left out"}
    ]
    assert proposal["changes"]["added"][:2] == ["CONHECIMENTOS BÁSICOS", "LÍNGUA PORTUGUESA"]
    assert sorted(proposal["changes"]["removed"]) == [
        "Architecture", "Cluster", "DataFrames", "Execution",
    ]  # fmt: skip
    unchanged = await client.get(f"/api/v1/orgs/acme/tracks/{track['id']}", headers=owner.auth)
    assert unchanged.json() == track


async def test_apply_makes_the_corrected_tree_the_syllabus_audited(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any]
) -> None:
    proposed = await client.post(
        f"{base(track)}/proposals", json={"text": NOTICE}, headers=owner.auth
    )
    topics = as_apply(proposed.json()["topics"])
    # The author corrects: renames a topic, and gives counts instead of percents.
    topics[0]["children"][1]["name"] = "Informática"
    topics[0]["children"][0]["weight"], topics[0]["children"][1]["weight"] = 30, 10
    applied = await client.post(
        f"{base(track)}/apply", json={"topics": topics}, headers={**owner.auth, "If-Match": '"r1"'}
    )
    assert applied.status_code == 200, applied.text
    assert applied.headers["etag"] == '"r2"'
    subjects = applied.json()["topics"][0]["children"]
    assert [(s["name"], s["weight"]) for s in subjects] == [
        ("LÍNGUA PORTUGUESA", 75.0),
        ("Informática", 25.0),
    ]
    assert [t["name"] for t in subjects[0]["children"]] == [
        "Compreensão de textos",
        "Ortografia oficial",
    ]
    read = await client.get(f"/api/v1/orgs/acme/tracks/{track['id']}", headers=owner.auth)
    assert read.json()["topics"] == applied.json()["topics"]
    (event,) = await read_audit_log(client, "acme", owner.auth, action="track.syllabus_replaced")
    assert event["summary"]["topics"] == 8


async def test_topics_are_kept_by_name_and_those_with_questions_are_never_dropped_silently(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any]
) -> None:
    cluster = next(t for t in leaf_topics(track) if t["name"] == "Cluster")
    made = await client.post(
        f"/api/v1/orgs/acme/tracks/{track['id']}/questions",
        json=choice_question(str(cluster["id"])),
        headers=owner.auth,
    )
    assert made.status_code == 201, made.text
    text = "ARCHITECTURE\n1 cluster.\n2 Memory\nSTREAMING\n"
    proposal = (
        await client.post(f"{base(track)}/proposals", json={"text": text}, headers=owner.auth)
    ).json()
    # "cluster" is "Cluster": kept, with its question; an unused topic is removed.
    assert proposal["changes"]["kept"] == ["Architecture", "Cluster"]
    assert proposal["changes"]["removed"] == ["Execution", "DataFrames"]
    assert proposal["changes"]["in_use"] == []
    applied = await client.post(
        f"{base(track)}/apply", json={"topics": as_apply(proposal["topics"])}, headers=owner.auth
    )
    assert applied.status_code == 200, applied.text
    kept = applied.json()["topics"][0]["children"][0]
    assert (kept["id"], kept["name"]) == (cluster["id"], "cluster")
    # Now a tree without it: the preview says so, and applying is refused, naming it.
    proposal = (
        await client.post(
            f"{base(track)}/proposals", json={"text": "STREAMING\nMEMORY"}, headers=owner.auth
        )
    ).json()
    assert proposal["changes"]["in_use"] == [{"name": "cluster", "questions": 1}]
    refused = await client.post(
        f"{base(track)}/apply", json={"topics": as_apply(proposal["topics"])}, headers=owner.auth
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("topic-in-use")
    assert "'cluster' has 1 questions" in refused.text
    after = await client.get(f"/api/v1/orgs/acme/tracks/{track['id']}", headers=owner.auth)
    assert after.json()["topics"] == applied.json()["topics"]


async def test_a_pdf_upload_is_proposed_with_its_accents(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any]
) -> None:
    pdf = text_pdf([["DIREITO PENAL: 1 Aplicação da lei penal. 2 Crimes contra a pessoa."]])
    response = await client.post(
        f"{base(track)}/proposals",
        files={"file": ("edital.pdf", pdf, "application/pdf")},
        headers=owner.auth,
    )
    assert response.status_code == 200, response.text
    proposal = response.json()
    assert (proposal["source"], proposal["pages"]) == ("pdf", 1)
    assert [t["name"] for t in proposal["topics"][0]["children"]] == [
        "Aplicação da lei penal", "Crimes contra a pessoa",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (scanned_pdf, "no text — it is probably a scan; paste the text instead"),
        (lambda: protected_pdf("reader-secret"), "protected by a password"),
        (lambda: text_pdf([["DIREITO"]])[:900], "cut short"),
        (lambda: b"GIF89a not a pdf at all", "not a PDF"),
    ],
    ids=["scan", "encrypted", "truncated", "not-a-pdf"],
)
async def test_unreadable_pdfs_get_a_422_naming_the_file_and_the_reason(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any], make: Any, says: str
) -> None:
    response = await client.post(
        f"{base(track)}/proposals",
        files={"file": ("edital.pdf", make(), "application/pdf")},
        headers=owner.auth,
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert error["field"] == "body.file"
    assert says in error["message"]


@pytest.mark.parametrize("settings_overrides", [{"syllabus_pdf_max_pages": 2}])
async def test_a_pdf_with_too_many_pages_is_refused(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any]
) -> None:
    pdf = text_pdf([["DIREITO"]] * 3)
    response = await client.post(
        f"{base(track)}/proposals", files={"file": ("e.pdf", pdf)}, headers=owner.auth
    )
    assert response.status_code == 422, response.text
    assert "3 pages; at most 2" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("settings_overrides", [{"syllabus_pdf_max_bytes": 2048}])
async def test_a_pdf_over_the_size_limit_is_refused_with_413(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any]
) -> None:
    pdf = text_pdf([["DIREITO " * 2000]])
    response = await client.post(
        f"{base(track)}/proposals", files={"file": ("e.pdf", pdf)}, headers=owner.auth
    )
    assert response.status_code == 413, response.text
    assert response.json()["type"].endswith("syllabus-pdf-too-large")


@pytest.mark.parametrize(
    ("body", "field"),
    [({"text": ""}, "body.text"), ({"text": "  \n "}, "body.text"), ({}, "body.text"),
     ({"text": "12\n13\n"}, "body.text"), ({"text": "x", "other": 1}, "body.other")],
)  # fmt: skip
async def test_empty_or_wrong_text_gets_a_422_naming_the_field(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any], body: Any, field: str
) -> None:
    response = await client.post(f"{base(track)}/proposals", json=body, headers=owner.auth)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_two_thousand_topics_propose_and_apply_in_bounded_time(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any]
) -> None:
    subjects = [
        f"MATÉRIA {s}: " + " ".join(f"{i} Tópico {s}.{i} de estudo." for i in range(1, 100))
        for s in range(20)
    ]
    started = time.perf_counter()
    proposal = await client.post(
        f"{base(track)}/proposals", json={"text": "\n".join(subjects)}, headers=owner.auth
    )
    assert proposal.status_code == 200, proposal.text
    assert proposal.json()["topic_count"] == 2000
    applied = await client.post(
        f"{base(track)}/apply",
        json={"topics": as_apply(proposal.json()["topics"])},
        headers=owner.auth,
    )
    assert applied.status_code == 200, applied.text
    assert sum(len(s["children"]) for s in applied.json()["topics"]) == 1980
    assert time.perf_counter() - started < 30


async def test_one_topic_applies(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any]
) -> None:
    applied = await client.post(
        f"{base(track)}/apply", json={"topics": [{"name": "Redação", "weight": 1}]},
        headers=owner.auth,
    )  # fmt: skip
    assert applied.status_code == 200, applied.text
    assert [(t["name"], t["weight"]) for t in applied.json()["topics"]] == [("Redação", 100.0)]


@pytest.mark.parametrize(
    ("topics", "field"),
    [([], "body.topics"), ([{"name": "", "weight": 1}], "body.topics.0.name"),
     ([{"name": "A", "weight": 0}], "body.topics.0.weight"),
     ([{"name": "A" * 201, "weight": 1}], "body.topics.0.name")],
)  # fmt: skip
async def test_a_wrong_tree_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any], topics: Any, field: str
) -> None:
    response = await client.post(
        f"{base(track)}/apply", json={"topics": topics}, headers=owner.auth
    )
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    read = await client.get(f"/api/v1/orgs/acme/tracks/{track['id']}", headers=owner.auth)
    assert read.json() == track


async def test_a_stale_etag_is_refused(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any]
) -> None:
    response = await client.post(
        f"{base(track)}/apply", json={"topics": [{"name": "A", "weight": 1}]},
        headers={**owner.auth, "If-Match": '"r7"'},
    )  # fmt: skip
    assert response.status_code == 412


async def test_a_learner_may_not_propose_nor_apply(
    client: httpx.AsyncClient, owner: Person, track: dict[str, Any]
) -> None:
    from tests.factories import add_member, sign_up

    learner = await sign_up(client, "learner")
    await add_member(client, "acme", owner, learner, "learner")
    for path, body in (("proposals", {"text": NOTICE}), ("apply", {"topics": []})):
        response = await client.post(f"{base(track)}/{path}", json=body, headers=learner.auth)
        assert response.status_code == 403, response.text
