"""The exam by keyboard: arrow keys on a focused radio button change the option (as everywhere
else) and leave the question where it is; Enter checks an answer in practice; an ordering
question's items move with buttons that say which item they move and where it went."""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page, expect

from tests.web.browser.conftest import Server, exam_screen_ready, snap
from tests.web.browser.test_author_journey import sign_in


async def start_spark_practice(page: Page) -> None:
    """Practice on the whole Spark track: every question type is among its questions."""
    spark = page.locator("article", has_text="Spark and Delta Lake")
    await spark.get_by_role("link", name="Start an attempt").click()
    await page.get_by_role("radio", name=re.compile("^Practice")).check()
    await page.locator("#count").fill("500")
    await page.get_by_role("button", name="Start").click()
    await exam_screen_ready(page)


async def go_to_first(page: Page, kind: str) -> tuple[Locator, str]:
    """Open the first question of a type through the navigator; the section and position."""
    section = page.locator(f"section.question[data-type={kind}]").first
    position = await section.get_attribute("data-position") or ""
    await page.locator(f"[data-goto='{position}']").click()
    await expect(section).to_be_visible()
    return section, position


async def test_arrow_keys_on_a_radio_button_change_the_option_not_the_question(
    page: Page, server: Server
) -> None:
    await sign_in(page, server, "learner")
    await start_spark_practice(page)
    section, position = await go_to_first(page, "single_choice")
    radios = section.get_by_role("radio")
    await radios.nth(0).focus()
    await page.keyboard.press("Space")
    await expect(radios.nth(0)).to_be_checked()
    await page.keyboard.press("ArrowRight")
    await expect(radios.nth(1)).to_be_checked()
    await expect(radios.nth(1)).to_be_focused()
    await page.keyboard.press("ArrowLeft")
    await expect(radios.nth(0)).to_be_checked()
    await expect(section).to_be_visible()
    await expect(page).to_have_url(re.compile(rf"#q{position}$"))
    # Away from the options, the arrows move between questions as before; Esc gets there.
    await page.keyboard.press("Escape")
    await expect(page.locator(f"#q{position}-title")).to_be_focused()
    await page.keyboard.press("ArrowRight")
    await expect(page).to_have_url(re.compile(rf"#q{int(position) + 1}$"))


async def test_enter_checks_an_answer_in_practice(page: Page, server: Server) -> None:
    await sign_in(page, server, "learner")
    await start_spark_practice(page)
    numeric, _ = await go_to_first(page, "numeric")
    await numeric.locator(".answer-input").fill("3")
    await numeric.locator(".answer-input").press("Enter")
    await expect(numeric.locator(".feedback")).to_be_visible()
    await expect(numeric.locator(".answer-input")).to_be_disabled()

    choice, _ = await go_to_first(page, "true_false")
    await choice.get_by_role("radio").first.focus()
    await page.keyboard.press("Space")
    await page.keyboard.press("Enter")
    await expect(choice.locator(".feedback")).to_be_visible()


async def test_ordering_items_move_by_keyboard_and_say_where_they_went(
    page: Page, server: Server
) -> None:
    await sign_in(page, server, "learner")
    await start_spark_practice(page)
    section, _ = await go_to_first(page, "ordering")
    items = section.locator(".order-list > li")
    first = (await items.nth(0).locator(".text").inner_text()).strip()
    count = await items.count()
    # Each button names the item it moves, so a screen reader user knows which "down" it is.
    down = section.get_by_role("button", name=f"Move down: {first}")
    await down.focus()
    await page.keyboard.press("Enter")
    await expect(items.nth(1)).to_contain_text(first)
    await expect(down).to_be_focused()  # the same item's button, to press again
    status = section.locator("[data-order-status]")
    await expect(status).to_have_text(f"{first}: now 2 of {count}")
    await page.keyboard.press("Space")
    await expect(items.nth(2)).to_contain_text(first)
    await expect(status).to_have_text(f"{first}: now 3 of {count}")
    # Tab reaches the item's other button; up moves it back.
    await page.keyboard.press("Shift+Tab")
    await expect(section.get_by_role("button", name=f"Move up: {first}")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(items.nth(1)).to_contain_text(first)
    # The first item cannot go further up, nor the last further down.
    top = (await items.nth(0).locator(".text").inner_text()).strip()
    await expect(section.get_by_role("button", name=f"Move up: {top}")).to_be_disabled()
    await snap(page, "25-ordering-by-keyboard")
