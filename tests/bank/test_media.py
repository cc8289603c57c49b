"""Media: images judged by content, size limits, deduplication, caching headers, tenancy."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from studyhall.bank.storage import LocalMediaStorage, MediaNotStored, media_key
from tests.factories import Person, add_member, make_org, read_audit_log, sign_up

LIMIT = 64 * 1024
URL = "/api/v1/orgs/acme/media"


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, object]:
    return {"data_dir": tmp_path, "media_max_bytes": LIMIT}


@pytest.fixture
async def owner(client: httpx.AsyncClient) -> Person:
    person = await sign_up(client, "owner")
    await make_org(client, person, slug="acme")
    return person


def image_bytes(fmt: str, size: tuple[int, int] = (20, 10), color: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: random pixels."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, format="PNG")
    return out.getvalue()


async def upload(
    client: httpx.AsyncClient,
    who: Person,
    data: bytes,
    name: str = "figure.png",
    content_type: str = "image/png",
    org: str = "acme",
) -> httpx.Response:
    return await client.post(
        f"/api/v1/orgs/{org}/media", files={"file": (name, data, content_type)}, headers=who.auth
    )


def refused_as(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = dict(response.json())
    assert body["type"] == f"urn:studyhall:problem:{kind}"
    assert [e["field"] for e in body["errors"]] == ["body.file"]
    return body


@pytest.mark.parametrize(
    ("fmt", "name", "content_type"),
    [
        ("PNG", "chart.png", "image/png"),
        ("JPEG", "photo.jpg", "image/jpeg"),
        ("JPEG", "photo.JPEG", "image/jpeg"),
        ("GIF", "anim.gif", "image/gif"),
        ("WEBP", "pic.webp", "image/webp"),
        ("PNG", "no-extension", "image/png"),
    ],
)
async def test_images_are_accepted_and_described(
    client: httpx.AsyncClient, owner: Person, tmp_path: Path, fmt: str, name: str, content_type: str
) -> None:
    data = image_bytes(fmt)
    # The declared type is not believed either way; the content decides.
    response = await upload(client, owner, data, name, "application/octet-stream")
    assert response.status_code == 201, response.text
    body = response.json()
    sha = hashlib.sha256(data).hexdigest()
    assert body["content_type"] == content_type
    assert (body["width"], body["height"], body["size"]) == (20, 10, len(data))
    assert body["sha256"] == sha
    assert body["filename"] == name
    assert response.headers["location"] == body["url"] == f"{URL}/{body['id']}"
    org_id = (await client.get("/api/v1/orgs/acme", headers=owner.auth)).json()["id"]
    assert (tmp_path / "media" / org_id / sha[:2] / sha).read_bytes() == data
    [event] = await read_audit_log(client, "acme", owner.auth, action="media.uploaded")
    assert event["target_id"] == body["id"]
    assert event["summary"]["sha256"] == sha


async def test_the_same_bytes_are_one_media_item(client: httpx.AsyncClient, owner: Person) -> None:
    data = image_bytes("PNG")
    first = await upload(client, owner, data, "a.png")
    again = await upload(client, owner, data, "b.png")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["filename"] == "a.png"  # the item as first uploaded
    assert len(await read_audit_log(client, "acme", owner.auth, action="media.uploaded")) == 1
    other = await upload(client, owner, image_bytes("PNG", color="orange"))
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]


async def test_an_image_is_served_with_caching_headers_and_304(
    client: httpx.AsyncClient, owner: Person
) -> None:
    data = image_bytes("JPEG")
    item = (await upload(client, owner, data, "p.jpg")).json()
    response = await client.get(item["url"], headers=owner.auth)
    assert response.status_code == 200
    assert response.content == data
    etag = f'"{item["sha256"]}"'
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == "inline"
    for offered in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        cached = await client.get(item["url"], headers={**owner.auth, "If-None-Match": offered})
        assert cached.status_code == 304, offered
        assert cached.content == b""
        assert cached.headers["etag"] == etag
    stale = await client.get(item["url"], headers={**owner.auth, "If-None-Match": '"old"'})
    assert stale.status_code == 200
    assert stale.content == data


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "why"),
    [
        (b"just some notes, honestly\n", "notes.png", "not an image"),
        (b"", "empty.png", "empty"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "vector.svg", "not an image"),
        (b"GIF89a" + b"\x00" * 40, "broken.gif", "not an image"),
        (image_bytes("PNG")[:60], "cut.png", "damaged"),
        (image_bytes("JPEG", (64, 64))[:200], "cut.jpg", "damaged"),
        (image_bytes("GIF", (64, 64))[:-10], "cut.gif", "damaged"),
        (image_bytes("WEBP", (64, 64))[:-10], "cut.webp", "damaged"),
        (b"%PDF-1.7\n" + image_bytes("PNG"), "doc.png", "not an image"),
        (image_bytes("JPEG"), "photo.png", "JPEG image, but its name ends in .png"),
        (image_bytes("PNG"), "chart.gif", "PNG image, but its name ends in .gif"),
        (image_bytes("PNG"), "chart.png.exe", "ends in .exe"),
        (image_bytes("TIFF"), "scan.tiff", "not an image of an accepted kind"),
        (image_bytes("BMP"), "old.png", "not an image of an accepted kind"),
    ],
)
async def test_what_is_not_an_accepted_image_is_refused_by_content(
    client: httpx.AsyncClient, owner: Person, tmp_path: Path, data: bytes, name: str, why: str
) -> None:
    body = refused_as(await upload(client, owner, data, name), 422, "unsupported-media")
    assert why in body["detail"]
    assert (await client.get(URL, headers=owner.auth)).json()["items"] == []
    assert not list((tmp_path / "media").rglob("*"))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow's own note
@pytest.mark.parametrize("side", [5000, 9000])  # over the cap; over twice the cap
async def test_decompression_bombs_are_refused_before_decoding(
    client: httpx.AsyncClient, owner: Person, side: int
) -> None:
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG")  # kilobytes that decode to megapixels
    assert len(out.getvalue()) < LIMIT
    body = refused_as(await upload(client, owner, out.getvalue()), 422, "unsupported-media")
    assert "pixels" in body["detail"]


async def test_an_oversized_file_is_413(client: httpx.AsyncClient, owner: Person) -> None:
    data = noise_png(160)
    assert len(data) > LIMIT
    body = refused_as(await upload(client, owner, data), 413, "media-too-large")
    assert "64 KiB" in body["detail"]
    just_right = noise_png(140)
    assert len(just_right) <= LIMIT
    assert (await upload(client, owner, just_right)).status_code == 201


async def test_a_huge_body_is_refused_by_its_declared_length_or_while_streaming(
    client: httpx.AsyncClient, owner: Person
) -> None:
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield head
        for _ in range(10_000):  # 640 MiB, if anyone read it all
            sent += 1
            yield b"\x89" * 65536

    headers = {**owner.auth, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    streamed = await client.post(URL, content=endless(), headers=headers)
    refused_as(streamed, 413, "media-too-large")
    assert sent < 10, "the server kept reading past the limit"
    declared = await client.post(
        URL, content=b"x" * (LIMIT * 2), headers={**headers, "Content-Length": str(LIMIT * 2)}
    )
    refused_as(declared, 413, "media-too-large")


async def test_a_slow_upload_does_not_hold_up_other_writes(
    client: httpx.AsyncClient, owner: Person
) -> None:
    """The body is read before the access rule's first query: on SQLite, that query would
    take the write lock, and every other writer would wait while the client sends."""
    boundary, release, under_way = "sl0wb0undary", asyncio.Event(), asyncio.Event()
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()

    async def slowly() -> AsyncIterator[bytes]:
        yield head
        under_way.set()  # the server has read the head and asks for the rest
        await release.wait()
        yield image_bytes("PNG") + f"\r\n--{boundary}--\r\n".encode()

    headers = {**owner.auth, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    upload_sent = asyncio.create_task(client.post(URL, content=slowly(), headers=headers))
    await asyncio.wait_for(under_way.wait(), timeout=30)  # halfway through its body
    rename = client.patch("/api/v1/orgs/acme", json={"name": "Renamed"}, headers=owner.auth)
    try:
        # Held up behind the upload, the rename would wait until the release below, forever.
        assert (await asyncio.wait_for(rename, timeout=30)).status_code == 200
    finally:
        release.set()
    assert (await upload_sent).status_code == 201


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"json": {"file": "aGVsbG8="}},
        {"files": {"image": ("x.png", image_bytes("PNG"), "image/png")}},
        {"data": {"file": "not a file"}},
        {"content": b"--nope", "headers": {"Content-Type": "multipart/form-data"}},
        {
            "files": [
                ("file", ("a.png", image_bytes("PNG"), "image/png")),
                ("file", ("b.png", image_bytes("GIF"), "image/gif")),
            ]
        },
    ],
    ids=["json", "wrong-part-name", "text-field", "no-boundary", "two-files"],
)
async def test_a_body_without_one_file_part_is_422_naming_file(
    client: httpx.AsyncClient, owner: Person, request_kwargs: dict[str, Any]
) -> None:
    headers = {**owner.auth, **request_kwargs.pop("headers", {})}
    response = await client.post(URL, headers=headers, **request_kwargs)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body.file"]


# --- who sees what ----------------------------------------------------------------------------


async def test_members_see_images_and_only_writers_upload_or_list(
    client: httpx.AsyncClient, owner: Person
) -> None:
    item = (await upload(client, owner, image_bytes("PNG"))).json()
    learner = await sign_up(client, "learner")
    await add_member(client, "acme", owner, learner, "learner")
    assert (await client.get(item["url"], headers=learner.auth)).status_code == 200
    assert (await upload(client, learner, image_bytes("GIF"), "a.gif")).status_code == 403
    assert (await client.get(URL, headers=learner.auth)).status_code == 403


async def test_another_organisations_media_is_not_found(
    client: httpx.AsyncClient, owner: Person
) -> None:
    data = image_bytes("PNG")
    item = (await upload(client, owner, data)).json()
    outsider = await sign_up(client, "outsider")
    await make_org(client, outsider, slug="away")
    through_own = await client.get(f"/api/v1/orgs/away/media/{item['id']}", headers=outsider.auth)
    assert through_own.status_code == 404
    direct = await client.get(item["url"], headers=outsider.auth)
    assert direct.status_code == 404
    assert (await client.get(f"{URL}/{uuid.uuid4()}", headers=owner.auth)).status_code == 404
    # The same bytes in another organisation are that organisation's own item and file.
    theirs = (await upload(client, outsider, data, org="away")).json()
    assert theirs["id"] != item["id"]
    assert theirs["sha256"] == item["sha256"]


async def test_the_list_pages_newest_first(client: httpx.AsyncClient, owner: Person) -> None:
    made = []
    for color in ("red", "green", "blue", "white", "black"):
        made.append((await upload(client, owner, image_bytes("PNG", color=color))).json()["id"])
    served: list[str] = []
    url: str | None = f"{URL}?limit=2"
    while url is not None:
        page = (await client.get(url, headers=owner.auth)).json()
        served += [item["id"] for item in page["items"]]
        url = page.get("next")
    # One clock instant for all: the id orders them, and each is served once.
    assert sorted(served) == sorted(made)
    assert len(served) == len(set(served))
    bad = await client.get(f"{URL}?cursor=bogus", headers=owner.auth)
    assert bad.status_code == 400


# --- the storage itself -----------------------------------------------------------------------


async def test_local_storage_writes_whole_files_under_content_keys(tmp_path: Path) -> None:
    storage = LocalMediaStorage(tmp_path)
    org, sha = uuid.uuid4(), hashlib.sha256(b"bytes").hexdigest()
    key = media_key(org, sha)
    assert key == f"{org}/{sha[:2]}/{sha}"
    assert not await storage.exists(key)
    await storage.put(key, b"bytes")
    await storage.put(key, b"bytes")  # again: the same file, no debris
    assert await storage.get(key) == b"bytes"
    assert await storage.exists(key)
    assert [p.name for p in (tmp_path / str(org) / sha[:2]).iterdir()] == [sha]
    await storage.delete(key)
    await storage.delete(key)
    with pytest.raises(MediaNotStored):
        await storage.get(key)
    for bad in ("../escape", "/etc/passwd", "a/../../b", "", "a//b", "a/.hidden/../x"):
        with pytest.raises(ValueError, match="not a media key"):
            await storage.put(bad, b"x")


def _forget(root: Path, sha256: str) -> int:
    """Delete the stored bytes behind the media store's back; how many files went."""
    files = list(root.rglob(sha256))
    for stored in files:
        stored.unlink()
    return len(files)


async def test_bytes_missing_from_the_store_are_a_503_not_a_500(
    client: httpx.AsyncClient, owner: Person, tmp_path: Path
) -> None:
    made = await upload(client, owner, image_bytes("PNG"))
    assert made.status_code == 201, made.text
    assert _forget(tmp_path, made.json()["sha256"]) == 1
    response = await client.get(f"{URL}/{made.json()['id']}", headers=owner.auth)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
