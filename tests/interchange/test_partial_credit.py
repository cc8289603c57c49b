"""Short answers worth part of the marks (GIFT `=%50%Cat`, Moodle XML `fraction="50"`): kept
with their weight on import, scored at that weight, and written back with it, never turned
into fully accepted answers."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from studyhall.bank.content import Body
from studyhall.exams.scoring import correct_answer, score_answer
from studyhall.interchange import gift, moodle_xml, qti
from studyhall.interchange.items import Exported, Parsed, Where

BODY = TypeAdapter(Body)


def only(items: list[Any]) -> Parsed:
    assert len(items) == 1
    assert isinstance(items[0], Parsed), items[0]
    return items[0]


def test_gift_partial_short_answers_keep_their_weight() -> None:
    # From Moodle's GIFT documentation: weights on short answers give partial credit.
    item = only(list(gift.parse("Name a pet that purrs {=Cat =%50%Kitten =%0%Dog#No}")))
    assert item.body["accepted_answers"] == [
        {"text": "Cat"},
        {"text": "Kitten", "credit": 0.5},
    ]
    body = BODY.validate_python(item.body)
    assert score_answer(body, {"text": "cat"}) == 1.0
    assert score_answer(body, {"text": "kitten"}) == 0.5
    assert score_answer(body, {"text": "dog"}) == 0.0
    assert correct_answer(body)["accepted"] == ["Cat"]


def test_moodle_xml_shortanswer_fractions_are_kept() -> None:
    xml = b"""<quiz><question type="shortanswer"><questiontext><text>Name it</text>
      </questiontext><answer fraction="100"><text>DAG</text></answer>
      <answer fraction="33.33333"><text>graph</text></answer>
      <answer fraction="0"><text>tree</text></answer></question></quiz>"""
    item = only(list(moodle_xml.parse(io.BytesIO(xml))))
    assert item.body["accepted_answers"] == [
        {"text": "DAG"},
        {"text": "graph", "credit": pytest.approx(0.3333333)},
    ]
    assert score_answer(BODY.validate_python(item.body), {"text": "graph"}) == pytest.approx(
        0.3333333
    )


def test_a_short_answer_with_no_full_credit_answer_is_refused() -> None:
    with pytest.raises(ValidationError, match="full"):
        BODY.validate_python(
            {"type": "short_text", "accepted_answers": [{"text": "x", "credit": 0.5}]}
        )
    rejected = list(gift.parse("Half right only {=%50%maybe}"))
    assert not isinstance(rejected[0], Parsed)
    assert "full" in rejected[0].reason


def exported(accepted: list[dict[str, Any]]) -> Exported:
    content = {
        "stem": "Name a pet",
        "body": {"type": "short_text", "accepted_answers": accepted},
        "explanation": "Pets.",
        "tags": [],
    }
    return Exported(content, ["Pets"])


def test_partial_credit_survives_gift_and_moodle_export() -> None:
    accepted = [{"text": "Cat"}, {"text": "Kitten", "credit": 0.5}]
    text, _ = gift.render([exported(accepted)])
    assert "=%50%Kitten" in text
    assert only(list(gift.parse(text))).body["accepted_answers"] == accepted
    xml = "".join(moodle_xml.render([exported(accepted)])).encode()
    assert b'fraction="50"' in xml
    back = [i for i in moodle_xml.parse(io.BytesIO(xml)) if isinstance(i, Parsed)]
    assert back[0].body["accepted_answers"] == accepted


WORDS = st.text("abcxyz ", min_size=1, max_size=8).filter(str.strip)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(WORDS, st.sampled_from([1.0, 0.75, 0.5, 0.25, 0.1])), min_size=1, max_size=6
    ),
    WORDS,
)
def test_a_reply_earns_the_best_credit_among_the_answers_it_matches(
    answers: list[tuple[str, float]], reply: str
) -> None:
    answers[0] = (answers[0][0], 1.0)  # a short answer must be worth full marks somehow
    body = BODY.validate_python(
        {
            "type": "short_text",
            "accepted_answers": [{"text": t, "credit": c} for t, c in answers],
        }
    )
    same = [c for t, c in answers if " ".join(t.split()) == " ".join(reply.split())]
    assert score_answer(body, {"text": reply}) == (max(same) if same else 0.0)


def test_the_editor_keeps_partial_credit_when_an_imported_question_is_edited() -> None:
    from studyhall.web.question_form import content_from_form, form_from_content

    body = {
        "type": "short_text",
        "accepted_answers": [{"text": "Cat"}, {"text": "Kitten", "credit": 0.5}],
    }
    form = form_from_content({"stem": "Pet?", "body": body, "explanation": "x", "tags": []})
    assert form["accepted"] == "Cat\n%50% Kitten"
    assert content_from_form(form)["body"]["accepted_answers"] == body["accepted_answers"]


def test_csv_carries_partial_credit_and_a_literal_percent() -> None:
    from studyhall.interchange import csv_format

    accepted = [{"text": "Cat"}, {"text": "Kitten", "credit": 0.5}, {"text": "%50% off"}]
    text = "".join(csv_format.render([exported(accepted)]))
    assert "%50% Kitten" in text
    assert only(list(csv_format.parse(text))).body["accepted_answers"] == accepted


def test_qti_mapped_values_below_the_top_are_partial_credit() -> None:
    # map_response scores a text entry by its mapped value: "Kitten" earns half the marks.
    xml = b"""<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="pet"
      title="pet" adaptive="false" timeDependent="false">
      <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string">
        <correctResponse><value>Cat</value></correctResponse>
        <mapping defaultValue="0"><mapEntry mapKey="Cat" mappedValue="2"/>
          <mapEntry mapKey="Kitten" mappedValue="1"/><mapEntry mapKey="Dog" mappedValue="0"/>
        </mapping></responseDeclaration>
      <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
      <itemBody><p>Name a pet that purrs <textEntryInteraction responseIdentifier="RESPONSE"/>
      </p></itemBody>
      <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response"/>
    </assessmentItem>"""
    item = qti.parse_item(xml, Where("pet.xml"))
    assert isinstance(item, Parsed), item
    assert item.body["accepted_answers"] == [{"text": "Cat"}, {"text": "Kitten", "credit": 0.5}]
    assert score_answer(BODY.validate_python(item.body), {"text": "kitten"}) == 0.5
