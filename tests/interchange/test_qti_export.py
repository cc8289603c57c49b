"""QTI 3.0 export: what a conformant player needs to let a learner give the right answer."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter

import defusedxml.ElementTree as ET
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyhall.interchange import qti, qti_write
from studyhall.interchange.items import Exported, Parsed, Where
from tests.interchange.strategies import questions

NS = {"q": qti_write.NS}
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _content(body: dict[str, object]) -> dict[str, object]:
    return {"stem": "Match them", "body": body, "explanation": "Because.", "tags": []}


def _key_fits_the_interaction(xml: str) -> None:
    """What a player enforces: no choice used more often than its match-max (0 = no limit),
    no more associations than max-associations (0 = no limit)."""
    root = ET.fromstring(xml)
    values = [v.text or "" for v in root.iterfind(".//q:qti-correct-response/q:qti-value", NS)]
    interaction = root.find(".//q:qti-match-interaction", NS)
    assert interaction is not None
    limit = int(interaction.get("max-associations", "1"))
    assert limit == 0 or len(values) <= limit
    used = Counter(part for value in values for part in value.split())
    for choice in interaction.iterfind(".//q:qti-simple-associable-choice", NS):
        most = int(choice.get("match-max", "1"))
        assert most == 0 or used[choice.get("identifier")] <= most, choice.get("identifier")


@st.composite
def matchings(draw: st.DrawFn) -> dict[str, object]:
    premises = draw(st.integers(1, 6))
    responses = draw(st.integers(1, 6))
    pairs = {f"p{n}": f"r{draw(st.integers(0, responses - 1))}" for n in range(premises)}
    return {
        "type": "matching",
        "premises": [{"id": f"p{n}", "text": f"premise {n}"} for n in range(premises)],
        "responses": [{"id": f"r{n}", "text": f"response {n}"} for n in range(responses)],
        "pairs": pairs,
    }


def test_a_response_the_key_uses_twice_can_be_used_twice() -> None:
    body = {
        "type": "matching",
        "premises": [
            {"id": "cat", "text": "Cat"},
            {"id": "dog", "text": "Dog"},
            {"id": "oak", "text": "Oak"},
        ],
        "responses": [
            {"id": "animal", "text": "Animal"},
            {"id": "plant", "text": "Plant"},
            {"id": "stone", "text": "Stone"},
        ],
        "pairs": {"cat": "animal", "dog": "animal", "oak": "plant"},
    }
    xml = qti_write.render_item("q1", _content(body))
    _key_fits_the_interaction(xml)
    root = ET.fromstring(xml)
    limits = {
        c.get("identifier"): c.get("match-max")
        for c in root.iterfind(".//q:qti-simple-associable-choice", NS)
    }
    # Each premise takes one response; a response takes as many premises as the key gives it.
    assert limits == {"cat": "1", "dog": "1", "oak": "1", "animal": "2", "plant": "1",
                      "stone": "1"}  # fmt: skip


@FAST
@given(matchings())
def test_every_exported_matching_key_is_answerable(body: dict[str, object]) -> None:
    xml = qti_write.render_item("q1", _content(body))
    _key_fits_the_interaction(xml)
    back = qti.parse_item(xml.encode(), Where("q1.xml"))
    assert isinstance(back, Parsed)
    assert back.body["pairs"] == body["pairs"]


# --- schema rules ---------------------------------------------------------------------------
# No package on PyPI or npm carries the 1EdTech QTI 3.0 XSDs (imsqti_asiv3p0p1_v1p0.xsd,
# imsqtiv3p0_imscpv1p2_v1p0.xsd), and we do not copy them in. These checks are the rules of
# those schemas (and of the spec's processing model) that our writer can break.

CP = "{http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1}"
LOM = "{http://ltsc.ieee.org/xsd/LOM}"
Q = "{" + qti_write.NS + "}"
INLINE_INTERACTIONS = {f"{Q}qti-text-entry-interaction", f"{Q}qti-inline-choice-interaction"}
BLOCK_TAGS = ("qti-choice-interaction", "qti-order-interaction", "qti-match-interaction", "p")
BLOCKS = {f"{Q}{t}" for t in BLOCK_TAGS}
NCNAME = re.compile(r"^[A-Za-z_][\w.-]*$")


def _item_follows_the_schema(xml: str) -> None:
    root = ET.fromstring(xml)
    body = root.find("q:qti-item-body", NS)
    assert body is not None
    for child in body:
        # itemBody holds blocks only; an inline interaction must sit inside one (a <p>).
        assert child.tag not in INLINE_INTERACTIONS, child.tag
        assert child.tag in BLOCKS, child.tag
    for element in root.iter():
        for key in ("identifier", "response-identifier", "outcome-identifier"):
            if key in element.attrib:
                assert NCNAME.match(element.attrib[key]), (element.tag, element.attrib[key])
    declared = root.find("q:qti-response-declaration", NS)
    assert declared is not None
    if declared.get("base-type") in ("identifier", "directedPair"):
        for value in declared.iterfind(".//q:qti-value", NS):
            assert all(NCNAME.match(v) for v in (value.text or "").split()), value.text
    # Modal feedback is shown when its outcome holds its identifier: the processing must set it.
    processing = root.find("q:qti-response-processing", NS)
    assert processing is not None
    for feedback in root.iterfind("q:qti-modal-feedback", NS):
        outcome, identifier = feedback.get("outcome-identifier"), feedback.get("identifier")
        assert processing.get("template") is None, "a standard template sets only SCORE"
        assert root.find(f"q:qti-outcome-declaration[@identifier='{outcome}']", NS) is not None
        setters = [
            s for s in processing.iterfind(".//q:qti-set-outcome-value", NS)
            if s.get("identifier") == outcome
        ]  # fmt: skip
        assert any(
            (s.findtext("q:qti-base-value", namespaces=NS) or "").strip() == identifier
            for s in setters
        ), f"nothing sets {outcome} to {identifier}"


def _manifest_follows_the_schema(xml: bytes) -> None:
    root = ET.fromstring(xml)
    assert root.tag == f"{CP}manifest"
    assert [c.tag for c in root] == [f"{CP}metadata", f"{CP}organizations", f"{CP}resources"]
    metadata = root.find(f"{CP}metadata")
    assert metadata is not None
    assert [c.tag for c in metadata][:2] == [f"{CP}schema", f"{CP}schemaversion"]
    for resource in root.iter(f"{CP}resource"):
        order = [c.tag for c in resource]
        # CP: metadata?, file*, dependency*; resource metadata holds LOM (and QTI metadata).
        assert order == sorted(order, key=[f"{CP}metadata", f"{CP}file", f"{CP}dependency"].index)
        for meta in resource.iter(f"{CP}metadata"):
            assert all(c.tag == f"{LOM}lom" for c in meta), [c.tag for c in meta]


@FAST
@given(st.lists(questions(), min_size=1, max_size=4))
def test_exported_items_and_manifest_follow_the_qti3_schema(items: list[Exported]) -> None:
    package = zipfile.ZipFile(io.BytesIO(qti_write.render_package(items)))
    _manifest_follows_the_schema(package.read("imsmanifest.xml"))
    for name in package.namelist():
        if name.startswith("items/"):
            _item_follows_the_schema(package.read(name).decode())
    back = list(qti.parse_package(qti_write.render_package(items), "export.zip"))
    for original, found in zip(items, back, strict=True):
        assert isinstance(found, Parsed), found
        assert found.explanation == original.content["explanation"]
        assert found.category == original.topic
        assert found.tags == original.content["tags"]


def test_option_ids_that_are_not_qti_identifiers_are_renamed_in_the_export() -> None:
    body = {
        "type": "single_choice",
        "options": [
            {"id": "1", "text": "one", "correct": True},
            {"id": "2-b", "text": "two", "correct": False},
        ],
    }
    xml = qti_write.render_item("q1", _content(body))
    _item_follows_the_schema(xml)
    back = qti.parse_item(xml.encode(), Where("q1.xml"))
    assert isinstance(back, Parsed)
    assert [(o["text"], o["correct"]) for o in back.body["options"]] == [
        ("one", True), ("two", False),
    ]  # fmt: skip
