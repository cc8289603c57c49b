"""The last answer counts, and nothing follows the exam once it is in: text typed a moment
before submitting goes in with the exam, no save is sent after the submit (the page fixture
fails a test on any refused request), and when the clock runs out mid-word the typed text is
saved before the exam submits itself."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Page, Route, expect

from tests.web.browser.conftest import Server, start_custom_sql_attempt, stop_the_page_clock
from tests.web.browser.test_author_journey import sign_in


async def test_text_typed_just_before_submitting_is_part_of_the_exam(
    page: Page, server: Server
) -> None:
    await sign_in(page, server, "learner")
    await start_custom_sql_attempt(page, 31)  # the whole track: its short-text questions too

    text_question = page.locator("section.question[data-type=short_text]").first
    position = await text_question.get_attribute("data-position")
    await page.locator(f"[data-goto='{position}']").click()
    await text_question.locator(".answer-input").press_sequentially("primary key")

    async def slow_submit(route: Route) -> None:
        # The server has the exam, the browser is still waiting: a late autosave would go now.
        answer = await route.fetch(max_redirects=0)
        await asyncio.sleep(1.5)
        await route.fulfill(response=answer)

    await page.route(re.compile(r"/attempts/[^/]+/submit$"), slow_submit)
    # No pause after typing: straight to submit, as a hurried learner would.
    await page.get_by_role("button", name="Finish practice…").click()
    await page.get_by_role("dialog").get_by_role("button", name="Finish now").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Result")

    await page.goto(page.url.replace("/result", "/review"))
    reviewed = page.locator(f"article.review-item:has(h2#r{position})")
    await expect(reviewed).to_contain_text("Your answer: primary key")


async def test_text_being_typed_when_time_runs_out_is_saved_before_the_exam_submits(
    page: Page, server: Server
) -> None:
    await page.clock.install()
    await sign_in(page, server, "learner")
    # The page's time stands still from the start, so the steps below land on the same ticks
    # however long a loaded machine takes between them.
    await stop_the_page_clock(page)
    await start_custom_sql_attempt(page, 31, minutes=1)
    await expect(page.locator("#timer-value")).to_have_text("1:00")
    text_question = page.locator("section.question[data-type=short_text]").first
    position = await text_question.get_attribute("data-position")
    await page.locator(f"[data-goto='{position}']").click()

    # Step the page's time to the tick that first shows 0:01: the next tick, a second later,
    # is the one that submits.
    await page.clock.run_for(55_000)
    for _ in range(60):
        if await page.locator("#timer-value").text_content() == "0:01":
            break
        await page.clock.run_for(100)
    await expect(page.locator("#timer-value")).to_have_text("0:01")
    await page.clock.run_for(600)
    # Typed with the clock stopped: autosave's pause would end after the submitting tick.
    await text_question.locator(".answer-input").press_sequentially("primary key")
    await page.clock.run_for(500)
    for _ in range(30):  # the waits between the last save and the submit
        if "/result" in page.url:
            break
        await page.clock.run_for(200)
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Result")

    await page.goto(page.url.replace("/result", "/review"))
    reviewed = page.locator(f"article.review-item:has(h2#r{position})")
    await expect(reviewed).to_contain_text("Your answer: primary key")
