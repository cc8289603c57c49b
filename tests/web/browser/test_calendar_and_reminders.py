"""A learner finds "Calendar & reminders", gets their calendar address, copies it and
replaces it; the address parses as iCalendar; the page says email is off on a server with
no SMTP host (the browser suite's server has none)."""

from __future__ import annotations

import re

import httpx
from icalendar import Calendar
from playwright.async_api import Browser, Page, expect

from tests.web.browser.conftest import Server, snap
from tests.web.browser.test_author_journey import sign_in


async def test_the_learner_gets_copies_and_replaces_their_calendar_address(
    page: Page, browser: Browser, server: Server
) -> None:
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await sign_in(page, server, "learner")
    await page.get_by_role("link", name="Calendar & reminders").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Calendar & reminders")
    await expect(page.locator("#email-off")).to_contain_text("Email is off on this server")
    await expect(page.get_by_role("button", name="Send me a test email")).to_have_count(0)

    await page.get_by_role("button", name="Get my calendar address").click()
    address = page.get_by_label("Your calendar address")
    await expect(address).to_have_value(re.compile(rf"^{server.url}/calendar/shc_.+\.ics$"))
    url = await address.input_value()
    await page.get_by_role("button", name="Copy").click()
    await expect(page.locator("#feed-url-copied")).to_have_text("Copied.")
    assert await page.evaluate("navigator.clipboard.readText()") == url
    await snap(page, "60-calendar-and-reminders")

    async with httpx.AsyncClient() as app:  # a calendar app: no session, no cookies
        fetched = await app.get(url)
    assert fetched.status_code == 200, fetched.text
    assert "private" in fetched.headers["cache-control"]
    calendar = Calendar.from_ical(fetched.content)
    assert calendar["VERSION"] == "2.0"

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Replace the address").click()
    await expect(page.get_by_role("status").first).to_contain_text("The old one no longer works")
    new_url = await address.input_value()
    assert new_url != url
    async with httpx.AsyncClient() as app:
        assert (await app.get(url)).status_code == 404
        assert (await app.get(new_url)).status_code == 200

    # Reminder choices are kept even while email is off.
    await page.get_by_label("Email me the day's agenda").check()
    await page.get_by_label("At").select_option("6")
    await page.get_by_label("In the time zone").fill("America/Sao_Paulo")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").first).to_contain_text("saved")
    await expect(page.get_by_label("Email me the day's agenda")).to_be_checked()
    await expect(page.get_by_label("In the time zone")).to_have_value("America/Sao_Paulo")
