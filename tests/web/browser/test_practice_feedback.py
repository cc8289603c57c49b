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
