"""Formulas between QTI's MathML and our text, where a formula is LaTeX between `\\(` `\\)`
(inline) or `\\[` `\\]` (display), which the web app renders with KaTeX.

In: the TeX annotation a MathML formula carries (`<annotation encoding="application/x-tex">`,
as most editors write it) is the formula; without one, the MathML is converted to LaTeX by
mathml-to-latex (a port of the npm library of the same name, by its author). A formula that
gives no LaTeX refuses its item: a silently wrong formula is worse than none.

Out: each formula becomes MathML (latex2mathml) with the LaTeX as its TeX annotation, so our
reader gets the author's exact LaTeX back and other players show MathML. LaTeX that does not
convert to well-formed MathML is written as its source text in `<mtext>`, annotation kept.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as SafeET
from latex2mathml.converter import convert as latex_to_mathml
from mathml_to_latex.converter import MathMLToLaTeX

from studyhall.interchange.xmlsafe import Element, local

MATHML = "http://www.w3.org/1998/Math/MathML"
TEX_ENCODINGS = {"application/x-tex", "application/x-latex", "text/x-tex", "tex", "latex"}
# A formula in our text: \( ... \) or \[ ... \], on one line.
FORMULA = re.compile(r"\\\((?P<inline>.+?)\\\)|\\\[(?P<display>.+?)\\\]")


class MathRefused(Exception):
    """A MathML formula we cannot turn into LaTeX."""


def to_latex(math: Element) -> str:
    """A MathML `<math>` element as `\\(latex\\)`, or `\\[latex\\]` when shown as a block."""
    latex = ""
    for element in math.iter():
        if local(element.tag) == "annotation":
            encoding = (element.get("encoding") or "").strip().lower()
            if encoding in TEX_ENCODINGS and (element.text or "").strip():
                latex = element.text or ""
                break
    if not latex:
        try:
            latex = MathMLToLaTeX().convert(_markup(math, tail=False)).strip()
        except Exception:  # any failure of the converter is a refusal
            latex = ""
    if not latex:
        raise MathRefused(
            "a formula (MathML) could not be converted to LaTeX, and it has no TeX "
            'annotation; add one (<annotation encoding="application/x-tex">) or write it '
            "as LaTeX"
        )
    block = math.get("display") == "block" or math.get("mode") == "display"
    # Display math stands in its own paragraph, where Markdown reads it as a formula block.
    return f"\n\n\\[{latex}\\]\n\n" if block else f"\\({latex}\\)"


def _markup(element: Element, *, tail: bool = True) -> str:
    """The MathML again as text, without namespaces (the converter reads plain names) and
    without annotations."""
    name = local(element.tag)
    after = escape(element.tail or "") if tail else ""
    if name in ("annotation", "annotation-xml"):
        return after
    attributes = "".join(f" {local(k)}={quoteattr(v)}" for k, v in element.attrib.items())
    inner = escape(element.text or "") + "".join(_markup(child) for child in element)
    return f"<{name}{attributes}>{inner}</{name}>{after}"


def mathml(latex: str, *, block: bool) -> str:
    """One formula as MathML, its LaTeX kept as the TeX annotation."""
    annotation = f'<annotation encoding="application/x-tex">{escape(latex)}</annotation>'
    display = "block" if block else "inline"
    try:
        converted = latex_to_mathml(latex, display=display)
        SafeET.fromstring(converted)  # the converter can emit a bare `&`
        inner = converted[converted.index(">") + 1 : converted.rindex("</math>")]
    except Exception:  # any failure keeps the source, never a wrong formula
        inner = f"<mtext>{escape(latex)}</mtext>"
    return (
        f'<math xmlns="{MATHML}" display="{display}"><semantics>{inner}{annotation}'
        "</semantics></math>"
    )


def rich(text: str) -> str:
    """Text for an XML body: escaped, with each formula as MathML."""
    out: list[str] = []
    last = 0
    for found in FORMULA.finditer(text):
        out.append(escape(text[last : found.start()]))
        block = found.group("display") is not None
        out.append(mathml(found.group("display") if block else found.group("inline"), block=block))
        last = found.end()
    out.append(escape(text[last:]))
    return "".join(out)
