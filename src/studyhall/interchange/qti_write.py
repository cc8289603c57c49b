"""QTI 3.0 content packages out: one item file per question and the manifest.

Each item declares its correct response and uses the standard match_correct or map_response
template; numeric answers write their processing out (no standard template compares within a
tolerance). The explanation is the item's modal feedback. Topic and tags go into the
resource's metadata in our own namespace (`urn:studyhall:interchange`), which the reader in
`qti` reads back and other tools ignore.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from studyhall.interchange.items import Exported
from studyhall.interchange.qti import SH
from studyhall.interchange.textutil import number

NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
CP = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
TEMPLATE = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/{}.xml"


def _p(text: str) -> str:
    paragraphs = (escape(part).replace("\n", "<br/>") for part in text.split("\n\n"))
    return "".join(f"<p>{part}</p>" for part in paragraphs)


def render_item(identifier: str, content: dict[str, Any]) -> str:
    body = content["body"]
    kind = body["type"]
    declaration, interaction, processing = _WRITERS[kind](body)
    explanation = ""
    if content.get("explanation"):
        explanation = (
            '<qti-modal-feedback outcome-identifier="FEEDBACK" identifier="explanation" '
            f'show-hide="show"><qti-content-body>{_p(content["explanation"])}'
            "</qti-content-body></qti-modal-feedback>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<qti-assessment-item xmlns="{NS}" '
        f'identifier={quoteattr(identifier)} title={quoteattr(identifier)} adaptive="false" '
        f'time-dependent="false">{declaration}'
        '<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>'
        '<qti-outcome-declaration identifier="FEEDBACK" cardinality="single" '
        'base-type="identifier"/>'
        f"<qti-item-body>{_p(content['stem'])}{interaction}</qti-item-body>"
        f"{processing}{explanation}</qti-assessment-item>\n"
    )


def _declare(cardinality: str, base: str, values: list[str], extra: str = "") -> str:
    correct = "".join(f"<qti-value>{escape(v)}</qti-value>" for v in values)
    return (
        f'<qti-response-declaration identifier="RESPONSE" cardinality="{cardinality}" '
        f'base-type="{base}"><qti-correct-response>{correct}</qti-correct-response>{extra}'
        "</qti-response-declaration>"
    )


def _template(which: str) -> str:
    return f'<qti-response-processing template="{TEMPLATE.format(which)}"/>'


def _simple(tag: str, items: list[dict[str, Any]]) -> str:
    return "".join(
        f"<qti-{tag} identifier={quoteattr(i['id'])}>{escape(i['text'])}</qti-{tag}>" for i in items
    )


def _choice_xml(body: dict[str, Any]) -> tuple[str, str, str]:
    single = body["type"] == "single_choice"
    right = [o["id"] for o in body["options"] if o["correct"]]
    shuffle = "true" if body.get("shuffle", True) else "false"
    return (
        _declare("single" if single else "multiple", "identifier", right),
        f'<qti-choice-interaction response-identifier="RESPONSE" shuffle="{shuffle}" '
        f'max-choices="{1 if single else 0}">{_simple("simple-choice", body["options"])}'
        "</qti-choice-interaction>",
        _template("match_correct"),
    )


def _true_false_xml(body: dict[str, Any]) -> tuple[str, str, str]:
    return (
        _declare("single", "identifier", ["true" if body["correct_answer"] else "false"]),
        '<qti-choice-interaction response-identifier="RESPONSE" shuffle="false" '
        'max-choices="1"><qti-simple-choice identifier="true">True</qti-simple-choice>'
        '<qti-simple-choice identifier="false">False</qti-simple-choice>'
        "</qti-choice-interaction>",
        _template("match_correct"),
    )


def _numeric_xml(body: dict[str, Any]) -> tuple[str, str, str]:
    if body.get("value") is not None:
        value, tolerance = body["value"], body.get("tolerance") or 0.0
    else:
        value, tolerance = (body["min"] + body["max"]) / 2, (body["max"] - body["min"]) / 2
    # No standard template compares within a tolerance: the processing is written out.
    processing = (
        "<qti-response-processing><qti-response-condition><qti-response-if>"
        f'<qti-equal tolerance-mode="absolute" tolerance="{number(tolerance)} {number(tolerance)}">'
        '<qti-variable identifier="RESPONSE"/><qti-correct identifier="RESPONSE"/></qti-equal>'
        '<qti-set-outcome-value identifier="SCORE"><qti-base-value base-type="float">1'
        "</qti-base-value></qti-set-outcome-value></qti-response-if><qti-response-else>"
        '<qti-set-outcome-value identifier="SCORE"><qti-base-value base-type="float">0'
        "</qti-base-value></qti-set-outcome-value></qti-response-else>"
        "</qti-response-condition></qti-response-processing>"
    )
    return (
        _declare("single", "float", [number(value)]),
        '<qti-text-entry-interaction response-identifier="RESPONSE"/>',
        processing,
    )


def _short_xml(body: dict[str, Any]) -> tuple[str, str, str]:
    answers = [a["text"] for a in body["accepted_answers"]]
    case = "true" if body.get("case_sensitive") else "false"
    entries = "".join(
        f'<qti-map-entry map-key={quoteattr(a)} mapped-value="1" case-sensitive="{case}"/>'
        for a in answers
    )
    mapping = f'<qti-mapping default-value="0" upper-bound="1">{entries}</qti-mapping>'
    pattern = f" pattern-mask={quoteattr(body['pattern'])}" if body.get("pattern") else ""
    return (
        _declare("single", "string", answers[:1], mapping),
        f'<qti-text-entry-interaction response-identifier="RESPONSE"{pattern}/>',
        _template("map_response"),
    )


def _ordering_xml(body: dict[str, Any]) -> tuple[str, str, str]:
    return (
        _declare("ordered", "identifier", [i["id"] for i in body["items"]]),
        '<qti-order-interaction response-identifier="RESPONSE" shuffle="true">'
        f"{_simple('simple-choice', body['items'])}</qti-order-interaction>",
        _template("match_correct"),
    )


def _matching_xml(body: dict[str, Any]) -> tuple[str, str, str]:
    # A player lets a choice take part in at most match-max associations: a premise takes one
    # response, a response as many premises as the key gives it (a distractor keeps 1, so
    # using it once is still possible and still wrong).
    uses = Counter(body["pairs"].values())

    def associable(items: list[dict[str, Any]], limits: Counter[str] | None) -> str:
        return "".join(
            f"<qti-simple-associable-choice identifier={quoteattr(i['id'])} "
            f'match-max="{max(limits[i["id"]], 1) if limits is not None else 1}">'
            f"{escape(i['text'])}</qti-simple-associable-choice>"
            for i in items
        )

    pairs = [f"{p} {r}" for p, r in body["pairs"].items()]
    return (
        _declare("multiple", "directedPair", pairs),
        '<qti-match-interaction response-identifier="RESPONSE" shuffle="true" '
        f'max-associations="{len(pairs)}"><qti-simple-match-set>'
        f"{associable(body['premises'], None)}</qti-simple-match-set><qti-simple-match-set>"
        f"{associable(body['responses'], uses)}</qti-simple-match-set></qti-match-interaction>",
        _template("match_correct"),
    )


_WRITERS = {
    "single_choice": _choice_xml, "multiple_response": _choice_xml,
    "true_false": _true_false_xml, "numeric": _numeric_xml, "short_text": _short_xml,
    "ordering": _ordering_xml, "matching": _matching_xml,
}  # fmt: skip


def render_package(questions: Iterable[Exported]) -> bytes:
    """A QTI 3.0 content package: one item file per question and the manifest."""
    out = io.BytesIO()
    resources: list[str] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for count, item in enumerate(questions, start=1):
            identifier = f"q{count}"
            href = f"items/{identifier}.xml"
            package.writestr(href, render_item(identifier, item.content))
            metadata = "".join(f"<sh:topic>{escape(t)}</sh:topic>" for t in item.topic)
            metadata += "".join(
                f"<sh:tag>{escape(t)}</sh:tag>" for t in item.content.get("tags", [])
            )
            resources.append(
                f'<resource identifier="{identifier}" type="imsqti_item_xmlv3p0" '
                f'href="{href}"><metadata>{metadata}</metadata><file href="{href}"/></resource>'
            )
        package.writestr(
            "imsmanifest.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest xmlns="{CP}" xmlns:sh="{SH}" '
            'identifier="studyhall-export"><metadata><schema>QTI Package</schema>'
            "<schemaversion>3.0.0</schemaversion></metadata><organizations/>"
            f"<resources>{''.join(resources)}</resources></manifest>\n",
        )
    return out.getvalue()
