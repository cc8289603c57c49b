"""A learner sets a study goal, sees Today, starts a practice block (its drill opens in the
exam screen), comes back and marks it done, and sees the week and the reality check; Today is
usable on a phone; the study timer survives a reload. The screenshot of Today in the docs is
taken here."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import Page, expect

from tests.factories import PASSWORD
from tests.web.browser.conftest import PHONE, Server, exam_screen_ready, snap

DOCS = Path(__file__).parents[3] / "docs"
# Zones around the world: the test studies in one where the day's study time (from 19:00) is
# still ahead, so today has blocks to do whatever the hour the test runs at.
ZONES = (
    "America/Sao_Paulo",
    "Europe/Lisbon",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Pacific/Auckland",
    "Pacific/Kiritimati",
    "Pacific/Honolulu",
    "America/Los_Angeles",
    "America/New_York",
)


def study_zone() -> str:
    """A zone where it is now between 06:00 and 16:00."""
    now = datetime.now(UTC)
    return next(z for z in ZONES if 6 <= now.astimezone(ZoneInfo(z)).hour < 16)


TRACK = "Relational SQL Foundations"


async def new_learner(page: Page, server: Server) -> None:
    """A new learner of the demo organisation, signed in: no goal and no plan yet."""
    email = f"planner-{uuid.uuid4().hex[:8]}@example.com"
    async with httpx.AsyncClient(base_url=server.url) as api:
        made = await api.post(
            "/api/v1/auth/register",
            json={"email": email, "password": PASSWORD, "display_name": "Pat Planner"},
        )
        assert made.status_code in (201, 202), made.text
        invited = await api.post(
            "/api/v1/orgs/demo/invitations",
            json={"email": email, "role": "learner"},
            headers=await server.login("admin"),
        )
        assert invited.status_code == 201, invited.text
    await page.goto("/sign-in")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.goto(f"/invitations/accept?token={invited.json()['token']}")
    await page.get_by_role("button", name="Accept and join").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Studyhall Demo")


async def set_a_goal(page: Page, *, mastered: bool) -> None:
    """From the dashboard: a goal for the SQL track, six weeks out, in a zone where today's
    study time is still ahead."""
    await page.locator("article", has_text=TRACK).get_by_role("link", name="Plan my study").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(f"Goal: {TRACK}")
    exam = (datetime.now(UTC) + timedelta(days=42)).date()
    await page.get_by_label("Exam date").fill(exam.isoformat())
    await page.get_by_label("Time zone").select_option(study_zone())
    await page.get_by_label("Target score").fill("80")
    await page.get_by_label("Sunday").fill("0")
    await page.get_by_label("Session length").fill("40")
    if mastered:  # practice from day one: no first-contact study left
        for radio in await page.get_by_role("radio", name=re.compile("^Mastered: ")).all():
            await radio.check()
    await page.get_by_role("button", name="Save and make my plan").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Today")


async def test_a_learner_plans_starts_a_drill_marks_it_done_and_sees_the_week(
    page: Page, server: Server
) -> None:
    await new_learner(page, server)
    await page.locator("article", has_text=TRACK).get_by_role("link", name="Plan my study").click()
    await page.get_by_label("Exam date").fill("2001-01-01")
    await page.get_by_role("button", name="Save and make my plan").click()
    await expect(page.locator("#exam_date-error")).to_contain_text("The exam must be after")
    await expect(page.get_by_label("Exam date")).to_have_attribute("aria-invalid", "true")
    await page.get_by_role("link", name="Dashboard").click()

    await set_a_goal(page, mastered=True)
    await expect(page.get_by_role("status")).to_have_text(
        "Your goal is saved and your plan is ready."
    )
    await expect(page.locator("#plan-status")).to_have_text(re.compile("On track|Behind by"))
    now = page.locator(".plan-block.is-next")
    await expect(now).to_have_count(1)
    await expect(now.get_by_role("heading", level=3)).to_contain_text("Practice")
    await expect(page.locator("#reality")).to_contain_text("of the syllabus covered")

    await now.get_by_role("button", name="Start the drill").click()
    await exam_screen_ready(page)
    await expect(page.locator(".question.card").first).to_be_visible()

    await page.get_by_role("link", name="Plan", exact=True).click()
    block = page.locator(".plan-block.is-next")
    block_id = await block.get_attribute("id")
    await block.get_by_text("Mark as done, partly done or skipped").click()
    await block.get_by_label("Minutes spent").fill("25")
    await block.get_by_label("Questions solved").fill("6")
    await block.get_by_label("Notes").fill("Window functions need another look.")
    await block.get_by_role("button", name="Save").click()
    done = page.locator(f"#{block_id}")
    await expect(done).to_contain_text("Done: 25 min, 6 questions solved.")
    await expect(done).to_contain_text("Window functions need another look.")
    await expect(page.locator(".plan-goals")).to_contain_text("25 min /")
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=DOCS / "today.png", full_page=True)
    await snap(page, "40-plan-today")

    await page.get_by_role("link", name="Week").first.click()
    await expect(page.locator(".week .day")).to_have_count(7)
    await expect(page.locator(".week .day.is-today")).to_contain_text("25 min")
    await snap(page, "41-plan-week")
    await page.get_by_role("link", name="Next week →").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Week of")
    await page.get_by_role("link", name="Today").click()
    await page.get_by_role("link", name="Re-plan").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Re-plan from today")
    await snap(page, "42-plan-replan")
    await page.get_by_role("button", name="Apply").click()
    await expect(page.locator("#plan-reason")).to_contain_text("You re-planned.")
    await expect(page.locator(f"#{block_id}")).to_contain_text("Done: 25 min")  # stays done


async def test_today_is_usable_on_a_phone_and_its_timer_survives_a_reload(
    page: Page, server: Server
) -> None:
    await new_learner(page, server)
    await page.set_viewport_size(PHONE)
    await set_a_goal(page, mastered=False)
    now = page.locator(".plan-block.is-next")
    await expect(now).to_be_in_viewport()
    await snap(page, "43-plan-today-phone")  # fails if anything sticks out sideways
    studying = page.locator(".plan-block.kind-study").first
    await expect(studying).to_be_visible()
    timer = studying.locator("[data-timer-shown]")
    await expect(timer).to_have_text("00:00")
    await studying.get_by_role("button", name="Start the timer").click()
    await expect(timer).not_to_have_text("00:00", timeout=5000)
    await page.reload()
    again = page.locator(".plan-block.kind-study").first
    await expect(again.get_by_role("button", name="Pause")).to_be_visible()  # still running
    await expect(again.locator("[data-timer-shown]")).not_to_have_text("00:00")
    await again.get_by_role("button", name="Pause").click()
    shown = await again.locator("[data-timer-shown]").text_content()
    await page.wait_for_timeout(1500)
    await expect(again.locator("[data-timer-shown]")).to_have_text(shown or "")  # paused
    await expect(again.get_by_role("button", name="Resume the timer")).to_be_visible()
