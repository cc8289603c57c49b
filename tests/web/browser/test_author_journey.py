"""An author writes a question in the editor (with the live preview), edits it, submits it;
a reviewer sees what changed and approves it; it is published and found by search."""

from __future__ import annotations

import uuid

from playwright.async_api import Browser, Page, expect

from tests.walk.search_media import png
from tests.web.browser.conftest import DESKTOP, PHONE, Server, snap


async def sign_in(page: Page, server: Server, role: str) -> None:
    email = f"{role}@demo.example.org"
    await page.goto("/sign-in")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(server.passwords[email])
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Studyhall Demo")


async def test_author_writes_and_edits_a_question_and_a_reviewer_approves_it(
    page: Page, browser: Browser, server: Server
) -> None:
    marker = uuid.uuid4().hex[:6]
    await sign_in(page, server, "author")
    await page.get_by_role("link", name="Questions").click()
    await expect(page.locator("#results")).to_contain_text("questions")
    await snap(page, "20-questions")
    # On a phone the filters are folded away (nothing ticked), so the results are near.
    filters = page.locator("details[data-fold-on-phone]")
    await expect(filters).to_have_attribute("open", "")
    await page.set_viewport_size(PHONE)
    await expect(filters).not_to_have_attribute("open", "")
    await page.set_viewport_size(DESKTOP)
    await expect(filters).to_have_attribute("open", "")
    await page.get_by_label("Search the bank").fill("VACUUM")
    await expect(page).to_have_url(f"{server.url}/o/demo/questions?q=VACUUM")
    await page.locator("#results li a").first.click()
    await expect(page.locator("#status")).to_be_visible()
    await page.goto("/o/demo/questions")

    await page.get_by_role("link", name="New question").click()
    await page.get_by_label("Question type").select_option("multiple_response")
    await page.get_by_label("Question (Markdown)").fill(f"Which are **Delta** features? ({marker})")
    await expect(page.locator("#stem-preview strong")).to_have_text("Delta")
    await page.get_by_label("One option per line").fill("* Time travel\n* ACID commits\nCSV only")
    await page.get_by_label("Explanation").fill("Delta keeps a _transaction log_.")
    await expect(page.locator("#explanation-preview em")).to_have_text("transaction log")
    await page.get_by_role("button", name="Save draft").click()
    await expect(page.get_by_role("status")).to_contain_text("Saved as version 1")
    await snap(page, "21-question")

    await page.get_by_role("link", name="Edit").click()
    await page.get_by_label("One option per line").fill("* Time travel\nCSV only")
    await page.get_by_role("button", name="Save as a new version").click()
    await expect(page.locator("#status")).to_have_text("draft")
    await page.get_by_role("link", name="Edit").click()
    await page.get_by_label("One option per line").fill("Time travel\nCSV only")  # no right one
    await page.get_by_role("button", name="Save as a new version").click()
    await expect(page.locator("#options-error")).to_contain_text("at least one option")
    await snap(page, "22-editor-error")
    await page.get_by_label("One option per line").fill("* Time travel\n* ACID commits\nCSV only")
    await page.get_by_role("button", name="Save as a new version").click()
    await expect(page.get_by_role("status")).to_contain_text("Saved as version 3")
    question_url = page.url.split("?")[0]
    await page.get_by_role("button", name="Submit for review").click()
    await expect(page.locator("#status")).to_have_text("in review")

    context = await browser.new_context(base_url=server.url, viewport=DESKTOP)
    reviewer = await context.new_page()
    await sign_in(reviewer, server, "reviewer")
    await reviewer.get_by_role("link", name="Review", exact=True).click()
    item = reviewer.locator("article", has_text=marker)
    await expect(item).to_be_visible()
    await snap(reviewer, "23-review-queue")
    await item.get_by_role("link", name="what changed").click()
    await expect(reviewer.locator(".diff")).to_contain_text("Version 2 → 3")
    await snap(reviewer, "24-versions-diff")
    await reviewer.go_back()
    await (
        reviewer.locator("article", has_text=marker)
        .get_by_role("button", name="Approve and publish")
        .click()
    )
    await expect(reviewer.locator("article", has_text=marker)).to_have_count(0)
    await reviewer.goto(question_url)
    await expect(reviewer.locator("#status")).to_have_text("published")
    await context.close()

    await page.goto(f"/o/demo/questions?q={marker}")
    await expect(page.locator("#results")).to_contain_text("1 question")
    await page.goto(question_url + "/edit")
    await snap(page, "25-editor")


async def test_an_author_uploads_an_image_and_embeds_it(page: Page, server: Server) -> None:
    await sign_in(page, server, "author")
    await page.get_by_role("link", name="Questions").click()
    await page.get_by_role("link", name="Images").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Images")
    await page.get_by_label("PNG, JPEG, GIF or WebP image").set_input_files(
        {"name": "not-an-image.png", "mimeType": "image/png", "buffer": b"plain text"}
    )
    await page.get_by_role("button", name="Upload").click()
    await expect(page.locator("#media-file-error")).not_to_be_empty()  # said beside the field
    await page.get_by_label("PNG, JPEG, GIF or WebP image").set_input_files(
        {"name": "venn-diagram.png", "mimeType": "image/png", "buffer": png("teal")}
    )
    await page.get_by_role("button", name="Upload").click()
    await expect(page.get_by_role("status")).to_contain_text("Image uploaded")
    snippet = page.locator(".is-new .snippet")
    markdown = await snippet.input_value()
    assert markdown.startswith("![venn-diagram](media:")
    await expect(page.locator(".is-new img")).to_have_js_property("naturalWidth", 4)
    await snap(page, "26-images")

    await page.goto("/o/demo/questions")
    await page.get_by_role("link", name="New question").click()
    await page.get_by_label("Question (Markdown)").fill(f"Which region is shaded?\n\n{markdown}")
    await expect(page.locator("#stem-preview img")).to_have_js_property("naturalWidth", 4)
