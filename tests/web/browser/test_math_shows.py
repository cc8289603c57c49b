"""Formulas show as math: LaTeX between \\( \\) or \\[ \\] (as authors write it and as QTI
imports keep MathML) is typeset by KaTeX as MathML, under the page's CSP."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.web.browser.conftest import Server, snap
from tests.web.browser.test_author_journey import sign_in


async def test_a_formula_in_a_stem_is_typeset(page: Page, server: Server) -> None:
    await sign_in(page, server, "author")
    await page.goto("/o/demo/questions")
    await page.get_by_role("link", name="New question").click()
    await page.get_by_label("Question (Markdown)").fill(
        "Simplify \\(\\sqrt{x_1} + \\frac{1}{2}\\) first.\n\n\\[\\sec^2{\\theta}\\]"
    )
    preview = page.locator("#stem-preview")
    await expect(preview.locator("span.math-inline math msqrt")).to_have_count(1)
    await expect(preview.locator("span.math-inline math mfrac")).to_have_count(1)
    await expect(preview.locator("span.math-display math[display='block']")).to_have_count(1)
    # Typeset, not shown as source: the backslashes are gone from what a reader sees.
    assert "\\sqrt" not in await preview.inner_text()
    await snap(page, "27-formula-preview")
