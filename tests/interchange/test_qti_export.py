"""QTI 3.0 export: what a conformant player needs to let a learner give the right answer."""

from __future__ import annotations

from collections import Counter

import defusedxml.ElementTree as ET
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyhall.interchange import qti, qti_write
from studyhall.interchange.items import Parsed, Where

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
