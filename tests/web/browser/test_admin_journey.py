"""An admin changes a member's role (the member list and the audit log show it), makes an
API key and an invitation, registers a webhook endpoint and pings it; a founder creates an
organisation."""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Page, expect

from tests.factories import PASSWORD
from tests.web.browser.conftest import Server, snap
from tests.web.browser.test_author_journey import sign_in


async def test_an_admin_changes_a_members_role(page: Page, server: Server) -> None:
    await sign_in(page, server, "admin")
    await page.get_by_role("link", name="Admin").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Members")
    row = page.locator('tr[data-email="instructor@demo.example.org"]')
    await row.get_by_label("Role of Demo Instructor").select_option("reviewer")
    await snap(page, "30-members")
    await row.get_by_role("button", name="Change role").click()
    await expect(page.get_by_role("status")).to_have_text("Role changed.")
    row = page.locator('tr[data-email="instructor@demo.example.org"]')
    await expect(row.get_by_label("Role of Demo Instructor")).to_have_value("reviewer")

    await page.get_by_role("link", name="Audit log").click()
    await page.get_by_label("Action").fill("member.")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.locator("#audit tbody tr").first).to_contain_text("member.")
    await snap(page, "31-audit")

    await page.get_by_role("link", name="API keys").click()
    await page.get_by_label("Name").fill("reporting")
    await page.get_by_label("questions:read").check()
    await page.get_by_role("button", name="Create key").click()
    await expect(page.locator("#api-key-secret")).to_be_visible()
    await snap(page, "32-api-keys")
    await page.get_by_role("link", name="Invitations").click()
    await page.get_by_label("Email").fill("new.author@example.com")
    await page.get_by_label("Role").select_option("author")
    await page.get_by_role("button", name="Invite").click()
    await expect(page.locator("#invitation-link")).to_contain_text("/invite#")
    await snap(page, "33-invitations")


async def test_an_admin_registers_a_webhook_and_pings_it(page: Page, server: Server) -> None:
    await sign_in(page, server, "admin")
    await page.get_by_role("link", name="Admin").click()
    await page.get_by_role("link", name="Webhooks").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    # A name that never resolves: the delivery is tried, fails and says why.
    await page.get_by_label("URL that receives the events").fill(
        "https://receiver.example.invalid/studyhall"
    )
    await page.get_by_label("What it is for").fill("Our CRM")
    await page.get_by_label("member.added").check()
    await page.get_by_label("webhook.ping").check()
    await page.get_by_role("button", name="Register endpoint").click()
    await expect(page.locator("#webhook-secret")).to_contain_text("whsec_")
    await snap(page, "34-webhooks")

    await page.get_by_role("link", name="Send it a test ping").click()
    await page.get_by_role("button", name="Send a test ping").click()
    await expect(page.get_by_role("status")).to_contain_text("Test ping queued")
    delivery = page.locator("#deliveries tbody tr").first
    await expect(delivery).to_contain_text("webhook.ping")
    await snap(page, "35-webhook")
    await delivery.get_by_role("link").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("webhook.ping")
    await expect(page.locator(".payload")).to_contain_text('"type": "webhook.ping"')
    await snap(page, "36-webhook-delivery")


async def test_a_founder_creates_an_organisation(page: Page, server: Server) -> None:
    email = f"founder-{uuid.uuid4().hex[:8]}@example.com"
    async with httpx.AsyncClient(base_url=server.url) as api:
        made = await api.post(
            "/api/v1/auth/register",
            json={"email": email, "password": PASSWORD, "display_name": "Fran Founder"},
        )
    assert made.status_code == 202, made.text
    await page.goto("/sign-in")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_label("Name", exact=True).fill("Evening Classes")
    await page.get_by_label("Short name in addresses").fill(f"evening-{uuid.uuid4().hex[:6]}")
    await page.get_by_role("button", name="Create organisation").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Evening Classes")
    await expect(page.get_by_role("link", name="Create the first track")).to_be_visible()
    await snap(page, "37-new-organisation")
