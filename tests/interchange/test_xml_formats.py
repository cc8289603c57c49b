"""Moodle XML and QTI readers: every type that maps, embedded images, types we cannot hold,
and hostile input (entities, external references, unsafe zips) refused with the place."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest
from PIL import Image

from studyhall.interchange import moodle_xml, qti
from studyhall.interchange.items import FormatError, Parsed, Rejected, Where
from studyhall.interchange.zipsafe import Limits, SafeZip


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (3, 3), "teal").save(out, format="PNG")
    return out.getvalue()


MOODLE = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Delta/Merge</text></category></question>
  <question type="multichoice">
    <name><text>MC</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>Which <b>one</b>?</p>
      <img src="@@PLUGINFILE@@/d.png" alt="diagram">]]></text>
      <file name="d.png" path="/" encoding="base64">{base64.b64encode(png()).decode()}</file>
    </questiontext>
    <generalfeedback format="html"><text>Because.</text></generalfeedback>
    <single>true</single><shuffleanswers>0</shuffleanswers>
    <answer fraction="100" format="html">
      <text>Right</text><feedback><text>Yes</text></feedback>
    </answer>
    <answer fraction="0" format="html"><text>Wrong</text></answer>
    <tags><tag><text>delta</text></tag></tags>
  </question>
  <question type="truefalse"><questiontext><text>Sky is green</text></questiontext>
    <answer fraction="0"><text>true</text><feedback><text>No</text></feedback></answer>
    <answer fraction="100"><text>false</text></answer></question>
  <question type="shortanswer"><questiontext><text>Name it</text></questiontext><usecase>1</usecase>
    <answer fraction="100"><text>DAG</text></answer>
    <answer fraction="50"><text>graph</text></answer></question>
  <question type="numerical"><questiontext><text>g?</text></questiontext>
    <answer fraction="100"><text>9.81</text><tolerance>0.01</tolerance></answer>
    <units><unit><multiplier>1</multiplier><unit_name>m/s2</unit_name></unit></units></question>
  <question type="matching"><questiontext><text>Pair</text></questiontext>
    <subquestion><text>a</text><answer><text>1</text></answer></subquestion>
    <subquestion><text>b</text><answer><text>2</text></answer></subquestion>
    <subquestion><text></text><answer><text>3</text></answer></subquestion></question>
  <question type="ordering"><questiontext><text>Order</text></questiontext>
    <answer fraction="2"><text>second</text></answer>
    <answer fraction="1"><text>first</text></answer></question>
  <question type="essay"><questiontext><text>Discuss</text></questiontext></question>
  <question type="calculated"><questiontext><text>{{a}}+1</text></questiontext></question>
</quiz>
"""


def test_moodle_xml_reads_every_type_that_maps() -> None:
    items = list(moodle_xml.parse(io.BytesIO(MOODLE.encode()), "bank.xml"))
    held = [i for i in items if isinstance(i, Parsed)]
    assert [i.body["type"] for i in held] == [
        "single_choice",
        "true_false",
        "short_text",
        "numeric",
        "matching",
        "ordering",
    ]
    choice, truefalse, short, numeric, matching, ordering = held
    assert choice.stem == "Which one?\n\n![diagram](import:d.png)"
    assert choice.images == {"d.png": png()}
    assert (choice.category, choice.tags, choice.explanation) == (
        ["Delta", "Merge"],
        ["delta"],
        "Because.",
    )
    assert choice.body["shuffle"] is False
    assert truefalse.body == {
        "type": "true_false",
        "correct_answer": False,
        "feedback_true": "No",
        "feedback_false": None,
    }
    assert short.body["accepted_answers"] == [{"text": "DAG"}, {"text": "graph", "credit": 0.5}]
    assert short.body["case_sensitive"]
    assert numeric.body == {"type": "numeric", "value": 9.81, "tolerance": 0.01, "unit": "m/s2"}
    assert len(matching.body["responses"]) == 3
    assert len(matching.body["premises"]) == 2
    assert [i["text"] for i in ordering.body["items"]] == ["first", "second"]


def test_moodle_types_we_cannot_hold_are_reported_with_their_path() -> None:
    rejected = [
        i
        for i in moodle_xml.parse(io.BytesIO(MOODLE.encode()), "bank.xml")
        if isinstance(i, Rejected)
    ]
    assert [str(r.where) for r in rejected] == [
        "bank.xml at /quiz/question[8]",
        "bank.xml at /quiz/question[9]",
    ]
    assert "essay" in rejected[0].reason
    assert "marked by hand" in rejected[0].reason
    assert "calculated" in rejected[1].reason


@pytest.mark.parametrize(
    "hostile",
    [
        b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY x "boom">]><quiz>&x;</quiz>',
        b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>',
        b'<?xml version="1.0"?><!DOCTYPE quiz SYSTEM "http://example.org/quiz.dtd"><quiz/>',
    ],
)
def test_entities_and_external_references_are_refused(hostile: bytes) -> None:
    with pytest.raises(FormatError, match="DTDs and entities are not allowed"):
        list(moodle_xml.parse(io.BytesIO(hostile), "evil.xml"))
    with pytest.raises(FormatError, match="DTDs and entities are not allowed"):
        qti.parse_item(hostile, Where("evil.xml"))


def test_broken_xml_is_a_file_error() -> None:
    with pytest.raises(FormatError, match="not well-formed"):
        list(moodle_xml.parse(io.BytesIO(b"<quiz><question type='truefalse'>"), "cut.xml"))


QTI21 = """<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"
  identifier="i1" title="T">
  <responseDeclaration identifier="RESPONSE" cardinality="{card}" baseType="{base}">
    {decl}
  </responseDeclaration>
  <itemBody><p>{stem}</p>{interaction}</itemBody>
  <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/{template}"/>
  <modalFeedback outcomeIdentifier="FEEDBACK" identifier="x" showHide="show">
    See the docs.</modalFeedback>
</assessmentItem>"""


def item21(
    stem: str,
    interaction: str,
    decl: str,
    *,
    card: str = "single",
    base: str = "identifier",
    template: str = "match_correct",
) -> Parsed | Rejected:
    xml = QTI21.format(
        stem=stem, interaction=interaction, decl=decl, card=card, base=base, template=template
    )
    return qti.parse_item(xml.encode(), Where("item.xml"))


def correct(*values: str) -> str:
    return (
        "<correctResponse>" + "".join(f"<value>{v}</value>" for v in values) + "</correctResponse>"
    )


def test_qti21_choice_text_entry_order_match_and_inline_choice() -> None:
    choice = item21(
        "Pick",
        '<choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">'
        '<simpleChoice identifier="A">One</simpleChoice>'
        '<simpleChoice identifier="B">Two</simpleChoice></choiceInteraction>',
        correct("B"),
    )
    assert isinstance(choice, Parsed)
    assert choice.explanation == "See the docs."
    assert [o["correct"] for o in choice.body["options"]] == [False, True]
    mapped = item21(
        "Pick",
        '<choiceInteraction responseIdentifier="RESPONSE" maxChoices="0">'
        '<simpleChoice identifier="A">One</simpleChoice>'
        '<simpleChoice identifier="B">Two</simpleChoice>'
        '<simpleChoice identifier="C">Three</simpleChoice></choiceInteraction>',
        '<mapping><mapEntry mapKey="A" mappedValue="1"/><mapEntry mapKey="C" mappedValue="1"/>'
        '<mapEntry mapKey="B" mappedValue="-1"/></mapping>',
        card="multiple",
        template="map_response",
    )
    assert isinstance(mapped, Parsed)
    assert mapped.body["type"] == "multiple_response"
    assert [o["correct"] for o in mapped.body["options"]] == [True, False, True]
    entry = item21(
        "Capital of France is",
        '<p>It is <textEntryInteraction responseIdentifier="RESPONSE"/>.</p>',
        correct("Paris"),
        base="string",
    )
    assert isinstance(entry, Parsed)
    assert entry.stem == "Capital of France is\n\nIt is _____."
    assert entry.body["accepted_answers"] == [{"text": "Paris"}]
    number = item21(
        "g?", '<textEntryInteraction responseIdentifier="RESPONSE"/>', correct("9.81"), base="float"
    )
    assert isinstance(number, Parsed)
    assert number.body == {
        "type": "numeric",
        "value": 9.81,
        "tolerance": 0.0,
    }
    order = item21(
        "Order",
        '<orderInteraction responseIdentifier="RESPONSE">'
        '<simpleChoice identifier="X">x</simpleChoice>'
        '<simpleChoice identifier="Y">y</simpleChoice></orderInteraction>',
        correct("Y", "X"),
        card="ordered",
    )
    assert isinstance(order, Parsed)
    assert [i["text"] for i in order.body["items"]] == ["y", "x"]
    match = item21(
        "Match",
        '<matchInteraction responseIdentifier="RESPONSE"><simpleMatchSet>'
        '<simpleAssociableChoice identifier="P1">a</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="P2">b</simpleAssociableChoice>'
        "</simpleMatchSet><simpleMatchSet>"
        '<simpleAssociableChoice identifier="R1">1</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="R2">2</simpleAssociableChoice>'
        "</simpleMatchSet></matchInteraction>",
        correct("P1 R2", "P2 R1"),
        card="multiple",
        base="directedPair",
    )
    assert isinstance(match, Parsed)
    assert match.body["pairs"] == {"P1": "R2", "P2": "R1"}
    inline = item21(
        "Fill",
        '<p>Water boils at <inlineChoiceInteraction responseIdentifier="RESPONSE">'
        '<inlineChoice identifier="H">100</inlineChoice>'
        '<inlineChoice identifier="L">50</inlineChoice>'
        "</inlineChoiceInteraction> degrees.</p>",
        correct("H"),
    )
    assert isinstance(inline, Parsed)
    assert inline.stem == "Fill\n\nWater boils at _____ degrees."
    assert [o["correct"] for o in inline.body["options"]] == [True, False]


def test_qti_items_we_cannot_hold_say_why() -> None:
    essay = item21(
        "Discuss", '<extendedTextInteraction responseIdentifier="RESPONSE"/>', "", base="string"
    )
    assert isinstance(essay, Rejected)
    assert "an extended text interaction (an essay) is not a question type" in essay.reason
    custom = item21(
        "Pick",
        '<choiceInteraction responseIdentifier="RESPONSE">'
        '<simpleChoice identifier="A">a</simpleChoice>'
        '<simpleChoice identifier="B">b</simpleChoice></choiceInteraction>',
        correct("A"),
        template="my_own_rules",
    )
    assert isinstance(custom, Rejected)
    assert "not a standard one" in custom.reason
    nothing = item21(
        "Pick",
        '<choiceInteraction responseIdentifier="RESPONSE">'
        '<simpleChoice identifier="A">a</simpleChoice>'
        '<simpleChoice identifier="B">b</simpleChoice></choiceInteraction>',
        "",
    )
    assert isinstance(nothing, Rejected)
    assert "no correct response" in nothing.reason


def zipped(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


MANIFEST = b"""<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"><resources>
<resource identifier="r1" type="imsqti_item_xmlv2p1" href="items/one.xml">
<file href="items/one.xml"/>
<file href="items/img/d.png"/></resource></resources></manifest>"""


def test_a_qti21_package_with_an_image() -> None:
    item = QTI21.format(
        stem='Look: <img src="img/d.png" alt="d"/>',
        card="single",
        base="identifier",
        template="match_correct",
        decl=correct("A"),
        interaction='<choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">'
        '<simpleChoice identifier="A">a</simpleChoice><simpleChoice identifier="B">b</simpleChoice>'
        "</choiceInteraction>",
    )
    package = zipped(
        {"imsmanifest.xml": MANIFEST, "items/one.xml": item.encode(), "items/img/d.png": png()}
    )
    (found,) = qti.parse_package(package, "pkg.zip")
    assert isinstance(found, Parsed)
    assert found.stem == "Look: ![d](import:d.png)"
    assert found.images == {"d.png": png()}
    assert str(found.where) == "pkg.zip at items/one.xml"


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/passwd", "a/../../b", "C:/x", "a\\..\\b"])
def test_zip_entries_that_escape_the_package_are_refused(name: str) -> None:
    with pytest.raises(FormatError, match="climbs out"):
        SafeZip(zipped({"imsmanifest.xml": MANIFEST, name: b"x"}), "pkg.zip")


def test_zip_bombs_and_oversized_packages_are_refused() -> None:
    bomb = zipped({"imsmanifest.xml": MANIFEST, "zeros.bin": b"\0" * 5_000_000})
    with pytest.raises(FormatError, match="zip bomb"):
        SafeZip(bomb, "bomb.zip")
    plain = zipped({"a.xml": b"x" * 2000, "b.xml": b"y" * 2000}, zipfile.ZIP_STORED)
    with pytest.raises(FormatError, match="more than 3000 bytes"):
        SafeZip(plain, "big.zip", Limits(total_bytes=3000))
    with pytest.raises(FormatError, match="more than 1 entries"):
        SafeZip(plain, "many.zip", Limits(entries=1))


def test_a_package_without_a_manifest_is_refused() -> None:
    with pytest.raises(FormatError, match=r"no imsmanifest\.xml"):
        list(qti.parse_package(zipped({"item.xml": b"<x/>"}), "pkg.zip"))


QTI30 = """<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="fill"
  title="Fill" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>G</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body>
    <p>Identify the missing word: Once upon a time, there lived a
      <qti-inline-choice-interaction response-identifier="RESPONSE" shuffle="false">
        <qti-inline-choice identifier="G">Gloucester</qti-inline-choice>
        <qti-inline-choice identifier="L">Lancaster</qti-inline-choice>
      </qti-inline-choice-interaction> prince.</p>
  </qti-item-body>
  <qti-response-processing
    template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>
"""


def test_a_qti30_item_written_by_another_tool() -> None:
    found = qti.parse_item(QTI30.encode(), Where("fill.xml"))
    assert isinstance(found, Parsed)
    assert found.stem == (
        "Identify the missing word: Once upon a time, there lived a _____ prince."
    )
    assert found.body["options"] == [
        {"id": "G", "text": "Gloucester", "correct": True},
        {"id": "L", "text": "Lancaster", "correct": False},
    ]
