"""QTI import of what other tools write: templates, conditional feedback, media, shared
passages, and refusals an author can act on. The items follow the shapes of the 1EdTech and
oat-sa samples, written here from scratch."""

from __future__ import annotations

import pytest

from studyhall.interchange import qti
from studyhall.interchange.items import Parsed, Rejected, Where

V21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"
V30 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
MATCH_CORRECT = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"


def item21(body: str, *, head: str = "", tail: str = "", correct: str = "A") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="{V21}" identifier="i1" title="T" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <correctResponse><value>{correct}</value></correctResponse>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  {head}
  <itemBody>{body}</itemBody>
  <responseProcessing template="{MATCH_CORRECT}"/>
  {tail}
</assessmentItem>""".encode()


CHOICES = (
    '<choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">'
    '<simpleChoice identifier="A">a</simpleChoice>'
    '<simpleChoice identifier="B">b</simpleChoice></choiceInteraction>'
)

# A calculated multiple choice in the shape of the spec's template samples: the stem and the
# options print template variables that templateProcessing draws at random.
TEMPLATE_HEAD = """
  <templateDeclaration identifier="A1" cardinality="single" baseType="integer"
    mathVariable="true" paramVariable="true"/>
  <templateDeclaration identifier="B1" cardinality="single" baseType="integer"/>
  <templateProcessing>
    <setTemplateValue identifier="A1"><randomInteger min="1" max="9"/></setTemplateValue>
    <setTemplateValue identifier="B1"><randomInteger min="1" max="9"/></setTemplateValue>
  </templateProcessing>"""


def _reason(found: Parsed | Rejected) -> str:
    assert isinstance(found, Rejected), found
    return found.reason


@pytest.mark.parametrize(
    ("head", "body"),
    [
        (TEMPLATE_HEAD, f"<p>What is <printedVariable identifier='A1'/> + 2?</p>{CHOICES}"),
        (TEMPLATE_HEAD, f"<p>What is A1 + B1?</p>{CHOICES}"),
        ("", f"<p>Sum of <printedVariable identifier='A1'/> and 2?</p>{CHOICES}"),
        ("", f"<p>Pick</p><templateBlock templateIdentifier='T' identifier='x' "
             f"showHide='show'><p>a</p></templateBlock>{CHOICES}"),
    ],
)  # fmt: skip
def test_template_items_are_refused_with_a_reason(head: str, body: str) -> None:
    reason = _reason(qti.parse_item(item21(body, head=head), Where("calc.xml")))
    assert reason.startswith("randomised template item: not supported yet")


def test_a_qti3_template_item_is_refused_too() -> None:
    xml = f"""<qti-assessment-item xmlns="{V30}" identifier="t" title="T" adaptive="false"
      time-dependent="false">
      <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="integer">
        <qti-correct-response><qti-value>4</qti-value></qti-correct-response>
      </qti-response-declaration>
      <qti-template-declaration identifier="X" cardinality="single" base-type="integer"/>
      <qti-template-processing><qti-set-template-value identifier="X">
        <qti-random-integer min="1" max="4"/></qti-set-template-value></qti-template-processing>
      <qti-item-body><p>Double <qti-printed-variable identifier="X"/>:
        <qti-text-entry-interaction response-identifier="RESPONSE"/></p></qti-item-body>
      <qti-response-processing
        template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct"/>
    </qti-assessment-item>"""
    reason = _reason(qti.parse_item(xml.encode(), Where("x.xml")))
    assert reason.startswith("randomised template item: not supported yet")


def test_template_items_in_a_package_are_refused_one_by_one() -> None:
    from tests.interchange.test_xml_formats import zipped

    manifest = b"""<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"><resources>
    <resource identifier="a" type="imsqti_item_xmlv2p1" href="a.xml"><file href="a.xml"/></resource>
    <resource identifier="b" type="imsqti_item_xmlv2p1" href="b.xml"><file href="b.xml"/></resource>
    </resources></manifest>"""
    package = zipped({
        "imsmanifest.xml": manifest,
        "a.xml": item21(f"<p>Sum of <printedVariable identifier='A1'/>?</p>{CHOICES}",
                        head=TEMPLATE_HEAD),
        "b.xml": item21(f"<p>Pick a</p>{CHOICES}"),
    })  # fmt: skip
    first, second = qti.parse_package(package, "pkg.zip")
    assert _reason(first).startswith("randomised template item")
    assert isinstance(second, Parsed)
    assert second.stem == "Pick a"
