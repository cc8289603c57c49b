"""Every demo question, on the exam screen at 360 px: nothing pushes the page wider than the
phone (long code tokens in options once did). A custom attempt of more questions than a track
has takes all of them."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.web.browser.conftest import OVERFLOW, PHONE, Server, exam_screen_ready
from tests.web.browser.test_author_journey import sign_in


@pytest.mark.parametrize("track", ["Spark and Delta Lake", "Relational SQL Foundations"])
async def test_every_question_fits_a_phone(page: Page, server: Server, track: str) -> None:
    await sign_in(page, server, "learner")
    card = page.locator("article", has_text=track)
    await card.get_by_role("link", name="Start an attempt").click()
    await page.get_by_role("radio", name=re.compile("^Custom")).check()
    await page.locator("#count").fill("500")
    await page.get_by_role("button", name="Start").click()
    await exam_screen_ready(page)
    await page.set_viewport_size(PHONE)
    total = int(await page.locator("#exam").get_attribute("data-total") or 0)
    assert total > 20
    wide = []
    for n in range(1, total + 1):
        section = page.locator(f"#q{n}")
        await expect(section).to_be_visible()
        found = await page.evaluate(OVERFLOW)
        if found:
            stem = (await section.locator(".stem").inner_text())[:60]
            wide.append(f"question {n} ({stem!r}): {found}")
        if n < total:
            await page.keyboard.press("ArrowRight")
    assert not wide, "\n".join(wide)
