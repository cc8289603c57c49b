"""With JavaScript off the exam screen cannot save anything: it says so plainly, and claims
neither that answers are saved nor offers buttons that do nothing."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.web.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, Server


async def test_the_exam_says_it_needs_javascript_instead_of_claiming_saves(
    browser: Browser, server: Server
) -> None:
    context = await browser.new_context(
        base_url=server.url, viewport=DESKTOP, java_script_enabled=False
    )
    page = await context.new_page()
    try:
        email = "learner@demo.example.org"
        await page.goto("/sign-in")  # plain forms: signing in and starting work without it
        await page.get_by_label("Email").fill(email)
        await page.get_by_label("Password").fill(server.passwords[email])
        await page.get_by_role("button", name="Sign in").click()
        sql = page.locator("article", has_text="Relational SQL Foundations")
        await sql.get_by_role("link", name="Start an attempt").click()
        await page.get_by_role("radio", name=re.compile("^Custom")).check()
        await page.locator("#count").fill("3")
        await page.get_by_role("button", name="Start").click()
        await expect(page.locator("#q1")).to_be_visible()

        notice = page.get_by_role("alert")
        await expect(notice).to_contain_text("needs JavaScript")
        await expect(notice).to_be_in_viewport()
        await expect(page.get_by_text("All answers saved")).to_be_hidden()
        await expect(page.locator("#save-state")).to_be_hidden()
        # Buttons that only a script drives are not offered.
        for name in ("Next →", "⚑ Flag for review", "Finish practice…"):
            await expect(page.get_by_role("button", name=name)).to_be_hidden()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            await page.set_viewport_size(viewport)
            await expect(notice).to_be_in_viewport()
            shot = SCREENSHOTS / f"24-exam-no-javascript-{name}.png"
            await page.screenshot(path=shot, full_page=True)
    finally:
        await context.close()
