"""Taking a notice's text out of its PDF, and every PDF we refuse with the reason."""

from __future__ import annotations

import pytest

from studyhall.exams.syllabus_pdf import SCANNED, UnreadablePdf, pdf_text
from studyhall.exams.syllabus_text import propose
from tests.exams.syllabus_pdfs import protected_pdf, scanned_pdf, text_pdf, two_columns_pdf

PORTUGUESE = (
    "LÍNGUA PORTUGUESA: 1 Compreensão e interpretação de textos de gêneros variados. "
    "2 Reconhecimento de tipos e gêneros textuais. 3 Domínio da ortografia oficial; "
    "acentuação gráfica; crase. 4 Coesão: emprego de conectores, pronomes e conjunções."
)


def test_accents_and_wrapped_lines_come_through_exactly() -> None:
    data = text_pdf([["CONHECIMENTOS BÁSICOS", PORTUGUESE]])
    proposal = propose(pdf_text(data, max_pages=10).text)
    (basic,) = proposal.topics
    (portuguese,) = basic.children
    assert portuguese.name == "LÍNGUA PORTUGUESA"
    assert [t.name for t in portuguese.children] == [
        "Compreensão e interpretação de textos de gêneros variados",
        "Reconhecimento de tipos e gêneros textuais",
        "Domínio da ortografia oficial; acentuação gráfica; crase",
        "Coesão: emprego de conectores, pronomes e conjunções",
    ]


def test_a_word_hyphenated_at_the_margin_is_joined() -> None:
    data = text_pdf([["NOÇÕES DE DIREITO ADMINISTRATIVO: 1 Administração pública: princí-\n"
                      "pios e organização. 2 Atos administrativos."]])  # fmt: skip
    proposal = propose(pdf_text(data, max_pages=10).text)
    assert [t.name for t in proposal.topics[0].children] == [
        "Administração pública: princípios e organização",
        "Atos administrativos",
    ]


def test_two_columns_are_read_one_after_the_other() -> None:
    data = two_columns_pdf(
        "ÉTICA: 1 Ética no serviço público. 2 Código de Ética Profissional do Servidor.",
        "ARQUIVOLOGIA: 1 Gestão de documentos. 2 Protocolo: recebimento e expedição.",
    )
    proposal = propose(pdf_text(data, max_pages=10).text)
    assert [(t.name, [c.name for c in t.children]) for t in proposal.topics] == [
        ("ÉTICA", ["Ética no serviço público", "Código de Ética Profissional do Servidor"]),
        ("ARQUIVOLOGIA", ["Gestão de documentos", "Protocolo: recebimento e expedição"]),
    ]


def test_a_running_header_and_page_footer_are_left_out_and_said() -> None:
    pages = [["DIREITO CIVIL", "1 Pessoas naturais.", "2 Bens."], ["3 Fatos jurídicos."],
             ["4 Prescrição e decadência."]]  # fmt: skip
    extracted = pdf_text(text_pdf(pages, header="EDITAL Nº 1/2026 – TRIBUNAL"), max_pages=10)
    assert "EDITAL" not in extracted.text
    assert "Página" not in extracted.text
    assert extracted.furniture == ("EDITAL Nº 1/2026 – TRIBUNAL", "Página 1 de 3")
    (civil,) = propose(extracted.text).topics
    assert [t.name for t in civil.children] == [
        "Pessoas naturais", "Bens", "Fatos jurídicos", "Prescrição e decadência",
    ]  # fmt: skip


def test_a_scan_has_no_text_and_is_told_to_paste_instead() -> None:
    with pytest.raises(UnreadablePdf, match="no text") as refused:
        pdf_text(scanned_pdf(), max_pages=10)
    assert str(refused.value) == SCANNED


def test_a_password_protected_pdf_is_refused_with_the_reason() -> None:
    with pytest.raises(UnreadablePdf, match="protected by a password"):
        pdf_text(protected_pdf(user_password="reader-secret"), max_pages=10)


def test_a_pdf_protected_only_against_editing_opens() -> None:
    extracted = pdf_text(protected_pdf(user_password=""), max_pages=10)
    assert "Aplicação da lei penal" in extracted.text


def test_a_pdf_cut_short_is_refused() -> None:
    data = text_pdf([["DIREITO CIVIL", "1 Pessoas naturais."]] * 3)
    with pytest.raises(UnreadablePdf, match=r"cut short|damaged"):
        pdf_text(data[: len(data) // 2], max_pages=10)


def _damaged() -> list[bytes]:
    data = text_pdf([["DIREITO CIVIL"]])
    stream = data.index(b"stream") + 10
    return [
        data[:stream] + bytes(200) + data[stream + 200 :],  # a page's content wiped
        data[: data.index(b"xref")] + b"garbage\n%%EOF",  # no table of objects
        b"%PDF-1.4\n" + b"\x00garbage" * 100 + b"\n%%EOF",  # a header and nothing else
    ]


@pytest.mark.parametrize("data", _damaged(), ids=["wiped-stream", "no-xref", "only-header"])
def test_a_damaged_pdf_is_refused(data: bytes) -> None:
    with pytest.raises(UnreadablePdf, match="damaged and cannot be read"):
        pdf_text(data, max_pages=10)


@pytest.mark.parametrize("data", [b"", b"hello, this is text", b"\x89PNG\r\n\x1a\n" + b"0" * 64])
def test_what_is_not_a_pdf_is_refused(data: bytes) -> None:
    with pytest.raises(UnreadablePdf, match="not a PDF"):
        pdf_text(data, max_pages=10)


def test_more_pages_than_allowed_are_refused_before_reading() -> None:
    data = text_pdf([["Tópico"]] * 4)
    with pytest.raises(UnreadablePdf, match="4 pages; at most 3"):
        pdf_text(data, max_pages=3)
