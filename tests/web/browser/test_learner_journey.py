"""A person signs up, joins by invitation, takes a timed simulation with the keyboard alone,
reloads in the middle, submits, reads the score and its topic breakdown, and reviews a
wrong answer."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.async_api import Page, expect

from tests.factories import PASSWORD
from tests.web.browser.conftest import Server, exam_screen_ready, snap


async def answer_with_keyboard(page: Page, section_id: str, kind: str) -> None:
    """Answer the visible question by keys only, as its type allows."""
    question = page.locator(f"#{section_id}")
    if kind in ("single_choice", "true_false"):
        await page.keyboard.press("1")
    elif kind == "multiple_response":
        await page.keyboard.press("1")
        await page.keyboard.press("2")
    elif kind in ("numeric", "short_text"):
        await question.locator(".answer-input").focus()
        await page.keyboard.type("42" if kind == "numeric" else "delta")
        await page.keyboard.press("Escape")
    elif kind == "ordering":
        await question.locator("[data-move=down]").first.focus()
        await page.keyboard.press("Enter")
    elif kind == "matching":
        for select in await question.locator("select").all():
            await select.focus()
            await page.keyboard.press("ArrowDown")
        await page.keyboard.press("Escape")  # leaves the field; the shortcuts work again


async def test_sign_up_take_a_simulation_reload_submit_and_review(
    page: Page, server: Server
) -> None:
    await page.goto("/")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Prepare for the exam")
    await snap(page, "01-landing")

    email = f"learner-{uuid.uuid4().hex[:8]}@example.com"
    await page.get_by_role("link", name="Create an account").first.click()
    await page.get_by_label("Your name").fill("Lee Learner")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").press_sequentially("short")
    await expect(page.locator("#password-rules .todo")).to_have_count(1)  # length only
    await page.get_by_label("Password").fill("")
    await page.get_by_label("Password").press_sequentially(PASSWORD)
    await expect(page.locator("#password-rules .ok")).to_have_count(3)
    await snap(page, "02-sign-up")
    await page.get_by_role("button", name="Create account").click()  # and signed in at once
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your organisations")
    await snap(page, "03b-your-organisations")

    async with httpx.AsyncClient(base_url=server.url) as api:  # the admin's part, by API
        invited = await api.post(
            "/api/v1/orgs/demo/invitations",
            json={"email": email, "role": "learner"},
            headers=await server.login("admin"),
        )
    assert invited.status_code == 201, invited.text
    await page.goto(f"/invitations/accept?token={invited.json()['token']}")
    await snap(page, "04-invitation")
    await page.get_by_role("button", name="Accept and join").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Studyhall Demo")
    await snap(page, "05-dashboard-empty")

    spark = page.locator("article", has_text="Spark and Delta Lake")
    await spark.get_by_role("link", name="Start an attempt").click()
    await expect(page.get_by_label("Timed simulation")).to_be_checked()
    await snap(page, "06-start")
    await page.get_by_role("button", name="Start").click()
    await expect(page.locator("#timer")).to_be_visible()
    await exam_screen_ready(page)
    await snap(page, "07-exam")
    toggle = page.locator("#theme-toggle")
    await toggle.click()  # system -> light
    await toggle.click()  # light -> dark
    await expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    await snap(page, "07-exam-dark")
    await toggle.click()  # back to following the system

    total = int(await page.locator("#exam").get_attribute("data-total") or 0)
    assert total == 45
    for n in range(1, total + 1):
        section = page.locator(f"#q{n}")
        await expect(section).to_be_visible()
        kind = await section.get_attribute("data-type") or ""
        await answer_with_keyboard(page, f"q{n}", kind)
        await expect(section).to_have_attribute("data-answered", "true")
        if n == 3:
            await page.keyboard.press("f")
            await expect(page.locator("#flag")).to_have_attribute("aria-pressed", "true")
        if n == 20:
            await expect(page.locator("#save-state")).to_have_text("All answers saved")
            shown = await page.locator("#timer-value").text_content()
            await page.reload()
            # Where you were, with your answers and the same clock.
            await expect(page.locator("#q20")).to_be_visible()
            await expect(page.locator("#nav-counts")).to_contain_text(
                "20 of 45 answered, 1 flagged"
            )
            assert await page.locator("#timer-value").text_content() <= (shown or "")
        if n == 10:
            await snap(page, "08-exam-answered")
        if n < total:
            await page.keyboard.press("ArrowRight")
    await page.keyboard.press("ArrowLeft")
    await expect(page.locator(f"#q{total - 1}")).to_be_visible()
    await expect(page.locator("#save-state")).to_have_text("All answers saved")

    await page.get_by_role("button", name="Submit exam…").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text("Every question is answered.")
    await expect(dialog).to_contain_text("1 question is flagged")
    await snap(page, "09-submit-confirm")
    await dialog.get_by_role("button", name="Submit now").click()

    await expect(page.get_by_role("heading", level=1)).to_contain_text("Result")
    score = await page.locator("#score").text_content()
    assert score
    assert re.fullmatch(r"\d+%", score)
    rows = page.locator("#topic-breakdown tbody tr")
    assert await rows.count() >= 3
    await snap(page, "10-result")

    await page.get_by_role("link", name="Review wrong answers").click()
    wrong = page.locator("article.review-item.wrong").first
    await expect(wrong).to_be_visible()
    await expect(wrong.locator(".explanation")).to_contain_text("Why")
    await snap(page, "11-review-wrong")

    await page.get_by_role("link", name="Dashboard").click()
    await expect(page.locator("svg circle.dot")).to_have_count(1)
    await snap(page, "12-dashboard")
    await page.get_by_role("link", name="Mistakes").click()
    await snap(page, "13-mistakes")
    await page.get_by_role("link", name="History").click()
    await snap(page, "14-history")
