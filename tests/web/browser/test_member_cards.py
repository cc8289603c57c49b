"""A member card on a phone breaks a long email address between its parts, never mid-word."""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Page

from tests.factories import PASSWORD
from tests.web.browser.conftest import PHONE, Server
from tests.web.browser.test_author_journey import sign_in

# Where each line of an element's text starts, by character index.
LINE_STARTS = """(element) => {
  const text = element.textContent;
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const starts = [];
  let index = 0, top = null;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++, index++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      if (top !== null && box.top > top + 2) starts.push(index);
      top = box.top;
    }
  }
  return {text, starts};
}"""


async def test_a_long_email_breaks_between_its_parts(page: Page, server: Server) -> None:
    email = f"firstname.lastname-{uuid.uuid4().hex[:6]}@department.university-example.org"
    async with httpx.AsyncClient(base_url=server.url) as api:
        made = await api.post("/api/v1/auth/register", json={
            "email": email, "password": PASSWORD, "display_name": "Long Address"})  # fmt: skip
        assert made.status_code == 202, made.text  # sign-up's one answer
        invited = await api.post(
            "/api/v1/orgs/demo/invitations", json={"email": email, "role": "learner"},
            headers=await server.login("admin"),
        )  # fmt: skip
        login = await api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        accepted = await api.post(
            "/api/v1/invitations/accept", json={"token": invited.json()["token"]},
            headers={"Authorization": f"Bearer {login.json()['token']}"},
        )  # fmt: skip
        assert accepted.status_code in (200, 201), accepted.text
    await sign_in(page, server, "admin")
    await page.set_viewport_size(PHONE)
    await page.goto("/o/demo/admin/members")
    cell = page.locator(f'tr[data-email="{email}"] td[data-label="Email"]')
    found = await cell.evaluate(LINE_STARTS)
    text, starts = found["text"], found["starts"]
    assert text == email
    assert starts, "the address fits on one line: make it longer for this test"
    for start in starts:
        assert text[start] == "@" or text[start - 1] == ".", (text[:start], text[start:])
