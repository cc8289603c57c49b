"""Exported QTI 3.0 items played in a real QTI player from npm (@citolab/qti-components, a
test-only dev dependency) in Chromium: the right answer scores 1, a wrong one 0, and the
explanation's feedback outcome is set, for every question type we export."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page

from studyhall.interchange import qti_write

PLAYER = Path(__file__).parents[3] / "node_modules/@citolab/qti-components/cdn/index.global.js"

CASES: list[tuple[dict[str, Any], Any, Any]] = [
    (
        {"type": "single_choice", "options": [
            {"id": "a", "text": "Paris", "correct": True},
            {"id": "1", "text": "Lyon", "correct": False}]},
        "a", "_1",
    ),
    (
        {"type": "multiple_response", "options": [
            {"id": "a", "text": "2", "correct": True}, {"id": "b", "text": "3", "correct": True},
            {"id": "c", "text": "4", "correct": False}]},
        ["a", "b"], ["a", "c"],
    ),
    ({"type": "true_false", "correct_answer": False}, "false", "true"),
    ({"type": "numeric", "value": 9.81, "tolerance": 0.05}, "9.8", "10.5"),
    ({"type": "numeric", "min": 1, "max": 5}, "4.5", "6"),
    ({"type": "short_text", "accepted_answers": [{"text": "Paris"}, {"text": "Lutetia"}]},
     "Lutetia", "Rome"),
    (
        {"type": "ordering", "items": [{"id": "x", "text": "first"}, {"id": "y", "text": "then"}]},
        ["x", "y"], ["y", "x"],
    ),
    (
        {"type": "matching",
         "premises": [{"id": "cat", "text": "Cat"}, {"id": "dog", "text": "Dog"}],
         "responses": [{"id": "animal", "text": "Animal"}, {"id": "plant", "text": "Plant"}],
         "pairs": {"cat": "animal", "dog": "animal"}},
        ["cat animal", "dog animal"], ["cat animal", "dog plant"],
    ),
]  # fmt: skip


@pytest.fixture
async def player(browser: Browser) -> AsyncIterator[Page]:
    assert PLAYER.exists(), "run `make install` (npm ci installs the dev dependency)"
    context = await browser.new_context()
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.set_content("<!doctype html><html><body><main id='host'></main></body></html>")
    await page.add_script_tag(path=str(PLAYER))
    yield page
    await context.close()
    assert not errors, errors


def _as_html(xml: str) -> str:
    """The item as HTML custom elements: HTML does not close `<x/>`, so close each."""
    return re.sub(r"<([\w-]+)([^<>]*?)\s*/>", r"<\1\2></\1>", xml.split("?>", 1)[1])


async def _play(page: Page, xml: str, response: Any) -> dict[str, Any]:
    result: dict[str, Any] = await page.evaluate(
        """async ([html, response]) => {
          const host = document.getElementById('host');
          host.innerHTML = html;
          await customElements.whenDefined('qti-assessment-item');
          const item = host.querySelector('qti-assessment-item');
          await item.updateComplete;
          item.updateResponseVariable('RESPONSE', response);
          item.processResponse();
          return {score: item.getOutcome('SCORE')?.value,
                  feedback: item.getOutcome('FEEDBACK')?.value};
        }""",
        [_as_html(xml), response],
    )
    return result


@pytest.mark.parametrize(("body", "right", "wrong"), CASES)
async def test_an_exported_item_scores_in_a_qti_player(
    player: Page, body: dict[str, Any], right: Any, wrong: Any
) -> None:
    content = {"stem": "Answer", "body": body, "explanation": "Because.", "tags": []}
    xml = qti_write.render_item("q1", content)
    assert await _play(player, xml, right) == {"score": "1", "feedback": "explanation"}
    assert (await _play(player, xml, wrong))["score"] in ("0", 0, None)
