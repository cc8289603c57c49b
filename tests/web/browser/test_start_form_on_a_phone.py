"""The start form on a phone: each mode's name stays on one line with its description under
it, not squeezed into a narrow column beside the description."""

from __future__ import annotations

from playwright.async_api import Page

from tests.web.browser.conftest import PHONE, Server, snap
from tests.web.browser.test_author_journey import sign_in

# For each mode: how many lines its name takes, and whether its description starts below the
# name (rather than beside it).
LAYOUT = """() => Array.from(document.querySelectorAll('#mode label')).map((label) => {
  const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
  let name = null;
  while (walker.nextNode()) {
    if (walker.currentNode.textContent.trim()) { name = walker.currentNode; break; }
  }
  const range = document.createRange();
  range.selectNodeContents(name);
  const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
  const help = label.querySelector('.muted');
  const nameBox = range.getBoundingClientRect();
  const helpBox = help.getBoundingClientRect();
  const below = helpBox.top >= nameBox.bottom - 1;
  return {name: name.textContent.trim(), lines: lines.size, below: below};
})"""


async def test_mode_names_read_on_one_line_on_a_phone(page: Page, server: Server) -> None:
    await sign_in(page, server, "learner")
    await page.set_viewport_size(PHONE)
    sql = page.locator("article", has_text="Relational SQL Foundations")
    await sql.get_by_role("link", name="Start an attempt").click()
    layout = await page.evaluate(LAYOUT)
    assert len(layout) == 5
    squeezed = [m for m in layout if m["lines"] != 1 or not m["below"]]
    assert not squeezed, layout
    await snap(page, "24-start-form")
