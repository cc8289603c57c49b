"""The exam screen offline and at zero: saves made without a network wait, say so, and go
through when it returns; when the countdown reaches zero the screen submits by itself."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.web.browser.conftest import (
    Server,
    snap,
    start_custom_sql_attempt,
    stop_the_page_clock,
)
from tests.web.browser.test_author_journey import sign_in
from tests.web.browser.test_learner_journey import answer_with_keyboard


async def test_saves_wait_out_an_outage_and_the_exam_submits_itself_at_zero(
    page: Page, server: Server
) -> None:
    await page.clock.install()  # the page's clock, moved by the test
    await sign_in(page, server, "learner")
    # Stopped: running on, it would show 0:59 and announce "59 seconds left" once a second
    # passed between the screen's first tick and the checks below.
    await stop_the_page_clock(page)
    await start_custom_sql_attempt(page, 3, minutes=1)
    await expect(page.locator("#timer-value")).to_have_text("1:00")
    # Screen readers hear the time at the marks (here the one-minute one), not every second.
    announce = page.locator("#timer-announce")
    await expect(announce).to_have_text("1 minute left")
    assert await announce.get_attribute("aria-live") == "assertive"

    await page.context.set_offline(True)
    kind = await page.locator("#q1").get_attribute("data-type") or ""
    await answer_with_keyboard(page, "q1", kind)
    await expect(page.locator("#save-state")).to_have_attribute("data-state", "failed")
    await expect(page.locator("#save-state")).to_contain_text("retrying")
    await snap(page, "15-exam-offline")
    await page.context.set_offline(False)
    await page.clock.run_for(2000)  # the retry's back-off
    await expect(page.locator("#save-state")).to_have_text("All answers saved")

    await page.clock.run_for(30_000)
    await expect(page.locator("#timer-value")).to_have_text(re.compile(r"^0:2\d$"))
    await expect(announce).to_have_text("30 seconds left")
    await page.clock.run_for(31_000)
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Result")
    await expect(page.locator("#score")).to_be_visible()


async def test_the_countdown_is_right_after_a_laptop_sleeps_and_says_so_on_waking(
    page: Page, server: Server
) -> None:
    await page.clock.install()
    await sign_in(page, server, "learner")
    await stop_the_page_clock(page)
    await start_custom_sql_attempt(page, 3, minutes=7)  # 7: no announcement mark at start
    await expect(page.locator("#timer-value")).to_have_text(re.compile(r"^(7:00|6:59)$"))
    # Playwright's fast_forward is a closed lid: time jumps, timers fire at most once.
    await page.clock.fast_forward("03:00")
    await expect(page.locator("#timer-value")).to_have_text(re.compile(r"^(4:00|3:5\d)$"))
    await expect(page.locator("#timer")).to_have_class(re.compile(r"\blow\b"))
    # The five-minute mark passed while asleep: no stale "5 minutes left" …
    await expect(page.locator("#timer-announce")).to_have_text("")
    # … but on becoming visible again the page re-reads the server's clock (which did not
    # sleep here: it is still about 7 minutes, less the real seconds this test took so far,
    # which a loaded machine may stretch) and says the time left once.
    await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    await expect(page.locator("#timer-announce")).to_have_text(re.compile(r"^[67] minutes left$"))
    await expect(page.locator("#timer-value")).to_have_text(re.compile(r"^(7:00|6:[0-5]\d)$"))
