"""Forward-only (sequential) exams say so before the start and on the screen, ask before
leaving a question unanswered for good, and offer no "flag for review" where no review is
possible. The demo SQL track's simulation is forward only."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.web.browser.conftest import Server, exam_screen_ready, snap
from tests.web.browser.test_author_journey import sign_in
from tests.web.browser.test_learner_journey import answer_with_keyboard


async def test_a_forward_only_exam_warns_before_questions_close(page: Page, server: Server) -> None:
    await sign_in(page, server, "learner")
    sql = page.locator("article", has_text="Relational SQL Foundations")
    await sql.get_by_role("link", name="Start an attempt").click()
    simulation = page.locator("label", has=page.get_by_role("radio", name=re.compile("^Timed")))
    await expect(simulation).to_contain_text("forward only")
    await expect(simulation).to_contain_text("cannot go back")
    await snap(page, "17-start-forward-only")
    await page.get_by_role("button", name="Start").click()
    await exam_screen_ready(page)

    await expect(page.locator("#forward-only")).to_contain_text("cannot go back")
    await expect(page.locator("#forward-only")).to_be_in_viewport()
    # Flagging is for coming back later, which this exam does not allow.
    await expect(page.get_by_role("button", name=re.compile("Flag"))).to_have_count(0)
    await page.locator("#q1-title").focus()
    await page.keyboard.press("f")
    await expect(page.locator("#q1")).to_have_attribute("data-flagged", "false")
    flag_words = page.locator("#exam").get_by_text(re.compile("flag", re.IGNORECASE))
    await expect(flag_words.filter(visible=True)).to_have_count(0)

    # Leaving an unanswered question asks first; staying keeps it open.
    await page.get_by_role("button", name="Next →").click()
    ask = page.get_by_role("dialog")
    await expect(ask).to_contain_text("Question 1 is unanswered")
    await expect(ask).to_contain_text("cannot come back")
    await snap(page, "17-leave-unanswered")
    await ask.get_by_role("button", name="Stay on question 1").click()
    await expect(ask).to_be_hidden()
    await expect(page.locator("#q1")).to_be_visible()

    # Answered, it moves on without a question.
    kind = await page.locator("#q1").get_attribute("data-type") or ""
    await answer_with_keyboard(page, "q1", kind)
    await page.get_by_role("button", name="Next →").click()
    await expect(page.locator("#q2")).to_be_visible()
    await expect(ask).to_be_hidden()

    # Jumping ahead closes every question passed over: the dialog names them.
    await page.locator("[data-goto='5']").click()
    await expect(ask).to_contain_text("Questions 2 to 4 close for good")
    await expect(ask).to_contain_text("3 of them are unanswered")
    await ask.get_by_role("button", name="Go to question 5").click()
    await expect(page.locator("#q5")).to_be_visible()
    await expect(page.get_by_role("button", name="← Previous")).to_be_disabled()
    await expect(page.locator("[data-goto='4']")).to_be_disabled()
