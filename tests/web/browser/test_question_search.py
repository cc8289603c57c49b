"""Typing a search updates the facets with the results: the counts beside each filter are
those of what was found, not of the whole bank."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.web.browser.conftest import Server
from tests.web.browser.test_author_journey import sign_in


async def _type_counts(page: Page) -> list[int]:
    labels = await page.locator('fieldset:has(input[name="type"]) label').all_inner_texts()
    return [int(re.findall(r"\((\d+)\)", text)[-1]) for text in labels]


async def test_facet_counts_follow_the_typed_query(page: Page, server: Server) -> None:
    await sign_in(page, server, "author")
    await page.goto("/o/demo/questions")
    total = page.locator("#results > p.muted").first
    whole_bank = int((await total.inner_text()).split()[0])
    assert sum(await _type_counts(page)) == whole_bank
    await page.locator("#q").fill("lazily")
    await expect(total).not_to_have_text(re.compile(rf"^{whole_bank} "))
    found = int((await total.inner_text()).split()[0])
    assert 0 < found < whole_bank
    await expect(page.locator('fieldset:has(input[name="type"])')).not_to_contain_text(
        f"({whole_bank})"
    )
    assert sum(await _type_counts(page)) == found


async def test_a_ticked_filter_keeps_the_keyboard_focus(page: Page, server: Server) -> None:
    await sign_in(page, server, "author")
    await page.goto("/o/demo/questions")
    box = page.locator('input[name="type"]').first
    value = await box.get_attribute("value")
    await box.focus()
    await page.keyboard.press("Space")
    await expect(page).to_have_url(re.compile(rf"type={value}"))
    focused = f'input[name="type"][value="{value}"]:focus'
    await expect(page.locator(focused)).to_be_checked()
