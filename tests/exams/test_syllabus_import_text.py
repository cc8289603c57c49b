"""Reading a notice's syllabus text into a proposed topic tree (the pure parser)."""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyhall.exams.syllabus_text import MAX_NAME, ProposedTopic, clean, propose, walk

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Modeled on the shape of Brazilian notices (Cebraspe's numbered inline lists, a PDF's
# wrapped lines with a word hyphenated at the margin, a page number, the annex's title).
CEBRASPE = """\
ANEXO II – CONTEÚDO PROGRAMÁTICO
CONHECIMENTOS BÁSICOS
LÍNGUA PORTUGUESA: 1 Compreensão e interpretação de textos de gêneros variados. 2
Reconhecimento de tipos e gêneros textuais. 3 Domínio da ortografia oficial. 4 Domínio
dos mecanismos de coesão textual. 4.1 Emprego de elementos de referenciação. 4.2 Em-
prego de tempos e modos verbais. 5 Domínio da estrutura morfossintática do período.
NOÇÕES DE DIREITO CONSTITUCIONAL: 1 Constituição da República Federativa do Brasil de
1988. 1.1 Princípios fundamentais. 2 Direitos e garantias fundamentais. 2.1 Direitos e
deveres individuais e coletivos; direitos sociais; nacionalidade.
12
CONHECIMENTOS ESPECÍFICOS
ARQUIVOLOGIA: 1 Conceitos fundamentais de arquivologia. 2 Gestão de documentos. 2.1
Protocolos: recebimento, registro, distribuição e expedição de documentos.
"""

# A table of questions first, then subjects as labels with sentence lists, letters and roman
# numerals (the shape of FCC's and Vunesp's notices).
WITH_COUNTS = """\
QUADRO DE PROVAS
Língua Portuguesa — 20 questões
Raciocínio Lógico-Matemático ........ 10
Noções de Informática (10 questões)
Direito Administrativo: 20 questões

Língua Portuguesa: Ortografia oficial. Acentuação gráfica. Pronomes: emprego e colocação; crase.
Raciocínio Lógico-Matemático: Estruturas lógicas. Lógica de argumentação; diagramas lógicos.
NOÇÕES DE INFORMÁTICA
a) Conceitos de Internet e intranet.
b) Correio eletrônico.
DIREITO ADMINISTRATIVO
I – Princípios da administração pública.
II – Atos administrativos.
a) conceito, requisitos e atributos;
b) anulação e revogação.
III – Licitações (Lei nº 14.133/2021).
Página 3 de 10
"""

ENGLISH = """\
PART A - GENERAL KNOWLEDGE (30 questions)
1. Reading comprehension
1.1 Main idea and supporting details
1.2 Inference
2. Grammar and usage
PART B - QUANTITATIVE REASONING (20 questions)
1. Arithmetic
2. Algebra
2.1 Linear equations
"""


def shape(topics: tuple[ProposedTopic, ...]) -> list[tuple[str, list]]:  # type: ignore[type-arg]
    return [(t.name, shape(t.children)) for t in topics]


def names(topics: tuple[ProposedTopic, ...]) -> list[str]:
    return [t.name for t in walk(topics)]


def test_a_cebraspe_notice_becomes_groups_subjects_and_numbered_topics() -> None:
    proposal = propose(CEBRASPE)
    basic, specific = proposal.topics
    assert basic.name == "CONHECIMENTOS BÁSICOS"
    portuguese, constitutional = basic.children
    assert portuguese.name == "LÍNGUA PORTUGUESA"
    assert [t.name for t in portuguese.children] == [
        "Compreensão e interpretação de textos de gêneros variados",
        "Reconhecimento de tipos e gêneros textuais",
        "Domínio da ortografia oficial",
        "Domínio dos mecanismos de coesão textual",
        "Domínio da estrutura morfossintática do período",
    ]
    # "Em-" at a line's end and "prego" below are one word again.
    assert [t.name for t in portuguese.children[3].children] == [
        "Emprego de elementos de referenciação",
        "Emprego de tempos e modos verbais",
    ]
    assert shape(constitutional.children) == [
        (
            "Constituição da República Federativa do Brasil de 1988",
            [("Princípios fundamentais", [])],
        ),
        (
            "Direitos e garantias fundamentais",
            [("Direitos e deveres individuais e coletivos; direitos sociais; nacionalidade", [])],
        ),
    ]
    assert specific.children[0].name == "ARQUIVOLOGIA"
    assert {(w.line, w.message) for w in proposal.warnings} == {
        (1, "a title of the notice: left out"),
        (10, "a page number: left out"),
    }
    # No counts anywhere: siblings share equally.
    assert [t.weight for t in portuguese.children] == [20.0] * 5


def test_question_counts_become_weights_and_the_table_title_is_not_a_topic() -> None:
    proposal = propose(WITH_COUNTS)
    assert [(t.name, t.questions, t.weight) for t in proposal.topics] == [
        ("Língua Portuguesa", 20, 33.3333),
        ("Raciocínio Lógico-Matemático", 10, 16.6667),
        ("NOÇÕES DE INFORMÁTICA", 10, 16.6667),
        ("DIREITO ADMINISTRATIVO", 20, 33.3333),
    ]
    portuguese, _, computing, law = proposal.topics
    assert [t.name for t in portuguese.children] == [
        "Ortografia oficial", "Acentuação gráfica", "Pronomes: emprego e colocação", "crase",
    ]  # fmt: skip
    assert [t.name for t in computing.children] == [
        "Conceitos de Internet e intranet", "Correio eletrônico",
    ]  # fmt: skip
    assert shape(law.children) == [
        ("Princípios da administração pública", []),
        (
            "Atos administrativos",
            [("conceito, requisitos e atributos", []), ("anulação e revogação", [])],
        ),
        ("Licitações (Lei nº 14.133/2021)", []),
    ]  # fmt: skip
    messages = {w.line: w.message for w in proposal.warnings}
    assert messages == {1: "a table's title: left out", 18: "a page number: left out"}


def test_an_english_notice_reads_by_its_structure() -> None:
    proposal = propose(ENGLISH)
    assert [(t.name, t.questions, t.weight) for t in proposal.topics] == [
        ("PART A - GENERAL KNOWLEDGE", 30, 60.0),
        ("PART B - QUANTITATIVE REASONING", 20, 40.0),
    ]
    assert shape(proposal.topics[1].children) == [
        ("Arithmetic", []), ("Algebra", [("Linear equations", [])]),
    ]  # fmt: skip
    assert proposal.warnings == ()


def test_a_spanish_temario_with_preguntas() -> None:
    proposal = propose(
        "Matemáticas (12 preguntas): 1 Álgebra. 2 Geometría.\nHistoria (4 preguntas)\n"
    )
    assert [(t.name, t.questions, t.weight) for t in proposal.topics] == [
        ("Matemáticas", 12, 75.0), ("Historia", 4, 25.0),
    ]  # fmt: skip
    assert [t.name for t in proposal.topics[0].children] == ["Álgebra", "Geometría"]
    assert [w.line for w in proposal.warnings] == [2]


def test_items_numbered_with_a_parenthesis_run_on_and_wrap() -> None:
    # The shape of many municipal notices: "N)" items, two on a line, one wrapped after "5)".
    text = (
        "MATEMÁTICA\n"
        "1) Conjuntos numéricos: naturais, inteiros e racionais.\n"
        "2) Equações de 1º e 2º grau. 3) Funções. 4) Progressões aritméticas. 5)\n"
        "Sistemas lineares.\n"
    )
    (math,) = propose(text).topics
    assert [t.name for t in math.children] == [
        "Conjuntos numéricos: naturais, inteiros e racionais",
        "Equações de 1º e 2º grau",
        "Funções",
        "Progressões aritméticas",
        "Sistemas lineares",
    ]


def test_one_topic() -> None:
    proposal = propose("Direito Penal")
    assert [(t.name, t.weight, t.lines) for t in proposal.topics] == [
        ("Direito Penal", 100.0, (1,))
    ]


def test_empty_text_proposes_nothing() -> None:
    assert propose(" \n\t\n").topics == ()


def test_a_name_too_long_for_a_topic_is_cut_at_a_word_and_said() -> None:
    long_name = "Lei de " + "licitações e contratos administrativos " * 8
    proposal = propose(f"DIREITO\n1 {long_name}")
    (topic,) = proposal.topics[0].children
    assert len(topic.name) <= MAX_NAME
    assert topic.name.endswith("…")
    assert [w.line for w in proposal.warnings] == [2]


def test_two_thousand_topics_in_bounded_time() -> None:
    subjects = []
    for s in range(20):
        items = " ".join(f"{i} Tópico número {s}-{i} de revisão." for i in range(1, 100))
        subjects.append(f"MATÉRIA {s}: {items}")
    text = "\n".join(subjects)
    started = time.perf_counter()
    proposal = propose(text)
    elapsed = time.perf_counter() - started
    assert proposal.count() == 20 * 100
    assert elapsed < 2.0, elapsed


def test_past_the_limit_topics_are_warned_about_not_dropped_silently() -> None:
    text = "\n".join(f"Tópico {n}" for n in range(2100))
    proposal = propose(text)
    assert proposal.count() == 2000
    assert sum("past 2000 topics" in w.message for w in proposal.warnings) == 100


# ---- properties ------------------------------------------------------------------------------

LOWER = "abcdefghijklmnoprstuvzáàâãéêíóôõúçñü"
word = st.text(LOWER, min_size=3, max_size=9)


@st.composite
def topic_names(draw: st.DrawFn) -> str:
    words = draw(st.lists(word, min_size=1, max_size=4))
    name = " ".join(words)
    name = name[0].upper() + name[1:]
    # Given decomposed as often as composed: the reader must compose it back.
    return unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), name)


@dataclass
class Outline:
    name: str
    children: list[Outline] = field(default_factory=list)


@st.composite
def outlines(draw: st.DrawFn, depth: int = 0) -> list[Outline]:
    count = draw(st.integers(1 if depth == 0 else 0, 4 if depth < 2 else 0))
    return [Outline(draw(topic_names()), draw(outlines(depth + 1))) for _ in range(count)]


def numbered(nodes: list[Outline], prefix: str = "") -> list[tuple[str, str]]:
    out = []
    for index, node in enumerate(nodes, start=1):
        number = f"{prefix}{index}"
        out.append((number, node.name))
        out += numbered(node.children, number + ".")
    return out


def expected(nodes: list[Outline]) -> list[tuple[str, list]]:  # type: ignore[type-arg]
    return [(unicodedata.normalize("NFC", n.name), expected(n.children)) for n in nodes]


@SETTINGS
@given(outlines(), st.sampled_from(["lines", "inline"]), topic_names())
def test_decimal_numbering_nests_and_accents_come_through(
    outline: list[Outline], layout: str, subject: str
) -> None:
    items = numbered(outline)
    if layout == "lines":
        text = subject.upper() + "\n" + "\n".join(f"{n} {name}" for n, name in items)
    else:
        text = subject + ": " + " ".join(f"{n} {name}." for n, name in items)
    proposal = propose(text)
    assert len(proposal.topics) == 1
    assert proposal.topics[0].name == unicodedata.normalize(
        "NFC", subject.upper() if layout == "lines" else subject
    )
    assert shape(proposal.topics[0].children) == expected(outline)
    assert proposal.warnings == ()


lines_alphabet = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\r\n")
structured_line = st.one_of(
    st.text(lines_alphabet, max_size=60),
    st.builds(
        lambda n, t: f"{n} {t}",
        st.sampled_from(["1", "1.1", "2.", "I –", "a)", "•", "3)"]),
        st.text(lines_alphabet, max_size=40),
    ),
    st.builds(lambda t, n: f"{t} — {n} questões", topic_names(), st.integers(0, 999)),
    st.builds(lambda t: f"{t.upper()}:", topic_names()),
    st.builds(lambda t, r: f"{t}: {r}", topic_names(), st.text(lines_alphabet, max_size=80)),
)


@SETTINGS
@given(st.lists(structured_line, max_size=25), st.sampled_from(["\n", "\r\n", "\r"]))
def test_never_raises_and_every_line_is_in_the_tree_or_a_warning(
    lines: list[str], newline: str
) -> None:
    proposal = propose(newline.join(lines))
    accounted = {line for topic in walk(proposal.topics) for line in topic.lines}
    accounted |= {warning.line for warning in proposal.warnings}
    wanted = {number for number, line in enumerate(lines, start=1) if clean(line)}
    assert wanted <= accounted
    for topic in walk(proposal.topics):
        assert topic.name
        assert len(topic.name) <= MAX_NAME
        assert unicodedata.is_normalized("NFC", topic.name)
    for level in [proposal.topics, *(t.children for t in walk(proposal.topics))]:
        if level:
            assert abs(sum(t.weight for t in level) - 100) < 0.01
