"""An author pastes an exam notice's syllabus, reads the proposed tree and its warnings,
corrects a name in the preview, previews again, applies it, and finds the topics on the
track's syllabus page."""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Page, expect

from tests.web.browser.conftest import Server, snap
from tests.web.browser.test_author_journey import sign_in

NOTICE = """\
ANEXO II – CONTEÚDO PROGRAMÁTICO
CONHECIMENTOS BÁSICOS
LÍNGUA PORTUGUESA (20 questões): 1 Compreensão e interpretação de textos. 2 Ortografia
oficial. 3 Acentuação gráfica. 4 Emprego do sinal indicativo de crase.
NOÇÕES DE INFORMÁTICA (10 questões): 1 Conceitos de Internet e intranet. 2 Correio ele-
trônico. 3 Edição de textos e planilhas.
Página 7
"""


async def test_author_pastes_a_notice_previews_corrects_and_applies_it(
    page: Page, server: Server
) -> None:
    slug = f"notice-{uuid.uuid4().hex[:6]}"
    owner = await server.login("owner")
    async with httpx.AsyncClient(base_url=server.url) as api:
        made = await api.post(
            "/api/v1/orgs/demo/tracks",
            json={"slug": slug, "name": f"Técnico judiciário {slug}", "exam_length": 10,
                  "time_limit_minutes": 60, "passing_score": 60,
                  "topics": [{"name": "To be replaced", "weight": 100}]},
            headers=owner,
        )  # fmt: skip
    assert made.status_code == 201, made.text
    track_id = made.json()["id"]

    await sign_in(page, server, "author")
    await page.goto(f"/o/demo/tracks/{track_id}/edit")
    await page.get_by_role("link", name="Read the syllabus from the exam notice").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Syllabus from the exam notice"
    )
    await page.get_by_label("The syllabus text").fill(NOTICE)
    await snap(page, "70-syllabus-paste")
    await page.get_by_role("button", name="Read the notice").click()

    preview = page.locator("#preview")
    await expect(preview).to_contain_text("Proposed topics")
    await expect(page.locator("#proposed-tree")).to_contain_text("LÍNGUA PORTUGUESA")
    await expect(page.locator("#proposed-tree")).to_contain_text("66.67% · 20 questions")
    await expect(page.locator("#proposed-tree")).to_contain_text("Correio eletrônico")
    await expect(page.locator("#warnings")).to_contain_text("a page number: left out")
    await expect(page.locator("#warnings")).to_contain_text("a title of the notice: left out")
    await expect(page.locator("#changes")).to_contain_text("1 current topics removed")
    await snap(page, "71-syllabus-preview")

    tree = page.get_by_label("Correct it here")
    corrected = (await tree.input_value()).replace("NOÇÕES DE INFORMÁTICA", "Informática")
    await tree.fill(corrected)
    await page.get_by_role("button", name="Preview again").click()
    await expect(page.locator("#proposed-tree")).to_contain_text("Informática")
    await expect(page.locator("#proposed-tree")).not_to_contain_text("NOÇÕES")

    await page.get_by_role("button", name="Apply to the syllabus").click()
    await expect(page.get_by_role("status")).to_contain_text(
        "The syllabus from the notice is applied"
    )
    topics = await page.locator("#topics").input_value()
    assert topics.splitlines()[:3] == [
        "CONHECIMENTOS BÁSICOS | 100",
        "  LÍNGUA PORTUGUESA | 66.67",
        "    Compreensão e interpretação de textos | 25",
    ]
    assert "  Informática | 33.33" in topics
    assert "    Correio eletrônico | 33.3333" in topics
    assert "To be replaced" not in topics
    await snap(page, "72-syllabus-applied")
