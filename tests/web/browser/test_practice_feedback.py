"""Practice mode: "Check answer" saves the answer, shows whether it was right with the
explanation, and the answer is then final."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.web.browser.conftest import Server, exam_screen_ready, snap
from tests.web.browser.test_author_journey import sign_in

CHOICE_TYPES = ("single_choice", "true_false")


async def test_practice_gives_feedback_after_check_answer(page: Page, server: Server) -> None:
    await sign_in(page, server, "owner")
    spark = page.locator("article", has_text="Spark and Delta Lake")
    await spark.get_by_role("link", name="Start an attempt").click()
    await page.get_by_role("radio", name=re.compile("^Practice")).check()
    # The set is drawn at random: asking for more than the track has takes every question,
    # so a choice question is among them whatever the draw (and whatever other tests added).
    await page.locator("#count").fill("500")
    await page.get_by_role("button", name="Start").click()
    await exam_screen_ready(page)
    count = int(await page.locator("#exam").get_attribute("data-total") or 0)
    for n in range(1, count + 1):
        section = page.locator(f"#q{n}")
        if await section.get_attribute("data-type") in CHOICE_TYPES:
            break
        await page.keyboard.press("ArrowRight")
    else:
        raise AssertionError(f"no choice question among {count}")
    await page.keyboard.press("1")
    await section.get_by_role("button", name="Check answer").click()
    feedback = section.locator(".feedback")
    await expect(feedback).to_contain_text(re.compile("Correct.|Not quite."))
    await expect(section.locator("input").first).to_be_disabled()
    await expect(section.locator(".option.is-right")).to_have_count(1)
    await expect(section.get_by_role("button", name="Check answer")).to_be_hidden()
    await snap(page, "16-practice-feedback")


async def test_check_answer_works_at_the_first_click_after_a_corrected_number(
    page: Page, server: Server
) -> None:
    """A number that is not one gets its message under the field; once it is corrected, the
    first click on *Check answer* checks it. (Leaving the field used to clear the message, so
    the button moved up under the pointer between press and release and the click was lost.)"""
    await sign_in(page, server, "learner")
    await start_custom_sql_attempt_in_practice(page)
    numeric = page.locator("section.question[data-type=numeric]").first
    position = await numeric.get_attribute("data-position")
    await page.locator(f"[data-goto='{position}']").click()
    field = numeric.locator(".answer-input")
    check = numeric.get_by_role("button", name="Check answer")
    await field.fill("three")
    await check.click()
    await expect(numeric.locator(".field-error")).to_have_text("Type a number, such as 42 or 3.5.")
    await field.fill("3")
    await check.click()
    await expect(numeric.locator(".feedback")).to_contain_text(re.compile("Correct.|Not quite."))
    await expect(numeric.locator(".field-error")).to_have_text("")


async def start_custom_sql_attempt_in_practice(page: Page) -> None:
    """Practice on the whole SQL track (its numeric questions among them)."""
    sql = page.locator("article", has_text="Relational SQL Foundations")
    await sql.get_by_role("link", name="Start an attempt").click()
    await page.get_by_role("radio", name=re.compile("^Practice")).check()
    await page.locator("#count").fill("500")
    await page.get_by_role("button", name="Start").click()
    await exam_screen_ready(page)
