"""Small things on the exam screen that users noticed: practice speaks of practice, not of an
exam to pass; the keyboard hints are not shown on touch screens; the ordering list starts where
the question does; and *Check answer* keeps its distance from the last select and, once
pressed, hands the focus to the feedback."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.web.browser.conftest import DESKTOP, Server, snap, start_custom_sql_attempt
from tests.web.browser.test_author_journey import sign_in
from tests.web.browser.test_exam_keyboard import go_to_first, start_spark_practice


async def test_practice_speaks_of_practice(page: Page, server: Server) -> None:
    await sign_in(page, server, "learner")
    await start_custom_sql_attempt(page, 2)
    await expect(page.get_by_role("button", name=re.compile("exam", re.IGNORECASE))).to_have_count(
        0
    )
    await page.get_by_role("button", name="Finish practice…").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text("Finish this practice?")
    await expect(dialog).not_to_contain_text("exam")
    await dialog.get_by_role("button", name="Finish now").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Result")
    await expect(page.locator("main")).not_to_contain_text("Not passed")
    await expect(page.locator("main")).not_to_contain_text("Passed")
    await expect(page.locator("main")).to_contain_text(
        re.compile("pass mark reached|below the pass mark", re.IGNORECASE)
    )
    await snap(page, "small-practice-result")


async def test_keyboard_hints_are_not_shown_on_a_touch_screen(
    browser: Browser, server: Server
) -> None:
    # A tablet: wide, but a finger for a pointer and no keyboard to speak of.
    context = await browser.new_context(base_url=server.url, viewport=DESKTOP, has_touch=True)
    page = await context.new_page()
    try:
        assert await page.evaluate("matchMedia('(pointer: coarse)').matches")
        await sign_in(page, server, "learner")
        await start_custom_sql_attempt(page, 2)
        await expect(page.locator("#q1")).to_be_visible()
        await expect(page.locator(".shortcuts")).to_be_hidden()
    finally:
        await context.close()


async def test_the_ordering_list_starts_where_the_question_does(page: Page, server: Server) -> None:
    await sign_in(page, server, "learner")
    await start_spark_practice(page)
    ordering, _ = await go_to_first(page, "ordering")
    stem = await ordering.locator(".stem").bounding_box()
    item = await ordering.locator(".order-list > li").first.bounding_box()
    assert stem
    assert item
    assert abs(item["x"] - stem["x"]) <= 1, (stem, item)


async def test_check_answer_keeps_its_distance_and_then_focuses_the_feedback(
    page: Page, server: Server
) -> None:
    await sign_in(page, server, "learner")
    await start_spark_practice(page)
    matching, _ = await go_to_first(page, "matching")
    check = matching.get_by_role("button", name="Check answer")
    last = await matching.locator("select").last.bounding_box()
    button = await check.bounding_box()
    assert last
    assert button
    assert button["y"] - (last["y"] + last["height"]) >= 12, (last, button)
    for select in await matching.locator("select").all():
        await select.select_option(index=1)
    await check.click()
    # The focus is on the verdict, also once the right answer's rows have come.
    await expect(matching.locator(".feedback [data-verdict]").first).to_be_visible()
    await expect(matching.locator(".feedback .verdict")).to_be_focused()
    await snap(page, "small-check-answer-matching")
