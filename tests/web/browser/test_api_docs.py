"""The API's documentation page works in a real browser under the app's CSP, offline from
any CDN: Swagger UI renders the operations from our own OpenAPI document."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.web.browser.conftest import snap


async def test_swagger_ui_renders_the_api_from_our_own_assets(page: Page) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    await page.goto("/api/v1/docs")
    await expect(page.get_by_text("Sign in", exact=True).first).to_be_visible(timeout=15_000)
    await expect(page.locator(".opblock").first).to_be_visible()
    await snap(page, "api-docs")
    base = page.url.split("/api/", 1)[0]
    assert all(url.startswith(base) or url.startswith("data:") for url in requested), requested
