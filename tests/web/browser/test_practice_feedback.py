"""Practice mode: "Check answer" saves the answer, shows whether it was right with the
explanation, and the answer is then final."""

from __future__ import annotations

import json
import re
from importlib import resources

from playwright.async_api import Page, expect

from tests.web.browser.conftest import Server, exam_screen_ready, snap
from tests.web.browser.test_author_journey import sign_in

CHOICE_TYPES = ("single_choice", "true_false")


def _count_that_must_hold_a_choice_question() -> int:
    """The practice set is drawn at random, so ask for one more question than the track has
    of other types: then at least one is a choice question, whatever the draw."""
    track = resources.files("studyhall.demo").joinpath("tracks/spark-delta-associate.json")
    questions = json.loads(track.read_text(encoding="utf-8"))["questions"]
    return sum(q["body"]["type"] not in CHOICE_TYPES for q in questions) + 1


async def test_practice_gives_feedback_after_check_answer(page: Page, server: Server) -> None:
    await sign_in(page, server, "owner")
    spark = page.locator("article", has_text="Spark and Delta Lake")
    await spark.get_by_role("link", name="Start an attempt").click()
    await page.get_by_role("radio", name=re.compile("^Practice")).check()
    count = _count_that_must_hold_a_choice_question()
    await page.locator("#count").fill(str(count))
    await page.get_by_role("button", name="Start").click()
    await exam_screen_ready(page)
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
