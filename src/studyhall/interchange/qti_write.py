"""QTI 3.0 content packages out: one item file per question and the manifest.

Each item declares its correct response; its response processing is written out (the rules of
the standard match_correct or map_response template, or a tolerance check for numbers, which
no template has) and also sets FEEDBACK to `explanation`, the outcome and identifier of the
modal feedback that carries the explanation, so a player shows it. Choice ids that are not
XML names get a QTI-safe name. Topic and tags go into each resource's metadata as IEEE LOM (a
classification whose taxon path is the topic's names, keywords for tags), where the QTI 3.0
package schema allows metadata; the reader in `qti` reads them back.

Images a question shows (`![alt](media:<uuid>)`) travel in the package: each file once, in
`items/media/<uuid>.<ext>`, shown by an `<img>` relative to the item and listed among the
files of every resource that shows it, so another organisation's import (or any QTI player)
finds it. A link whose file is not carried keeps its Markdown text, for the reader to report.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from studyhall.interchange.items import Exported
from studyhall.interchange.media_bundle import IMAGE_LINK, MediaFile
from studyhall.interchange.qti import TAXONOMY
from studyhall.interchange.qti_math import rich
from studyhall.interchange.textutil import number

NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
CP = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
LOM = "http://ltsc.ieee.org/xsd/LOM"


def _p(text: str) -> str:
    paragraphs = (rich(part).replace("\n", "<br/>") for part in text.split("\n\n"))
    return "".join(f"<p>{part}</p>" for part in paragraphs)


def render_item(identifier: str, content: dict[str, Any]) -> str:
    """One question as a QTI 3.0 item. The processing is written out (the standard templates'
    rules, or a tolerance check for numbers) so that it can also set FEEDBACK, the outcome the
    explanation's modal feedback is keyed to: a standard template sets only SCORE, and
    feedback keyed to an outcome nothing sets is never shown."""
    body = _qti_ids(content["body"])
    declaration, interaction, rules = _WRITERS[body["type"]](body)
    explanation = ""
    if content.get("explanation"):
        rules += (
            '<qti-set-outcome-value identifier="FEEDBACK"><qti-base-value '
            'base-type="identifier">explanation</qti-base-value></qti-set-outcome-value>'
        )
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
        f"<qti-response-processing>{rules}</qti-response-processing>"
        f"{explanation}</qti-assessment-item>\n"
    )


_NCNAME = re.compile(r"[A-Za-z_][\w.-]*")


def _qti_ids(body: dict[str, Any]) -> dict[str, Any]:
    """The body with choice ids QTI accepts: identifiers are XML names, so an id such as
    `1` or `2-b` (ours allow a leading digit) becomes `_1`, `_2-b`."""
    lists = [k for k in ("options", "items", "premises", "responses") if k in body]
    ids = [entry["id"] for key in lists for entry in body[key]]
    if all(_NCNAME.fullmatch(i) for i in ids):
        return body
    renamed = {i: i if _NCNAME.fullmatch(i) else f"_{i}" for i in ids}
    if len(set(renamed.values())) < len(ids):  # `_1` already taken: number them instead
        renamed = {i: f"choice_{n}" for n, i in enumerate(ids, start=1)}
    out = dict(body)
    for key in lists:
        out[key] = [{**entry, "id": renamed[entry["id"]]} for entry in body[key]]
    if "pairs" in body:
        out["pairs"] = {renamed[p]: renamed[r] for p, r in body["pairs"].items()}
    return out


def _declare(cardinality: str, base: str, values: list[str], extra: str = "") -> str:
    correct = "".join(f"<qti-value>{escape(v)}</qti-value>" for v in values)
    return (
        f'<qti-response-declaration identifier="RESPONSE" cardinality="{cardinality}" '
        f'base-type="{base}"><qti-correct-response>{correct}</qti-correct-response>{extra}'
        "</qti-response-declaration>"
    )


def _score(value: str) -> str:
    return (
        '<qti-set-outcome-value identifier="SCORE">'
        f'<qti-base-value base-type="float">{value}</qti-base-value></qti-set-outcome-value>'
    )


def _template(which: str) -> str:
    """The rules of a standard response processing template, written out."""
    if which == "match_correct":
        return (
            "<qti-response-condition><qti-response-if><qti-match>"
            '<qti-variable identifier="RESPONSE"/><qti-correct identifier="RESPONSE"/>'
            f"</qti-match>{_score('1')}</qti-response-if>"
            f"<qti-response-else>{_score('0')}</qti-response-else></qti-response-condition>"
        )
    assert which == "map_response"
    return (
        "<qti-response-condition><qti-response-if><qti-is-null>"
        f'<qti-variable identifier="RESPONSE"/></qti-is-null>{_score("0")}</qti-response-if>'
        '<qti-response-else><qti-set-outcome-value identifier="SCORE">'
        '<qti-map-response identifier="RESPONSE"/></qti-set-outcome-value></qti-response-else>'
        "</qti-response-condition>"
    )


def _simple(tag: str, items: list[dict[str, Any]]) -> str:
    return "".join(
        f"<qti-{tag} identifier={quoteattr(i['id'])}>{rich(i['text'])}</qti-{tag}>" for i in items
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
        low, high = value - tolerance, value + tolerance
    else:
        value, tolerance = (body["min"] + body["max"]) / 2, (body["max"] - body["min"]) / 2
        low, high = body["min"], body["max"]
    # No standard template compares within a tolerance: the processing is written out. The
    # tolerance is said twice: as `equal` with an absolute tolerance (what the spec offers,
    # and where our reader finds it exactly) or'd with low <= answer <= high, for players
    # that do not implement tolerance modes (several do not).
    response = '<qti-variable identifier="RESPONSE"/>'
    within = (
        f'<qti-or><qti-equal tolerance-mode="absolute" tolerance="{number(tolerance)} '
        f'{number(tolerance)}">{response}<qti-correct identifier="RESPONSE"/></qti-equal>'
        f'<qti-and><qti-gte>{response}<qti-base-value base-type="float">{number(low)}'
        f"</qti-base-value></qti-gte><qti-lte>{response}"
        f'<qti-base-value base-type="float">{number(high)}</qti-base-value></qti-lte>'
        "</qti-and></qti-or>"
    )
    processing = (
        f"<qti-response-condition><qti-response-if>{within}{_score('1')}</qti-response-if>"
        f"<qti-response-else>{_score('0')}</qti-response-else></qti-response-condition>"
    )
    return (
        _declare("single", "float", [number(value)]),
        '<p><qti-text-entry-interaction response-identifier="RESPONSE"/></p>',
        processing,
    )


def _short_xml(body: dict[str, Any]) -> tuple[str, str, str]:
    # Partial credit is the mapped value; the correct response is a fully right answer.
    answers = [a["text"] for a in body["accepted_answers"] if a.get("credit", 1) >= 1]
    case = "true" if body.get("case_sensitive") else "false"
    entries = "".join(
        f"<qti-map-entry map-key={quoteattr(a['text'])} "
        f'mapped-value="{number(a.get("credit", 1))}" case-sensitive="{case}"/>'
        for a in body["accepted_answers"]
    )
    mapping = f'<qti-mapping default-value="0" upper-bound="1">{entries}</qti-mapping>'
    pattern = f" pattern-mask={quoteattr(body['pattern'])}" if body.get("pattern") else ""
    return (
        _declare("single", "string", answers[:1], mapping),
        f'<p><qti-text-entry-interaction response-identifier="RESPONSE"{pattern}/></p>',
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
            f"{rich(i['text'])}</qti-simple-associable-choice>"
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


def render_package(
    questions: Iterable[Exported], media: Mapping[str, MediaFile] | None = None
) -> bytes:
    """A QTI 3.0 content package: one item file per question, the media they show, and the
    manifest."""
    out = io.BytesIO()
    resources: list[str] = []
    packed: set[str] = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for count, item in enumerate(questions, start=1):
            identifier = f"q{count}"
            href = f"items/{identifier}.xml"
            xml, shown = _with_images(render_item(identifier, item.content), media or {})
            package.writestr(href, xml)
            for file in shown:
                if file.name not in packed:
                    package.writestr(f"items/{MEDIA_DIR}{file.name}", file.data)
                    packed.add(file.name)
            files = "".join(f'<file href="items/{MEDIA_DIR}{f.name}"/>' for f in shown)
            metadata = _lom(item.topic, item.content.get("tags", []))
            resources.append(
                f'<resource identifier="{identifier}" type="imsqti_item_xmlv3p0" '
                f'href="{href}">{metadata}<file href="{href}"/>{files}</resource>'
            )
        package.writestr(
            "imsmanifest.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest xmlns="{CP}" '
            'identifier="studyhall-export"><metadata><schema>QTI Package</schema>'
            "<schemaversion>3.0.0</schemaversion></metadata><organizations/>"
            f"<resources>{''.join(resources)}</resources></manifest>\n",
        )
    return out.getvalue()


MEDIA_DIR = "media/"


def _with_images(xml: str, media: Mapping[str, MediaFile]) -> tuple[str, list[MediaFile]]:
    """The item with each carried image link as an `<img>` beside it in the package. The
    Markdown arrives escaped for XML, and `[`, `]`, `(`, `)`, `!` and `:` survive escaping, so
    the links are found in the item as written."""
    shown: dict[str, MediaFile] = {}

    def image(found: re.Match[str]) -> str:
        file = media.get(found.group(2).lower())
        if file is None:
            return found.group(0)
        shown[file.name] = file
        alt = found.group(1).replace('"', "&quot;")
        return f'<img src="{MEDIA_DIR}{file.name}" alt="{alt}"/>'

    return IMAGE_LINK.sub(image, xml), list(shown.values())


def _lom(topic: list[str], tags: list[str]) -> str:
    """Resource metadata in IEEE LOM, where the package schema allows it: the topic path as a
    classification (one taxon per level), tags as keywords."""
    if not topic and not tags:
        return ""

    def string(text: str) -> str:
        return f"<string>{escape(text)}</string>"

    keywords = "".join(f"<keyword>{string(t)}</keyword>" for t in tags)
    general = f"<general>{keywords}</general>" if keywords else ""
    taxa = "".join(f"<taxon><entry>{string(name)}</entry></taxon>" for name in topic)
    classification = (
        "<classification><purpose><source>LOMv1.0</source><value>discipline</value></purpose>"
        f"<taxonPath><source>{string(TAXONOMY)}</source>{taxa}</taxonPath></classification>"
        if topic
        else ""
    )
    return f'<metadata><lom xmlns="{LOM}">{general}{classification}</lom></metadata>'
