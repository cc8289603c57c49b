"""Importing through the API: an upload starts a job; its progress and report can be read;
questions become drafts by the uploader; all or nothing unless `partial`; duplicates skipped
or updated; export then import into another track gives the same questions."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from typing import Any

import httpx
import pytest

from studyhall.interchange import qti
from studyhall.interchange.items import Parsed
from studyhall.jobs.worker import Worker
from tests.acme import ORG
from tests.factories import Person, leaf_topics, make_track, read_audit_log
from tests.interchange.test_xml_formats import png

GIFT = """$CATEGORY: $course$/top/Architecture/Cluster

// [tag:spark]
Who plans the job? {=The driver#Yes. ~An executor ~The shuffle ####The driver plans.}

$CATEGORY: DataFrames

Transformations are lazy.{T}

Partitions by default? {#200:0}
"""
BAD = GIFT + "\n$CATEGORY: Nowhere\n\nLost question {=a ~b}\n\nEssay {}\n"


def base(track: dict[str, Any]) -> str:
    return f"/api/v1/orgs/{ORG}/tracks/{track['id']}"


async def upload(
    client: httpx.AsyncClient,
    track: dict[str, Any],
    who: Person,
    name: str,
    data: bytes,
    **fields: str,
) -> httpx.Response:
    return await client.post(
        f"{base(track)}/imports", files={"file": (name, data)}, data=fields, headers=who.auth
    )


async def imported(
    client: httpx.AsyncClient,
    worker: Worker,
    track: dict[str, Any],
    who: Person,
    name: str,
    data: bytes,
    **fields: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Upload, let the worker run the job, and return the import and its report."""
    started = await upload(client, track, who, name, data, **fields)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued"
    await worker.run_until_idle()
    state = await client.get(started.headers["Location"], headers=who.auth)
    assert state.status_code == 200, state.text
    report = await client.get(state.json()["report_url"], headers=who.auth)
    assert report.status_code == 200, report.text
    return state.json(), report.json()


async def questions_of(
    client: httpx.AsyncClient, track: dict[str, Any], who: Person
) -> list[dict[str, Any]]:
    exported = await client.get(
        f"{base(track)}/export", params={"format": "json"}, headers=who.auth
    )
    assert exported.status_code == 200, exported.text
    data = exported.content
    if exported.headers["content-type"] == "application/zip":  # the questions show media
        data = zipfile.ZipFile(io.BytesIO(data)).read("questions.json")
    return list(json.loads(data)["questions"])


async def test_an_upload_becomes_drafts_by_the_uploader(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person, owner: Person
) -> None:
    state, report = await imported(client, worker, track, author, "bank.gift", GIFT.encode())
    assert state["status"] == "done"
    assert state["format"] == "gift"
    assert state["counts"] == {"create": 3, "update": 0, "skip": 0, "reject": 0}
    assert report["written"] is True
    assert [i["where"] for i in report["items"]] == ["bank.gift:4", "bank.gift:8", "bank.gift:10"]
    question = await client.get(
        f"/api/v1/orgs/{ORG}/questions/{report['items'][0]['question_id']}", headers=author.auth
    )
    body = question.json()
    assert (body["status"], body["author_id"], body["tags"]) == ("draft", author.id, ["spark"])
    cluster = leaf_topics(track)[0]
    assert body["topic_id"] == cluster["id"]
    assert body["head_version"]["content"]["explanation"] == "The driver plans."
    audit = await read_audit_log(client, ORG, owner.auth, action="questions.imported")
    assert audit
    assert audit[0]["summary"]["create"] == 3


async def test_one_bad_question_means_nothing_is_written_unless_partial(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    state, report = await imported(client, worker, track, author, "bad.gift", BAD.encode())
    assert state["status"] == "failed"
    assert "none was written" in state["error"]
    rejected = [i for i in report["items"] if i["action"] == "reject"]
    assert [(i["where"], i["reason"][:20]) for i in rejected] == [
        ("bad.gift:14", "the category 'Nowher"),
        ("bad.gift:16", "an essay question (e"),
    ]
    assert report["written"] is False
    assert await questions_of(client, track, author) == []

    state, report = await imported(
        client, worker, track, author, "bad.gift", BAD.encode(), partial="true"
    )
    assert state["status"] == "done"
    assert state["counts"]["create"] == 3
    assert len(await questions_of(client, track, author)) == 3


async def test_a_dry_run_reports_and_writes_nothing(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    state, report = await imported(
        client, worker, track, author, "bank.gift", GIFT.encode(), dry_run="true"
    )
    assert state["status"] == "done"
    assert state["dry_run"] is True
    assert [i["action"] for i in report["items"]] == ["create"] * 3
    assert report["written"] is False
    assert await questions_of(client, track, author) == []


async def test_unmatched_categories_go_to_the_default_topic(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    fallback = leaf_topics(track)[-1]["id"]
    state, _ = await imported(
        client,
        worker,
        track,
        author,
        "bad.gift",
        BAD.encode(),
        partial="true",
        default_topic=str(fallback),
    )
    assert state["counts"] == {"create": 4, "update": 0, "skip": 0, "reject": 1}


@pytest.mark.parametrize("form", ["abc", "0", "hex", "urn", "braces", "upper-spaced"])
async def test_a_default_topic_that_is_not_a_uuid_is_refused_naming_the_field(
    client: httpx.AsyncClient, track: dict[str, Any], author: Person, form: str
) -> None:
    """The OpenAPI says `format: uuid`: the 36-character hyphenated form, nothing else, even
    where Python's UUID() would read it (32 hex digits, `urn:uuid:`, braces)."""
    leaf = str(leaf_topics(track)[-1]["id"])
    value = {
        "hex": leaf.replace("-", ""),
        "urn": f"urn:uuid:{leaf}",
        "braces": f"{{{leaf}}}",
        "upper-spaced": f" {leaf.upper()} ",
    }.get(form, form)
    response = await upload(
        client, track, author, "bad.gift", BAD.encode(), partial="true", default_topic=value
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["body.default_topic"]


async def test_duplicates_are_skipped_or_updated(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    await imported(client, worker, track, author, "bank.gift", GIFT.encode())
    state, report = await imported(client, worker, track, author, "bank.gift", GIFT.encode())
    assert state["counts"]["skip"] == 3
    assert state["status"] == "done"
    assert report["items"][0]["reason"] == "same stem and answers as an existing question"
    changed = GIFT.replace("The driver plans.", "The driver plans every stage.")
    state, report = await imported(
        client, worker, track, author, "bank.gift", changed.encode(), on_duplicate="update"
    )
    assert state["counts"]["update"] == 3
    versions = await client.get(
        f"/api/v1/orgs/{ORG}/questions/{report['items'][0]['question_id']}/versions",
        headers=author.auth,
    )
    assert len(versions.json()) == 2
    explanations = [q["explanation"] for q in await questions_of(client, track, author)]
    assert "The driver plans every stage." in explanations


async def test_a_repeated_question_in_one_file_is_skipped(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    twice = (
        GIFT
        + "\n$CATEGORY: Architecture/Cluster\n\n"
        + "Who plans the job? {=The driver ~An executor ~The shuffle}\n"
    )
    state, report = await imported(client, worker, track, author, "twice.gift", twice.encode())
    assert state["counts"]["skip"] == 1
    assert report["items"][-1]["reason"] == "repeats the question at twice.gift:4"


async def test_moodle_images_become_media(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    image = base64.b64encode(png()).decode()
    xml = f"""<quiz><question type="category">
    <category><text>$course$/top/DataFrames</text></category></question>
    <question type="truefalse"><questiontext format="html"><text><![CDATA[<p>Is this teal?</p>
    <img src="@@PLUGINFILE@@/t.png" alt="swatch">]]></text>
    <file name="t.png" encoding="base64">{image}</file>
    </questiontext><answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
    </question></quiz>"""
    state, _report = await imported(client, worker, track, author, "bank.xml", xml.encode())
    assert state["status"] == "done", state
    (question,) = await questions_of(client, track, author)
    assert question["stem"].startswith("Is this teal?\n\n![swatch](media:")
    media = await client.get(f"/api/v1/orgs/{ORG}/media", headers=author.auth)
    assert [m["filename"] for m in media.json()["items"]] == ["t.png"]


async def test_a_refused_file_fails_the_import_with_the_reason(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    state, report = await imported(
        client, worker, track, author, "evil.xml", b'<!DOCTYPE q [<!ENTITY x "y">]><quiz>&x;</quiz>'
    )
    assert state["status"] == "failed"
    assert state["error"] == "evil.xml: DTDs and entities are not allowed in imported XML"
    assert report["items"] == []


async def test_bad_uploads_get_problems_naming_the_field(
    client: httpx.AsyncClient, track: dict[str, Any], author: Person
) -> None:
    unknown = await upload(client, track, author, "bank.bin", b"\x00\x01")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.format"
    wrong = await upload(client, track, author, "bank.gift", b"x", on_duplicate="merge")
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "body.on_duplicate"
    no_file = await client.post(
        f"{base(track)}/imports", data={"format": "gift"}, headers=author.auth
    )
    assert no_file.status_code == 422
    assert no_file.json()["errors"][0]["field"] == "body.file"


@pytest.mark.parametrize("settings_overrides", [{"import_max_bytes": 100}])
async def test_an_oversized_upload_is_refused(
    client: httpx.AsyncClient, track: dict[str, Any], author: Person
) -> None:
    response = await upload(client, track, author, "big.gift", b"x" * 50_000)
    assert response.status_code == 413
    assert response.json()["type"] == "urn:studyhall:problem:import-too-large"


async def test_export_then_import_into_another_track_gives_the_same_questions(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person, owner: Person
) -> None:
    leaf = str(leaf_topics(track)[1]["id"])
    from tests.bank.helpers import BODIES, content

    for kind, body in BODIES.items():
        made = await client.post(
            f"{base(track)}/questions",
            headers=author.auth,
            json=content(leaf, body, stem=f"A {kind} question"),
        )
        assert made.status_code == 201, made.text
    original = await questions_of(client, track, author)
    other = await make_track(client, ORG, owner, slug="copy")
    for fmt in ("json", "moodle_xml", "qti", "gift", "csv"):
        exported = await client.get(
            f"{base(track)}/export", params={"format": fmt}, headers=author.auth
        )
        assert exported.status_code == 200, exported.text
        expected = 6 if fmt == "gift" else 7  # GIFT has no ordering questions
        assert exported.headers["X-Studyhall-Exported"] == str(expected)
        if fmt == "qti":
            assert all(isinstance(p, Parsed) for p in qti.parse_package(exported.content, "x.zip"))
    exported = await client.get(
        f"{base(track)}/export", params={"format": "json"}, headers=author.auth
    )
    state, _ = await imported(client, worker, other, author, "bank.json", exported.content)
    assert state["counts"]["create"] == 7, state
    copied = await questions_of(client, other, author)

    def by_stem(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(found, key=lambda q: str(q["stem"]))

    assert by_stem(copied) == by_stem(original)


async def test_export_filters_by_topic_tag_and_search(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    await imported(client, worker, track, author, "bank.gift", GIFT.encode())
    architecture = track["topics"][0]["id"]

    async def stems(**params: str) -> list[str]:
        found = await client.get(
            f"{base(track)}/export", params={"format": "json", **params}, headers=author.auth
        )
        return [q["stem"] for q in json.loads(found.content)["questions"]]

    assert await stems(topic=architecture) == ["Who plans the job?"]
    assert await stems(tag="spark") == ["Who plans the job?"]
    assert await stems(q="partitions") == ["Partitions by default?"]
    assert len(await stems()) == 3


async def test_an_import_that_crashes_on_its_last_try_says_it_failed(
    client: httpx.AsyncClient,
    worker: Worker,
    track: dict[str, Any],
    author: Person,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from studyhall.interchange import importer, runs
    from studyhall.jobs import registry

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(importer, "write", crash)
    original = registry.get(runs.JOB_KIND)
    registry.replace(runs.JOB_KIND, max_attempts=1)
    try:
        state, _report = await imported(client, worker, track, author, "bank.gift", GIFT.encode())
    finally:
        registry.TASKS[runs.JOB_KIND] = original
    assert state["status"] == "failed"
    assert state["error"] == "The import failed on our side; nothing was written."
    assert await questions_of(client, track, author) == []


async def test_the_uploaded_name_is_cleaned(
    client: httpx.AsyncClient, track: dict[str, Any], author: Person
) -> None:
    name = "../../" + "b" * 300 + "\x07.gift"
    response = await upload(
        client, track, author, name, GIFT.encode(), format="gift", dry_run="true"
    )
    assert response.status_code == 202, response.text
    kept = response.json()["filename"]
    assert "/" not in kept
    assert "\x07" not in kept
    assert len(kept) <= 255
