"""The images page: authors see the organisation's images with the Markdown that embeds each,
and the upload form (which posts to the media API with the CSRF header); readers without
write access see the images only; the Markdown works in the editor's preview."""

from __future__ import annotations

import re

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
