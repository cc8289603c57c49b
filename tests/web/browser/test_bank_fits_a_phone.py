"""The question bank's list at 360 px, every page of every demo track: a stem with a long
code token (`spark.readStream.format("json")…`) once pushed the page wider than the phone."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from tests.web.browser.conftest import OVERFLOW, PHONE, Server
from tests.web.browser.test_author_journey import sign_in


@pytest.mark.parametrize("track", ["Spark and Delta Lake", "Relational SQL Foundations"])
async def test_every_page_of_the_bank_fits_a_phone(page: Page, server: Server, track: str) -> None:
    await sign_in(page, server, "author")
    await page.set_viewport_size(PHONE)
    await page.goto("/o/demo/questions")
    # The new-question chooser's options are the tracks' editor addresses: /o/demo/tracks/<id>/…
    editor = await page.locator("#new-track option", has_text=track).get_attribute("value")
    await page.goto(f"/o/demo/questions?track={(editor or '').split('/')[4]}")
    wide, pages = [], 0
    while True:
        pages += 1
        if found := await page.evaluate(OVERFLOW):
            wide.append(f"page {pages}: {found}")
        more = page.get_by_role("link", name="Next page")
        if not await more.count():
            break
        await more.click()
        await page.wait_for_load_state()
    assert not wide, "\n".join(wide)
