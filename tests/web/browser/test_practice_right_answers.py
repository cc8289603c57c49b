"""Practice feedback shows the right answer for every question type, not only for choices: the
number (with its tolerance), the accepted texts, the right order and the right pairs, with a
✓ or ✗ on each row of an ordering or matching answer. After a reload it reads the same, and
the review after submitting marks the rows the same way."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Locator, Page, expect

from tests.web.browser.conftest import Server, snap
from tests.web.browser.test_author_journey import sign_in
from tests.web.browser.test_exam_keyboard import go_to_first, start_spark_practice

# What the right answer is introduced by, per type.
HEADINGS = {
    "numeric": "Right answer",
    "short_text": "Accepted",
    "ordering": "Right order",
    "matching": "Right",
}


def written(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


async def check(page: Page, section: Locator, position: str) -> dict[str, Any]:
    """Press Check answer; the key the server sent with its feedback."""
    async with page.expect_response(lambda r: r.url.endswith(f"/answers/{position}")) as saved:
        await section.get_by_role("button", name="Check answer").click()
    response = await saved.value
    assert response.ok, await response.text()
    key: dict[str, Any] = (await response.json())["feedback"]["correct_answer"]
    await expect(section.locator(".feedback")).to_be_visible()
    return key


async def rows_marked(box: Locator, expected: list[bool]) -> None:
    """The rows of an ordering or matching answer, each marked right or wrong as expected."""
    rows = box.locator("[data-verdict]")
    await expect(rows).to_have_count(len(expected))
    for row, right in zip(await rows.all(), expected, strict=True):
        await expect(row).to_have_attribute("data-verdict", "right" if right else "wrong")
        await expect(row).to_contain_text("✓" if right else "✗")


async def test_practice_shows_the_right_answer_for_every_type(page: Page, server: Server) -> None:
    await sign_in(page, server, "learner")
    await start_spark_practice(page)
    seen: dict[str, tuple[str, list[bool]]] = {}  # type -> (position, row verdicts)

    numeric, n = await go_to_first(page, "numeric")
    await numeric.locator(".answer-input").fill("987654321")
    key = await check(page, numeric, n)
    right = written(key["value"]) if "value" in key else f"{written(key['min'])} to"
    await expect(numeric.locator(".feedback")).to_contain_text(f"Right answer: {right}")
    if key.get("tolerance"):
        await expect(numeric.locator(".feedback")).to_contain_text(f"± {written(key['tolerance'])}")
    seen["numeric"] = (n, [])

    text, n = await go_to_first(page, "short_text")
    await text.locator(".answer-input").fill("no such answer")
    key = await check(page, text, n)
    assert key["accepted"], key
    for accepted in key["accepted"]:
        await expect(text.locator(".feedback")).to_contain_text(accepted)
    seen["short_text"] = (n, [])

    ordering, n = await go_to_first(page, "ordering")
    await ordering.locator("[data-move=down]").first.click()  # a first item one place lower
    mine = await ordering.locator(".order-list > li").evaluate_all(
        "(items) => items.map((li) => li.dataset.id)"
    )
    texts = {
        i: (await ordering.locator(f".order-list > li[data-id={i}] .text").inner_text()).strip()
        for i in mine
    }
    key = await check(page, ordering, n)
    verdicts = [a == b for a, b in zip(mine, key["order"], strict=True)]
    await rows_marked(ordering.locator(".feedback .your-order"), verdicts)
    right_order = ordering.locator(".feedback .right-order li")
    await expect(right_order).to_have_text([texts[i] for i in key["order"]])
    seen["ordering"] = (n, verdicts)

    matching, n = await go_to_first(page, "matching")
    selects = await matching.locator("select[data-premise]").all()
    for select in selects:
        await select.select_option(index=1)  # the first answer for every premise
    chosen = {await s.get_attribute("data-premise"): await s.input_value() for s in selects}
    key = await check(page, matching, n)
    premises = list(chosen)
    verdicts = [key["pairs"][p] == chosen[p] for p in premises]
    await rows_marked(matching.locator(".feedback"), verdicts)
    rows = await matching.locator(".feedback [data-verdict]").all()
    for row, premise in zip(rows, premises, strict=True):
        right = key["pairs"][premise]
        answer = matching.locator(f"select[data-premise={premise}] option[value={right}]")
        await expect(row.locator("[data-label=Right]")).to_have_text(await answer.inner_text())
    seen["matching"] = (n, verdicts)
    await snap(page, "18-practice-matching-feedback")

    # Shown again as it was after a reload, and in the review after submitting.
    await page.reload()
    for kind, (n, verdicts) in seen.items():
        await page.locator(f"[data-goto='{n}']").click()
        box = page.locator(f"#q{n} .feedback")
        await expect(box).to_contain_text(HEADINGS[kind])
        if verdicts:
            await rows_marked(box, verdicts)
    await page.locator("#submit-open").click()
    await page.locator("#submit-confirm").click()
    await page.goto(page.url.replace("/result", "/review"))
    for kind, (n, verdicts) in seen.items():
        article = page.locator(f"article.review-item:has(h2#r{n})")
        if verdicts:
            await rows_marked(article, verdicts)
        elif kind == "numeric":
            await expect(article).to_contain_text("Right answer: ")
    await snap(page, "18-review-rows-marked")
