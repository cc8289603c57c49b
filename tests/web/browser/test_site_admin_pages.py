"""A site administrator reads the job queue; an org admin is asked before revoking a key (and
keeps it when saying no), finds the settings page, and meets the confirmation page before a
track is deleted."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Dialog, Page, expect

from tests.factories import PASSWORD
from tests.web.browser.conftest import Server, snap
from tests.web.browser.test_author_journey import sign_in


@pytest.fixture
def site_admin(server: Server) -> str:
    """A site administrator, made with the command line as an operator would."""
    email = f"site-{uuid.uuid4().hex[:8]}@example.com"
    subprocess.run(  # noqa: S603 (our own command line, against the test server's database)
        [sys.executable, "-m", "studyhall", "createuser", "--email", email,
         "--password", PASSWORD, "--admin"],
        env=server.env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return email


def bury_a_job(server: Server) -> None:
    """A dead letter in the server's database (SQLite), as a job that spent its retries on a
    receiver that never answered leaves one."""
    db = sqlite3.connect(Path(server.env["STUDYHALL_DATA_DIR"]) / "studyhall.db", timeout=30)
    with db:
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        job = db.execute(
            "INSERT INTO jobs (kind, payload, priority, state, attempts, max_attempts,"
            " timeout_seconds, run_at, created_at, finished_at, last_error)"
            " VALUES ('webhooks.deliver', '{}', 0, 'dead', 8, 8, 30, ?, ?, ?, ?)",
            (now, now, now, ERROR),
        ).lastrowid
        db.execute(
            "INSERT INTO dead_letters (job_id, kind, payload, attempts, error, traceback,"
            " failed_at) VALUES (?, 'webhooks.deliver', '{}', 8, ?, ?, ?)",
            (job, ERROR, TRACEBACK, now),
        )
    db.close()


ERROR = "ConnectError: [Errno -2] Name or service not known: receiver.example.invalid"
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "studyhall/webhooks/delivery.py", line 88, in deliver\n'
    "    response = await client.post(endpoint.url, content=body, headers=headers)\n"
    f"httpx.{ERROR}"
)


async def test_a_site_admin_reads_the_job_queue(
    page: Page, server: Server, site_admin: str
) -> None:
    email = site_admin
    bury_a_job(server)
    await page.goto("/sign-in")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your organisations")
    await page.get_by_role("link", name="Job queue").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Job queue")
    await expect(page.locator("#queue-now")).to_contain_text("waiting to run")
    letter = page.locator("#dead-letters li").first
    await expect(letter).to_contain_text("receiver.example.invalid")
    await letter.get_by_text("Traceback", exact=True).click()
    await snap(page, "40-jobs")
    await letter.get_by_role("button", name="Re-queue").click()
    await expect(page.get_by_role("status")).to_contain_text("is back on the queue")


async def test_an_admin_is_asked_before_revoking_a_key(page: Page, server: Server) -> None:
    name = f"temporary-{uuid.uuid4().hex[:6]}"
    await sign_in(page, server, "admin")
    await page.goto("/o/demo/admin/api-keys")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("questions:read").check()
    await page.get_by_role("button", name="Create key").click()
    await expect(page.locator("#api-key-secret")).to_be_visible()
    row = page.locator("#api-keys tbody tr", has_text=name)
    asked: list[str] = []

    async def answer(dialog: Dialog, accept: bool) -> None:
        asked.append(dialog.message)
        await (dialog.accept() if accept else dialog.dismiss())

    page.once("dialog", lambda d: answer(d, accept=False))
    await row.get_by_role("button", name=f"Revoke {name}").click()
    await expect(row).to_contain_text("active")
    assert asked == [f"Revoke the key {name}? Programs using it are refused from now on."]
    page.once("dialog", lambda d: answer(d, accept=True))
    await row.get_by_role("button", name=f"Revoke {name}").click()
    await expect(page.locator("#api-keys tbody tr", has_text=name)).to_contain_text("revoked")
    assert len(asked) == 2


async def test_settings_and_the_track_delete_confirmation(page: Page, server: Server) -> None:
    await sign_in(page, server, "admin")
    await page.get_by_role("link", name="Admin").click()
    await page.get_by_role("link", name="Settings").click()
    await expect(page.get_by_label("Organisation name")).to_have_value("Studyhall Demo")
    await snap(page, "37-settings")
    await page.get_by_role("link", name="Tracks", exact=True).click()
    await page.get_by_role("link", name="Delete the track").first.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Delete the track")
    await snap(page, "38-track-delete")
    await page.get_by_role("link", name="Keep it").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Exam tracks")
