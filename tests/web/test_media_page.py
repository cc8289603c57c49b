"""The images page: authors see the organisation's images with the Markdown that embeds each,
and the upload form (which posts to the media API with the CSRF header, or without
JavaScript to the page itself); readers without write access see the images only; the
Markdown works in the editor's preview."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.walk.search_media import png
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form, token_of


async def test_an_uploaded_image_is_listed_with_its_markdown(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    empty = await client.get("/o/school/media")
    assert empty.status_code == 200
    assert "No images yet." in empty.text
    assert 'id="media-form"' in empty.text
    api = re.search(r'data-api="([^"]+)"', empty.text)
    assert api
    assert api.group(1) == "/api/v1/orgs/school/media"
    # What js/media.js sends: the file, with the page's token as the CSRF header.
    token = await token_of(client, "/o/school/media")
    made = await client.post(
        api.group(1), files={"file": ("cell diagram.png", png("teal"), "image/png")},
        headers={"X-CSRF-Token": token},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    media_id = made.json()["id"]
    page = await client.get(f"/o/school/media?uploaded={media_id}")
    assert f">![cell diagram](media:{media_id})</textarea>" in page.text
    assert f'src="/api/v1/orgs/school/media/{media_id}"' in page.text
    assert "is-new" in page.text
    image = await client.get(f"/api/v1/orgs/school/media/{media_id}")  # the page's <img>
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    preview = await post_form(
        client, "/o/school/preview", {"stem": f"![cell diagram](media:{media_id})"},
        page="/o/school/media",
    )  # fmt: skip
    assert f"/api/v1/orgs/school/media/{media_id}" in preview.text


async def test_without_the_upload_token_nothing_is_stored(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    refused = await client.post(
        "/api/v1/orgs/school/media", files={"file": ("x.png", png("red"), "image/png")}
    )
    assert refused.status_code == 403
    assert "No images yet." in (await client.get("/o/school/media")).text


async def test_a_learner_has_no_images_page_and_a_reader_no_upload_form(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    assert (await client.get("/o/school/media")).status_code == 403
    client.cookies.clear()
    await browser_sign_in(client, school.reviewer.email)
    page = await client.get("/o/school/media")
    assert page.status_code == 200
    assert 'id="media-form"' not in page.text
    assert "js/media.js" not in page.text


async def test_without_javascript_the_form_uploads_and_says_what_is_wrong(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    page = await client.get("/o/school/media")
    form = re.search(r'<form[^>]*id="media-form"[^>]*>', page.text)
    assert form
    assert 'method="post"' in form.group(0)
    assert 'action="/o/school/media"' in form.group(0)
    assert 'enctype="multipart/form-data"' in form.group(0)
    token = await token_of(client, "/o/school/media")

    async def send(name: str, data: bytes, **fields: str) -> httpx.Response:
        return await client.post(
            "/o/school/media", files={"file": (name, data, "image/png")}, data=fields
        )

    made = await send("cell diagram.png", png("teal"), csrf_token=token)
    assert made.status_code == 303, made.text
    where = made.headers["location"]
    media_id = re.search(r"uploaded=([0-9a-f-]+)#media-\1$", where)
    assert media_id, where
    listed = await client.get(where)
    assert f">![cell diagram](media:{media_id.group(1)})</textarea>" in listed.text

    not_an_image = await send("notes.png", b"just some text", csrf_token=token)
    assert not_an_image.status_code == 422
    assert "The file is not an image of an accepted kind." in not_an_image.text
    assert 'aria-invalid="true"' in not_an_image.text
    # What a browser sends when no file was chosen (httpx leaves out an empty file name).
    boundary = "----nothing-chosen"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename=""\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n\r\n--{boundary}--\r\n"
    )
    nothing_chosen = await client.post(
        "/o/school/media",
        content=body.encode(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert nothing_chosen.status_code == 422
    assert "Choose an image first." in nothing_chosen.text
    forged = await send("other.png", png("red"))  # another site's form: no token
    assert forged.status_code == 403
    listed = await client.get("/o/school/media")
    assert listed.text.count("<textarea") == 1  # only the first one was stored


async def test_without_javascript_a_file_too_large_is_refused_on_the_page(
    client: httpx.AsyncClient, school: School, app: Any
) -> None:
    app.state.settings.media_max_bytes = 1024
    await browser_sign_in(client, school.author.email)
    token = await token_of(client, "/o/school/media")
    big = await client.post(
        "/o/school/media",
        files={"file": ("big.png", png("teal") + b"\0" * 4096, "image/png")},
        data={"csrf_token": token},
    )
    assert big.status_code == 413
    assert "Images may be at most 1 KiB" in big.text
    assert "No images yet." in big.text
