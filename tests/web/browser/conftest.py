"""Browser tests: a real Studyhall server (uvicorn, SQLite in a temporary data directory,
the demo content) driven by Debian's Chromium through Playwright.

Playwright's own browser builds cannot be downloaded here, so the system Chromium is used
(`.ci/run` installs it). Screenshots of every page, at phone and desktop width, go to
test-artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parents[3] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
DEMO_LINE = re.compile(r"^\s+(\S+@demo\.example\.org)\s+(\S+)\s*$")


@dataclass
class Server:
    url: str
    passwords: dict[str, str]  # demo email -> password
    env: dict[str, str]  # the server's settings, for running the command line against it

    async def login(self, role: str) -> dict[str, str]:
        """Bearer headers of a demo account, for setting things up through the API."""
        email = f"{role}@demo.example.org"
        async with httpx.AsyncClient(base_url=self.url) as api:
            response = await api.post(
                "/api/v1/auth/login",
                json={"email": email, "password": self.passwords[email]},
            )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("browser-data")
    port = _free_port()
    env = {
        **os.environ,
        "STUDYHALL_DATA_DIR": str(data),
        "STUDYHALL_DATABASE_URL": "",
        "STUDYHALL_ARGON2_TIME_COST": "1",
        "STUDYHALL_ARGON2_MEMORY_KIB": "256",
        "STUDYHALL_ARGON2_PARALLELISM": "1",
        "STUDYHALL_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "studyhall", "serve", "--demo", "--port", str(port)]
    process = subprocess.Popen(  # noqa: S603 (our own server)
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    passwords: dict[str, str] = {}
    assert process.stdout is not None
    for line in process.stdout:
        if match := DEMO_LINE.match(line):
            passwords[match.group(1)] = match.group(2)
        if "Studyhall" in line and "http://" in line:
            break
    # Keep reading what the server prints, so a full pipe never blocks it.
    threading.Thread(target=lambda: [None for _ in process.stdout or ()], daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded CI machine starts slowly
    while True:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        assert process.poll() is None, "the server exited"
        time.sleep(0.1)
    try:
        yield Server(url, passwords, env)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    assert os.access(CHROMIUM, os.X_OK), "install Debian's chromium (apt-get install chromium)"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Browser, server: Server) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=server.url, viewport=DESKTOP)
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    # Expected failed loads: a form the server answers with its messages (422), and saves
    # tried while a test has the browser offline.
    expected = ("status of 422", "ERR_INTERNET_DISCONNECTED")
    opened.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not any(e in message.text for e in expected)
            else None
        ),
    )
    # Which requests failed, so that a console line like "status of 409" can be traced.
    refused: list[str] = []
    opened.on(
        "response",
        lambda r: (
            refused.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 400 else None
        ),
    )
    yield opened
    await context.close()
    # A CSP violation or a script error is a bug, even when the page looked right.
    assert not errors, (errors, refused)


async def snap(page: Page, name: str) -> None:
    """Screenshots of the page as it is, at phone and at desktop width, in the light theme
    and in the dark one (the system's preference, which the default theme follows)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or DESKTOP
    hidden: list[str] = []
    for scheme, suffix in (("light", ""), ("dark", "-dark")):
        await page.emulate_media(color_scheme=scheme)
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            await page.set_viewport_size(viewport)
            await page.screenshot(path=SCREENSHOTS / f"{name}-{label}{suffix}.png", full_page=True)
            if not suffix:
                hidden += [f"{label}: {what}" for what in await page.evaluate(OVERFLOW)]
    await page.emulate_media(color_scheme="light")
    await page.set_viewport_size(size)
    # Nothing may be pushed off the side: not the page, and not a table's columns (a table
    # that scrolls sideways hides its last columns, often the actions, on a phone).
    assert not hidden, (name, hidden)


# What sticks out sideways: the page itself, or a table wider than the box it scrolls in.
OVERFLOW = """() => {
  const found = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) found.push(`page ${root.scrollWidth}px wide`);
  document.querySelectorAll(".table-wrap").forEach((box) => {
    if (box.scrollWidth > box.clientWidth + 1) {
      const table = box.querySelector("table");
      const name = table && table.id ? "#" + table.id : "";
      found.push(`table ${name} ${box.scrollWidth}px in ${box.clientWidth}px`);
    }
  });
  return found;
}"""


async def stop_the_page_clock(page: Page) -> None:
    """Stop the page's clock (after `page.clock.install()`): from now on its time moves only
    when the test moves it (run_for, fast_forward), so what a countdown shows does not depend
    on how quickly a loaded machine gets from one step of the test to the next. It stops a few
    seconds ahead of now, since a time in the past is refused and the page's time runs on
    while this call travels; call it before the exam screen opens, where nothing counts yet."""
    await page.clock.pause_at(time.time() + 5)


async def start_custom_sql_attempt(page: Page, count: int, minutes: int | None = None) -> None:
    """From the signed-in learner's dashboard: a custom attempt on the demo SQL track."""
    sql = page.locator("article", has_text="Relational SQL Foundations")
    await sql.get_by_role("link", name="Start an attempt").click()
    await page.get_by_role("radio", name=re.compile("^Custom")).check()
    await page.locator("#count").fill(str(count))
    if minutes is not None:
        await page.locator("#time_limit_minutes").fill(str(minutes))
    await page.get_by_role("button", name="Start").click()
    await exam_screen_ready(page)


async def exam_screen_ready(page: Page) -> None:
    """The exam screen's script has run (it puts the question shown in the address): keys
    pressed before it listens would be lost."""
    await expect(page).to_have_url(re.compile(r"#q\d+$"))
