"""A learner in India sees the times of their attempts in India's time, labelled: on the
first page the browser's script rewrites them, and from then on the server renders them so
(the browser's zone travels in a cookie). The dashboard's score chart has dates under it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from playwright.async_api import Browser, expect

from tests.web.browser.conftest import DESKTOP, Server, exam_screen_ready, snap
from tests.web.browser.test_author_journey import sign_in

INDIA = timezone(timedelta(hours=5, minutes=30))


async def test_attempt_times_show_in_the_browsers_zone(browser: Browser, server: Server) -> None:
    context = await browser.new_context(
        base_url=server.url, viewport=DESKTOP, timezone_id="Asia/Kolkata"
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await sign_in(page, server, "learner")
        sql = page.locator("article", has_text="Relational SQL Foundations")
        await sql.get_by_role("link", name="Start an attempt").click()
        # A simulation; the demo's learner may have one running from another test, which
        # the start page offers to resume instead of starting a second.
        resume = page.get_by_role("link", name=re.compile(r"^Resume"))
        if await resume.count():
            await resume.first.click()
        else:
            await page.get_by_role("button", name="Start").click()
        await exam_screen_ready(page)
        await page.get_by_role("button", name="Submit exam…").click()
        await page.get_by_role("dialog").get_by_role("button", name="Submit now").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Result")
        now_in_india = datetime.now(UTC).astimezone(INDIA)

        submitted = page.locator("time[data-local]").first
        await expect(submitted).to_have_text(re.compile(r" IST$"))
        shown = await submitted.text_content() or ""
        hour = int(shown.split()[3].split(":")[0])
        assert hour in {now_in_india.hour, (now_in_india.hour - 1) % 24}, (shown, now_in_india)

        await page.goto("/o/demo/attempts")  # rendered by the server, from the cookie
        first = page.locator("time[data-local]").first
        await expect(first).to_have_text(re.compile(r"^\d\d \w{3} \d{4} \d\d:\d\d IST$"))
        async with page.expect_response(re.compile(r"/o/demo/attempts$")) as served:
            await page.reload()
        html = await (await served.value).text()
        assert re.search(r"data-local>\d\d \w{3} \d{4} \d\d:\d\d IST</time>", html)
        await snap(page, "23-history-local-times")
        await page.get_by_role("link", name="Dashboard").click()
        await sql.get_by_role("link", name="Show progress").click()
        await expect(page.locator("svg text.x-label").first).to_have_text(
            re.compile(r"^\d+ \w{3}$")
        )
        await snap(page, "22-dashboard-by-mode")
    finally:
        await context.close()
    assert not errors, errors
