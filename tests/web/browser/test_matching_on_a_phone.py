"""A matching question on a phone: a closed select shows only the start of a long answer, so
the whole of the chosen answer is written under it, and still is after a reload."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.web.browser.conftest import PHONE, Server, start_custom_sql_attempt
from tests.web.browser.test_author_journey import sign_in


async def test_the_whole_chosen_answer_shows_under_its_select(page: Page, server: Server) -> None:
    await sign_in(page, server, "learner")
    await start_custom_sql_attempt(page, 31)  # the whole track: its matching questions too
    await page.set_viewport_size(PHONE)
    question = page.locator("section.question[data-type=matching]").first
    position = await question.get_attribute("data-position")
    await page.locator(f"[data-goto='{position}']").click()

    selects = question.locator("select[data-premise]")
    first, second = selects.nth(0), selects.nth(1)
    lines = question.locator("[data-chosen-for]")
    await expect(lines.first).to_be_hidden()  # nothing chosen yet: nothing written
    options = (await first.locator("option").all_inner_texts())[1:]
    choice = max(options, key=len)
    await first.select_option(label=choice)
    premise = await first.get_attribute("data-premise")
    line = question.locator(f'[data-chosen-for="{premise}"]')
    await expect(line).to_be_visible()
    await expect(line).to_have_text(choice)
    other = await second.get_attribute("data-premise")
    await expect(question.locator(f'[data-chosen-for="{other}"]')).to_be_hidden()
    await expect(page.locator("#save-state")).to_have_text("All answers saved")

    await page.reload()
    question = page.locator(f"section.question[data-position='{position}']")
    await expect(question.locator(f'[data-chosen-for="{premise}"]')).to_have_text(choice)
    await first.select_option(value="")  # chosen no longer: the line goes
    await expect(question.locator(f'[data-chosen-for="{premise}"]')).to_be_hidden()
