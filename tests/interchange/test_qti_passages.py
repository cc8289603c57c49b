"""Shared passages (QTI 3 qti-assessment-stimulus-ref, QTI 2.2 assessmentStimulusRef, a
shared <object> of text) are shown with each item that uses them, never dropped. The shapes
follow the 1EdTech stimulus samples; the texts are our own."""

from __future__ import annotations

from studyhall.interchange import qti
from studyhall.interchange.items import Parsed, Rejected, Where
from tests.interchange.test_xml_formats import zipped

V30 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
V22 = "http://www.imsglobal.org/xsd/imsqti_v2p2"
CP3 = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
POEM = "The fog comes on little cat feet."


def item30(identifier: str, question: str, head: str) -> bytes:
    return f"""<qti-assessment-item xmlns="{V30}" identifier="{identifier}" title="{identifier}"
      adaptive="false" time-dependent="false">
      <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
        <qti-correct-response><qti-value>A</qti-value></qti-correct-response>
      </qti-response-declaration>
      {head}
      <qti-item-body><p>{question}</p>
        <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
          <qti-simple-choice identifier="A">a cat</qti-simple-choice>
          <qti-simple-choice identifier="B">a dog</qti-simple-choice></qti-choice-interaction>
      </qti-item-body>
      <qti-response-processing
        template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct"/>
    </qti-assessment-item>""".encode()


STIMULUS30 = f"""<qti-assessment-stimulus xmlns="{V30}" identifier="fog" title="Fog">
  <qti-stimulus-body><p>{POEM}</p><p>It sits looking over harbor and city.</p>
  </qti-stimulus-body></qti-assessment-stimulus>""".encode()

MANIFEST30 = f"""<manifest xmlns="{CP3}" identifier="m"><resources>
  <resource identifier="i1" type="imsqti_item_xmlv3p0" href="items/one.xml">
    <file href="items/one.xml"/><dependency identifierref="fog"/></resource>
  <resource identifier="i2" type="imsqti_item_xmlv3p0" href="items/two.xml">
    <file href="items/two.xml"/><dependency identifierref="fog"/></resource>
  <resource identifier="fog" type="imsqti_stimulus_xmlv3p0" href="stimuli/fog.xml">
    <file href="stimuli/fog.xml"/></resource>
</resources></manifest>""".encode()


def test_a_qti3_stimulus_shared_by_two_items_is_shown_with_each() -> None:
    ref = '<qti-assessment-stimulus-ref identifier="fog" href="../stimuli/fog.xml" title="Fog"/>'
    package = zipped({
        "imsmanifest.xml": MANIFEST30,
        "items/one.xml": item30("one", "What does the fog move like?", ref),
        "items/two.xml": item30("two", "Read the passage: which animal?", ref),
        "stimuli/fog.xml": STIMULUS30,
    })  # fmt: skip
    one, two = qti.parse_package(package, "pkg.zip")
    assert isinstance(one, Parsed)
    assert isinstance(two, Parsed)
    passage = f"**Fog**\n\n{POEM}\n\nIt sits looking over harbor and city."
    assert one.stem == f"{passage}\n\nWhat does the fog move like?"
    assert two.stem == f"{passage}\n\nRead the passage: which animal?"


def test_a_qti22_stimulus_ref_is_followed_too() -> None:
    item = f"""<assessmentItem xmlns="{V22}" identifier="i" title="I" adaptive="false"
      timeDependent="false">
      <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
        <correctResponse><value>A</value></correctResponse></responseDeclaration>
      <assessmentStimulusRef identifier="s" href="passage.xml"/>
      <itemBody><choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">
        <prompt>Which animal?</prompt>
        <simpleChoice identifier="A">cat</simpleChoice>
        <simpleChoice identifier="B">dog</simpleChoice>
      </choiceInteraction></itemBody>
      <responseProcessing
        template="http://www.imsglobal.org/question/qti_v2p2/rptemplates/match_correct"/>
    </assessmentItem>""".encode()
    stimulus = f"""<assessmentStimulus xmlns="{V22}" identifier="s" title="">
      <stimulusBody><p>{POEM}</p></stimulusBody></assessmentStimulus>""".encode()
    manifest = b"""<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"><resources>
      <resource identifier="i" type="imsqti_item_xmlv2p2" href="item.xml">
        <file href="item.xml"/><file href="passage.xml"/></resource></resources></manifest>"""
    package = zipped({"imsmanifest.xml": manifest, "item.xml": item, "passage.xml": stimulus})
    (found,) = qti.parse_package(package, "pkg.zip")
    assert isinstance(found, Parsed)
    assert found.stem == f"{POEM}\n\nWhich animal?"


def test_a_shared_object_of_text_is_part_of_the_stem() -> None:
    body = (
        '<p>Read this:</p><object data="shared/passage.html" type="text/html">a passage</object>'
        "<p>Which animal?</p>"
    )
    item = item30("one", "x", "").replace(b"<p>x</p>", body.encode())
    passage = f'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>{POEM}</p></body></html>'
    manifest = MANIFEST30.replace(b'<dependency identifierref="fog"/>', b"")
    package = zipped({
        "imsmanifest.xml": manifest, "items/one.xml": item,
        "items/two.xml": item30("two", "Plain", ""),
        "items/shared/passage.html": passage.encode(), "stimuli/fog.xml": STIMULUS30,
    })  # fmt: skip
    one, two = qti.parse_package(package, "pkg.zip")
    assert isinstance(one, Parsed)
    assert one.stem == f"Read this:\n\n{POEM}\n\nWhich animal?"
    assert isinstance(two, Parsed)


def test_a_passage_the_file_does_not_hold_refuses_the_item_with_its_name() -> None:
    ref = '<qti-assessment-stimulus-ref identifier="fog" href="../stimuli/fog.xml"/>'
    found = qti.parse_item(item30("one", "Which animal?", ref), Where("one.xml"))
    assert isinstance(found, Rejected)
    assert found.reason == (
        "the item reads a shared passage ('../stimuli/fog.xml') that this file does not hold: "
        "import the whole package"
    )


def test_included_shared_content_is_part_of_the_stem() -> None:
    include = '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="../shared/intro.xml"/>'
    item = item30("one", "x", "").replace(b"<p>x</p>", f"{include}<p>Which animal?</p>".encode())
    intro = f'<div xmlns="{V30}"><p>{POEM}</p></div>'.encode()
    manifest = MANIFEST30.replace(b'<dependency identifierref="fog"/>', b"")
    package = zipped({
        "imsmanifest.xml": manifest, "items/one.xml": item, "shared/intro.xml": intro,
        "items/two.xml": item30("two", "Plain", ""), "stimuli/fog.xml": STIMULUS30,
    })  # fmt: skip
    one, _ = qti.parse_package(package, "pkg.zip")
    assert isinstance(one, Parsed)
    assert one.stem == f"{POEM}\n\nWhich animal?"


def test_a_root_that_is_no_item_is_named_for_an_author() -> None:
    found = qti.parse_item(STIMULUS30, Where("fog.xml"))
    assert isinstance(found, Rejected)
    assert found.reason == (
        "this file is a qti-assessment-stimulus, not a QTI item (assessmentItem or "
        "qti-assessment-item): import the package that uses it"
    )
