"""The new organisation's short name follows its name as it is typed, until edited."""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Page, expect

from tests.factories import PASSWORD
from tests.web.browser.conftest import Server


async def test_the_short_name_follows_the_name_until_edited(page: Page, server: Server) -> None:
    email = f"founder-{uuid.uuid4().hex[:6]}@example.com"
    async with httpx.AsyncClient(base_url=server.url) as api:
        made = await api.post("/api/v1/auth/register", json={
            "email": email, "password": PASSWORD, "display_name": "Founder"})  # fmt: skip
        assert made.status_code == 202, made.text  # sign-up's one answer
    await page.goto("/sign-in")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    slug = page.locator("#org-slug")
    await page.locator("#org-name").press_sequentially("Café Ölberg 2")
    await expect(slug).to_have_value("cafe-olberg-2")
    await slug.fill("olberg")
    await page.locator("#org-name").press_sequentially(" Team")
    await expect(slug).to_have_value("olberg")  # the person's own choice is kept
    await page.get_by_role("button", name="Create organisation").click()
    await expect(page).to_have_url(f"{server.url}/o/olberg")
