"""An author uploads a small GIFT file with one bad question as a dry run, reads the report
naming the bad line, imports it for real from there, and finds the questions in the bank."""

from __future__ import annotations

import uuid

from playwright.async_api import Page, expect

from tests.web.browser.conftest import Server, snap
from tests.web.browser.test_author_journey import sign_in

TRACK = "Data Engineering with Spark and Delta Lake — Associate (practice)"


def gift(marker: str) -> bytes:
    return f"""$CATEGORY: Spark architecture and execution model

Which process plans an imported job ({marker})? {{=The driver ~An executor ####The driver plans.}}

$CATEGORY: A topic nobody has

A question that has nowhere to go ({marker})? {{=Yes ~No}}

$CATEGORY: DataFrame API and Spark SQL transformations

Imported transformations are lazy ({marker}).{{T}}
""".encode()


async def test_author_dry_runs_a_gift_file_then_imports_it_for_real(
    page: Page, server: Server
) -> None:
    marker = uuid.uuid4().hex[:6]
    await sign_in(page, server, "author")
    await page.get_by_role("link", name="Tracks").click()
    await (
        page.locator("article", has_text=TRACK).get_by_role("link", name="Import or export").click()
    )
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Import and export")
    await page.get_by_label("Question file").set_input_files(
        files=[{"name": "bank.gift", "mimeType": "text/plain", "buffer": gift(marker)}]
    )
    await expect(
        page.get_by_label("Dry run: check the file and report, write nothing")
    ).to_be_checked()
    await page.get_by_label("Import the others").check()
    await snap(page, "60-import-form")
    await page.get_by_role("button", name="Upload and import").click()

    # The status page polls until the job is done, then shows the report.
    await expect(page.locator("#import-progress")).to_have_text(
        "Dry run finished: nothing was written.", timeout=30_000
    )
    await expect(page.locator("#count-create")).to_have_text("2")
    await expect(page.locator("#count-reject")).to_have_text("1")
    bad = page.locator("#rejected tbody tr")
    await expect(bad).to_have_count(1)
    await expect(bad).to_contain_text("bank.gift:7")
    await expect(bad).to_contain_text("matches no leaf topic")
    await expect(page.get_by_role("link", name="Download the report (JSON)")).to_be_visible()
    await snap(page, "61-import-dry-run-report")

    await page.get_by_role("button", name="Import for real").click()
    await expect(page.locator("#import-progress")).to_have_text("Import finished.", timeout=30_000)
    await expect(page.locator("#count-create")).to_have_text("2")
    await snap(page, "62-import-done")
    await page.get_by_role("link", name="See the track's questions").click()
    await page.get_by_label("Search the bank").fill(marker)
    await expect(page.locator("#results")).to_contain_text("2 questions")
    await expect(page.locator("#results")).to_contain_text(
        f"Which process plans an imported job ({marker})?"
    )
    await expect(page.locator("#results")).not_to_contain_text("nowhere to go")
