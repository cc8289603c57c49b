"""MathML in QTI: kept as LaTeX (from its TeX annotation, else converted), never flattened into
text with its annotation appended; exported back as MathML with the TeX annotation."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyhall.bank.render import render_markdown
from studyhall.interchange import qti, qti_write
from studyhall.interchange.items import Parsed, Rejected, Where
from tests.interchange.test_qti_import import CHOICES, item21

M = "http://www.w3.org/1998/Math/MathML"

# The shape of the 1EdTech MathML samples: presentation MathML with a TeX annotation.
SEC_SQUARED = f"""<math xmlns="{M}"><semantics><mrow><msup><mi>sec</mi><mn>2</mn></msup>
  <mi>&#x398;</mi></mrow>
  <annotation encoding="application/x-tex">\\sec^2{{\\theta}}</annotation></semantics></math>"""
ROOT_NO_TEX = f"""<m:math xmlns:m="{M}" display="block"><m:msqrt><m:mi>x</m:mi><m:mo>+</m:mo>
  <m:mn>1</m:mn></m:msqrt><m:mo>=</m:mo><m:mfrac><m:mn>1</m:mn><m:mn>2</m:mn></m:mfrac></m:math>"""


def test_mathml_with_a_tex_annotation_becomes_that_latex() -> None:
    found = qti.parse_item(item21(f"<p>Simplify {SEC_SQUARED} now.</p>{CHOICES}"), Where("m.xml"))
    assert isinstance(found, Parsed)
    assert found.stem == "Simplify \\(\\sec^2{\\theta}\\) now."


def test_mathml_without_annotation_is_converted_not_flattened() -> None:
    found = qti.parse_item(item21(f"<p>Solve</p>{ROOT_NO_TEX}{CHOICES}"), Where("m.xml"))
    assert isinstance(found, Parsed)
    assert found.stem == "Solve\n\n\\[\\sqrt{x + 1} = \\frac{1}{2}\\]"


def test_math_in_options_and_feedback_is_kept() -> None:
    choices = (
        "<choiceInteraction responseIdentifier='RESPONSE' maxChoices='1'>"
        f"<simpleChoice identifier='A'>{SEC_SQUARED}</simpleChoice>"
        "<simpleChoice identifier='B'>1</simpleChoice></choiceInteraction>"
    )
    found = qti.parse_item(item21(f"<p>Pick</p>{choices}"), Where("m.xml"))
    assert isinstance(found, Parsed)
    assert found.body["options"][0]["text"] == "\\(\\sec^2{\\theta}\\)"


def test_mathml_that_cannot_be_converted_is_refused_with_a_reason() -> None:
    broken = f"<math xmlns='{M}'><mglyph src='x.png' alt='?'/></math>"
    found = qti.parse_item(item21(f"<p>What is {broken}?</p>{CHOICES}"), Where("m.xml"))
    assert isinstance(found, Rejected)
    assert "formula" in found.reason
    assert "LaTeX" in found.reason


@pytest.mark.parametrize("latex", ["\\sqrt{x}", "\\frac{a}{b} < c", "x_1^2"])
def test_latex_is_exported_as_mathml_with_its_annotation_and_read_back(latex: str) -> None:
    content = {
        "stem": f"A & B: simplify \\({latex}\\) please.\n\n\\[{latex}\\]",
        "body": {"type": "true_false", "correct_answer": True},
        "explanation": f"Since \\({latex}\\).",
        "tags": [],
    }
    xml = qti_write.render_item("q1", content)
    assert f'<math xmlns="{M}"' in xml
    assert 'display="block"' in xml
    assert "\\(" not in xml
    back = qti.parse_item(xml.encode(), Where("q1.xml"))
    assert isinstance(back, Parsed)
    assert back.stem == content["stem"]
    assert back.explanation == content["explanation"]


LATEX = st.text(alphabet="abcxyz0123+-=<>&^_{}()[] \\", min_size=1, max_size=12).filter(
    lambda s: s.strip() and "\\)" not in s and "\\]" not in s and not s.endswith("\\")
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Say", "then", "&"]), LATEX, st.booleans()),
                min_size=1, max_size=3))  # fmt: skip
def test_any_formula_survives_export_and_import(parts: list[tuple[str, str, bool]]) -> None:
    stem = " ".join(f"{word} " + (f"\\[{f}\\]" if block else f"\\({f}\\)")
                    for word, f, block in parts)  # fmt: skip
    content = {"stem": stem, "body": {"type": "true_false", "correct_answer": True},
               "explanation": "x", "tags": []}  # fmt: skip
    back = qti.parse_item(qti_write.render_item("q1", content).encode(), Where("q1.xml"))
    assert isinstance(back, Parsed)
    assert back.stem == _as_read(stem)


def _as_read(text: str) -> str:
    """Runs of spaces are one (as HTML shows text; in math mode spaces mean nothing), and a
    display formula stands in its own paragraph."""
    text = re.sub(r"\s*(\\\[.+?\\\])\s*", r"\n\n\1\n\n", text)
    text = re.sub(r" +", " ", text)
    return re.sub(r" *\n *", "\n", text).strip()


# --- shown as math --------------------------------------------------------------------------


def test_formulas_reach_the_page_marked_for_katex_untouched_by_markdown() -> None:
    html = render_markdown("Root: \\(\\sqrt{x_1 * y_2}\\) and a_b_c\n\n\\[a < b\\]", "acme")
    assert '<span class="math-inline">\\sqrt{x_1 * y_2}</span>' in html
    assert '<span class="math-display">a &lt; b</span>' in html
    # The sanitiser is still the barrier: no other span class, no script inside a formula.
    evil = render_markdown('<span class="x" onclick="y">a</span> \\(<script>1</script>\\)', "acme")
    assert "onclick" not in evil
    assert 'class="x"' not in evil
    assert "<script" not in evil


def test_imported_display_math_sits_in_its_own_paragraph() -> None:
    inline_block = f"<math xmlns='{M}' display='block'><mi>x</mi></math>"
    found = qti.parse_item(item21(f"<p>So {inline_block} holds.</p>{CHOICES}"), Where("m.xml"))
    assert isinstance(found, Parsed)
    assert found.stem == "So\n\n\\[x\\]\n\nholds."
    assert '<span class="math-display">x</span>' in render_markdown(found.stem, "acme")
