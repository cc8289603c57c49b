"""Media of QTI items: images linked through the manifest's dependencies or lying beside a
lone item in a zip are imported, in the stem and in options; what cannot be (audio, video,
remote or missing images) is named in the question's report entry, never dropped silently."""

from __future__ import annotations

import pytest

from studyhall.interchange import qti
from studyhall.interchange.items import FormatError, Parsed, Where
from tests.interchange.test_qti_import import item21
from tests.interchange.test_xml_formats import png, zipped
from tests.walk.search_media import png as coloured

CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
CHOICES_WITH_IMAGE = (
    "<choiceInteraction responseIdentifier='RESPONSE' maxChoices='1'>"
    "<simpleChoice identifier='A'><img src='../media/pie.png' alt='pie'/></simpleChoice>"
    "<simpleChoice identifier='B'>bars</simpleChoice></choiceInteraction>"
)


def test_images_linked_through_a_dependency_are_imported_in_stem_and_options() -> None:
    manifest = f"""<manifest xmlns="{CP}"><resources>
      <resource identifier="i" type="imsqti_item_xmlv2p1" href="items/one.xml">
        <file href="items/one.xml"/><dependency identifierref="media"/></resource>
      <resource identifier="media" type="webcontent">
        <file href="media/chart.png"/><file href="media/pie.png"/></resource>
    </resources></manifest>""".encode()
    item = item21(f"<p>Look: <img src='../media/chart.png' alt='chart'/></p>{CHOICES_WITH_IMAGE}")
    package = zipped({
        "imsmanifest.xml": manifest, "items/one.xml": item,
        "media/chart.png": png(), "media/pie.png": coloured("teal"),
    })  # fmt: skip
    (found,) = qti.parse_package(package, "pkg.zip")
    assert isinstance(found, Parsed)
    assert found.stem == "Look: ![chart](import:chart.png)"
    assert found.body["options"][0]["text"] == "![pie](import:pie.png)"
    assert found.images == {"chart.png": png(), "pie.png": coloured("teal")}
    assert found.warnings == []


def test_a_lone_item_in_a_zip_keeps_the_images_beside_it() -> None:
    item = item21("<p>Look: <img src='img/d.png' alt='d'/></p>" + CHOICES_WITH_IMAGE.replace(
        "../media/pie.png", "img/d.png"))  # fmt: skip
    package = zipped({"question.xml": item, "img/d.png": png(), "notes.txt": b"hello"})
    (found,) = qti.parse_package(package, "lone.zip")
    assert isinstance(found, Parsed)
    assert found.stem == "Look: ![d](import:d.png)"
    assert found.images == {"d.png": png()}
    assert str(found.where) == "lone.zip at question.xml"


def test_a_zip_with_neither_manifest_nor_item_is_refused() -> None:
    with pytest.raises(FormatError, match=r"no imsmanifest\.xml and no QTI item"):
        list(qti.parse_package(zipped({"readme.xml": b"<x/>"}), "pkg.zip"))


def test_what_cannot_be_imported_is_named_for_the_report() -> None:
    body = (
        "<p>Listen: <audio src='media/tune.mp3'/> then "
        "<object data='media/clip.mp4' type='video/mp4'>a clip</object> and "
        "<img src='https://example.org/far.png' alt='far'/> "
        "<img src='media/gone.png' alt='gone'/></p>"
        "<choiceInteraction responseIdentifier='RESPONSE' maxChoices='1'>"
        "<simpleChoice identifier='A'>a</simpleChoice><simpleChoice identifier='B'>b</simpleChoice>"
        "</choiceInteraction>"
    )
    found = qti.parse_item(item21(body), Where("one.xml"))
    assert isinstance(found, Parsed)
    assert found.warnings == [
        "the audio 'media/tune.mp3' is left out: questions hold images only",
        "the video 'media/clip.mp4' is left out: questions hold images only",
        "the image 'https://example.org/far.png' is left out: it is on another site, and "
        "questions show only the organisation's own images",
        "the image 'media/gone.png' is left out: this file does not hold it (import the "
        "package, or a zip with the images beside the item)",
    ]


def test_an_image_object_is_an_image() -> None:
    body = (
        "<p><object data='img/d.png' type='image/png'>a diagram</object></p>"
        "<choiceInteraction responseIdentifier='RESPONSE' maxChoices='1'>"
        "<simpleChoice identifier='A'>a</simpleChoice><simpleChoice identifier='B'>b</simpleChoice>"
        "</choiceInteraction>"
    )
    found = qti.parse_item(item21(body), Where("one.xml"), files={"img/d.png": png()})
    assert isinstance(found, Parsed)
    assert found.stem == "![a diagram](import:d.png)"
