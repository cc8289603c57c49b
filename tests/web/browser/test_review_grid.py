"""The review's grid, at desktop and phone width: every question's outcome at a glance, and a
click on one brings that question into view (a long review was one 24,000 px page)."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.web.browser.conftest import PHONE, Server, snap, start_custom_sql_attempt
from tests.web.browser.test_author_journey import sign_in
from tests.web.browser.test_learner_journey import answer_with_keyboard

COUNT = 8


async def test_the_review_grid_jumps_to_each_question(page: Page, server: Server) -> None:
    await sign_in(page, server, "learner")
    await start_custom_sql_attempt(page, COUNT)
    first = page.locator("#q1")
    await answer_with_keyboard(page, "q1", await first.get_attribute("data-type") or "")
    await expect(first).to_have_attribute("data-answered", "true")
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("f")
    await expect(page.locator("#flag")).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("#save-state")).to_have_text("All answers saved")
    await page.get_by_role("button", name="Finish practice…").click()  # a custom set
    await page.get_by_role("dialog").get_by_role("button", name="Finish now").click()
    await page.get_by_role("link", name="Review every question").click()

    grid = page.get_by_role("navigation", name="Questions")
    await expect(grid.get_by_role("link")).to_have_count(COUNT)
    await expect(grid.get_by_role("link", name="Question 2: unanswered, flagged")).to_have_count(1)
    await expect(grid.locator("a.cell.unanswered")).to_have_count(COUNT - 1)
    await snap(page, "21-review-grid")
    last = grid.get_by_role("link", name=f"Question {COUNT}:")
    await last.click()
    await expect(page.locator(f"#r{COUNT}")).to_be_in_viewport()
    await expect(grid).to_be_in_viewport()  # beside the questions, still in reach

    await page.set_viewport_size(PHONE)
    await page.goto(page.url.split("#")[0])
    await grid.get_by_role("link", name=f"Question {COUNT - 1}:").click()
    await expect(page.locator(f"#r{COUNT - 1}")).to_be_in_viewport()
    heading = await page.locator(f"#r{COUNT - 1}").bounding_box()
    assert heading is not None
    assert heading["y"] >= 0  # the heading itself shows, not only the question's end
