"""The exam header (time left, answered and flagged counts, save state) stays in view: after
scrolling down a long question, after a reload that opens at `#qN`, and on a phone, where the
question's heading must not end up under the sticky header."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.web.browser.conftest import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    Server,
    snap,
    start_custom_sql_attempt,
)
from tests.web.browser.test_author_journey import sign_in

# Where the header is, and whether the point at the middle of the heading's first line is the
# heading itself (and not the header drawn over it).
LAYOUT = """(n) => {
  const head = document.querySelector(".exam-head").getBoundingClientRect();
  const title = document.getElementById("q" + n + "-title");
  const box = title.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + 10, box.top + 4);
  return {
    headTop: head.top, headBottom: head.bottom, titleTop: box.top,
    titleUncovered: hit !== null && title.contains(hit),
    scrolled: window.scrollY, viewport: window.innerHeight,
  };
}"""


async def header_in_view(page: Page, n: int) -> dict[str, float]:
    layout = await page.evaluate(LAYOUT, n)
    assert layout["headTop"] >= 0, layout
    assert layout["headBottom"] <= layout["viewport"], layout
    await expect(page.locator(".exam-head #timer")).to_be_in_viewport()
    await expect(page.locator(".exam-head #exam-counts")).to_be_in_viewport()
    await expect(page.locator(".exam-head #save-state")).to_be_in_viewport()
    return layout


async def test_time_left_counts_and_save_state_stay_in_view(page: Page, server: Server) -> None:
    await sign_in(page, server, "learner")
    # A short window and the whole track (a long navigator), so that the page is taller than
    # the window, as on a laptop with a long question.
    for name, viewport in (("desktop", {**DESKTOP, "height": 500}), ("phone", PHONE)):
        await page.set_viewport_size(viewport)
        await page.goto("/o/demo")
        await start_custom_sql_attempt(page, 31, minutes=30)
        await expect(page.locator("#exam-counts")).to_have_text("0 of 31 answered · 0 flagged")
        await page.keyboard.press("f")
        await expect(page.locator("#exam-counts")).to_have_text("0 of 31 answered · 1 flagged")

        # Scrolled to the bottom of the page: the header is still there.
        await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        layout = await header_in_view(page, 1)
        assert layout["scrolled"] > 0, f"{name}: nothing to scroll, the test proves nothing"

        # Opened at question 4 (a reload, or a link): the timer is on screen and the heading
        # is below the header, not under it.
        exam = page.url.split("#")[0]
        await page.goto("about:blank")
        await page.goto(f"{exam}#q4")
        await expect(page.locator("#q4")).to_be_visible()
        await page.wait_for_load_state("load")
        layout = await header_in_view(page, 4)
        assert layout["titleUncovered"], f"{name}: the heading of question 4 is under the header"
        assert layout["titleTop"] >= layout["headBottom"] - 1, (name, layout)

        # Moving on from the bottom of a question: the next heading is not under the header.
        await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        await page.get_by_role("button", name="Next →").click()
        await expect(page.locator("#q5-title")).to_be_focused()
        layout = await header_in_view(page, 5)
        assert layout["titleUncovered"], f"{name}: the heading of question 5 is under the header"
        # What the learner sees (not the whole page): the header over the scrolled question.
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=SCREENSHOTS / f"16-exam-header-in-view-{name}.png")
        await snap(page, f"16-exam-header-{name}")
