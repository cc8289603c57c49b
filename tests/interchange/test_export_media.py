"""Exports carry the media their questions show, and imports resolve them into the importing
organisation: Moodle XML as base64 `<file>`s behind @@PLUGINFILE@@, QTI as files in its
package, GIFT, CSV and JSON as a zip with a `media/` folder. A link that cannot be resolved is
a warning, not a broken image."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import httpx

from studyhall.interchange import moodle_xml
from studyhall.interchange.items import IMPORT_SCHEME, Exported, Parsed
from studyhall.interchange.media_bundle import MediaFile
from studyhall.jobs.worker import Worker
from tests.factories import Person, make_org, make_track, sign_up
from tests.interchange.test_imports_api import imported
from tests.interchange.test_moodle_media import MOODLE19
from tests.interchange.test_xml_formats import png

MEDIA_ID = "5d1b6c3e-4f7a-4b8e-9c2d-1a2b3c4d5e6f"


def test_moodle_xml_embeds_the_media_and_reads_it_back() -> None:
    content = {
        "stem": f"Look: ![a teal square](media:{MEDIA_ID})",
        "body": {"type": "true_false", "correct_answer": True,
                 "feedback_true": f"Yes ![again](media:{MEDIA_ID})"},
        "explanation": "Teal.",
        "tags": [],
    }  # fmt: skip
    media = {MEDIA_ID: MediaFile(MEDIA_ID, f"{MEDIA_ID}.png", "image/png", png())}
    xml = "".join(moodle_xml.render([Exported(content, ["T"])], media))
    name = f"{MEDIA_ID}.png"
    assert f"@@PLUGINFILE@@/{name}" in xml
    assert len(re.findall(rf'<file name="{name}" path="/" encoding="base64">', xml)) == 2
    (back,) = [i for i in moodle_xml.parse(io.BytesIO(xml.encode())) if isinstance(i, Parsed)]
    assert back.stem == f"Look: ![a teal square]({IMPORT_SCHEME}{name})"
    assert back.body["feedback_true"] == f"Yes ![again]({IMPORT_SCHEME}{name})"
    assert back.images == {name: png()}
    assert back.warnings == []


async def imported_into(
    client: httpx.AsyncClient, worker: Worker, org: str, track: dict[str, Any], who: Person,
    name: str, data: bytes, **fields: str,
) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    started = await client.post(
        f"/api/v1/orgs/{org}/tracks/{track['id']}/imports",
        files={"file": (name, data)}, data=fields, headers=who.auth,
    )  # fmt: skip
    assert started.status_code == 202, started.text
    await worker.run_until_idle()
    state = (await client.get(started.headers["Location"], headers=who.auth)).json()
    report = (await client.get(state["report_url"], headers=who.auth)).json()
    return state, report


async def other_org(client: httpx.AsyncClient) -> tuple[Person, dict[str, Any]]:
    boss = await sign_up(client, "globex-owner")
    await make_org(client, boss, slug="globex")
    return boss, await make_track(client, "globex", boss, slug="copy")


async def stems_and_media(
    client: httpx.AsyncClient, who: Person, org: str, track: dict[str, Any]
) -> list[tuple[str, int]]:
    """Each question's stem, and whether its media answers in that organisation (status)."""
    found = await client.get(
        f"/api/v1/orgs/{org}/tracks/{track['id']}/export",
        params={"format": "moodle_xml"},
        headers=who.auth,
    )
    out = []
    pattern = r"<questiontext format=\"markdown\"><text>(.*?)</text>"
    for stem in re.findall(pattern, found.text, re.DOTALL):
        ids = re.findall(r"@@PLUGINFILE@@/([0-9a-f-]{36})\.png", stem)
        status = 0
        for media_id in ids:
            got = await client.get(f"/api/v1/orgs/{org}/media/{media_id}", headers=who.auth)
            status = got.status_code
        out.append((stem, status))
    return out


async def test_exports_carry_media_and_imports_resolve_it_in_another_org(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    await imported(client, worker, track, author, "old.xml", MOODLE19.encode())
    boss, copy = await other_org(client)
    base = f"/api/v1/orgs/acme/tracks/{track['id']}/export"
    for fmt, inner in [("gift", "questions.gift"), ("csv", "questions.csv"),
                       ("json", "questions.json"), ("moodle_xml", None),
                       ("qti", "imsmanifest.xml")]:  # fmt: skip
        exported = await client.get(base, params={"format": fmt}, headers=author.auth)
        assert exported.status_code == 200, exported.text
        if fmt == "qti":
            package = zipfile.ZipFile(io.BytesIO(exported.content))
            images = [n for n in package.namelist() if n.startswith("items/media/")]
            assert images, package.namelist()
            manifest = package.read("imsmanifest.xml").decode()
            assert all(f'<file href="{n}"/>' in manifest for n in images)
            name, data = "bank-qti.zip", exported.content
        elif inner is None:
            assert "<file name=" in exported.text
            name, data = "bank.xml", exported.content
        else:
            assert exported.headers["content-type"] == "application/zip"
            names = zipfile.ZipFile(io.BytesIO(exported.content)).namelist()
            assert inner in names
            assert [n for n in names if n.startswith("media/")], names
            name, data = f"bank-{fmt}.zip", exported.content
        state, report = await imported_into(
            client, worker, "globex", copy, boss, name, data, partial="true"
        )
        assert state["format"] == fmt, state
        picture = [i for i in report["items"] if "picture teal" in i["stem"]]
        assert picture, report
        assert picture[0]["warnings"] == [], picture
        assert picture[0]["action"] in ("create", "skip"), picture
    shown = await stems_and_media(client, boss, "globex", copy)
    teal = [status for stem, status in shown if "picture teal" in stem]
    assert teal
    assert set(teal) == {200}  # every copy shows its image, stored in this organisation


async def test_a_media_link_the_file_does_not_carry_is_a_warning_not_a_broken_image(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    await imported(client, worker, track, author, "old.xml", MOODLE19.encode())
    exported = await client.get(
        f"/api/v1/orgs/acme/tracks/{track['id']}/export",
        params={"format": "json"},
        headers=author.auth,
    )
    bare = zipfile.ZipFile(io.BytesIO(exported.content)).read("questions.json")
    boss, copy = await other_org(client)
    _, report = await imported_into(
        client, worker, "globex", copy, boss, "bare.json", bare, partial="true"
    )
    picture = next(i for i in report["items"] if "picture teal" in i["stem"])
    assert picture["action"] == "create"
    assert any("media:" in w for w in picture["warnings"])
    assert any("left out" in w for w in picture["warnings"])
    shown = await stems_and_media(client, boss, "globex", copy)
    assert all("media:" not in stem and "@@PLUGINFILE@@" not in stem for stem, _ in shown)


async def test_a_question_with_images_imported_again_is_a_duplicate(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    await imported(client, worker, track, author, "old.xml", MOODLE19.encode())
    state, _ = await imported(client, worker, track, author, "old.xml", MOODLE19.encode())
    assert state["counts"]["create"] == 0, state
    exported = await client.get(
        f"/api/v1/orgs/acme/tracks/{track['id']}/export",
        params={"format": "json"},
        headers=author.auth,
    )
    state, _ = await imported(client, worker, track, author, "bank.zip", exported.content)
    assert state["format"] == "json"
    assert state["counts"]["create"] == 0, state
