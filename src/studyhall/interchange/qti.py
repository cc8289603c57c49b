"""IMS QTI 2.1 and 3.0 items and content packages in (writing: `qti_write`).

Both versions are read by one reader: element and attribute names are compared without their
namespace, the `qti-` prefix and dashes (`qti-simple-choice` = `simpleChoice`). Interactions
that map: choice (single, multiple, and two choices `true`/`false` as true/false), text entry
(a number: numeric; text: short text), order, match and inline choice (a single choice whose
stem shows a blank). The right answers come from the response declaration (`correctResponse`,
else the positive entries of its `mapping`); standard response processing templates
(match_correct, map_response, map_response_point) are recognised, other templates refused;
so are template (randomised) items, whose text is drawn when they are played. Feedback is
sorted by `qti_feedback`: per-option where it is tied to one choice, the explanation where
everyone sees it, and otherwise left out with a note for the import report. A package is a
zip with `imsmanifest.xml` whose item resources are read in manifest order; our own exports
add topic and tags to each resource's metadata (namespace `urn:studyhall:interchange`), which
other tools ignore.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from studyhall.interchange.items import (
    IMPORT_SCHEME,
    FormatError,
    Parsed,
    Rejected,
    Where,
)
from studyhall.interchange.qti_feedback import Feedback, sort_feedback
from studyhall.interchange.qti_files import Files, Reading, image, left_out, media_kind
from studyhall.interchange.qti_math import MathRefused, to_latex
from studyhall.interchange.textutil import escape_label
from studyhall.interchange.xmlsafe import Element, local, parse_bytes, squash
from studyhall.interchange.zipsafe import SafeZip

STANDARD_TEMPLATES = {"match_correct", "map_response", "map_response_point"}
SH = "urn:studyhall:interchange"  # topic and tags in packages exported before LOM was used
LOM = "{http://ltsc.ieee.org/xsd/LOM}"
TAXONOMY = "Studyhall topics"  # the LOM taxon path source our exports give the topic under
MAX_TAG = 48
BLANK = "_____"
BLOCK = {"p", "div", "ul", "ol", "li", "table", "tr", "blockquote", "pre", "h1", "h2", "h3"}
# What makes an item a template (a randomised item): its text and key are drawn per attempt,
# so importing the written text would store variable names as the question.
TEMPLATE_PARTS = {"templatedeclaration", "templateprocessing", "printedvariable",
                  "templateblock", "templateinline", "templatecondition"}  # fmt: skip
HELD = {"choiceinteraction", "textentryinteraction", "orderinteraction", "matchinteraction",
        "inlinechoiceinteraction"}  # fmt: skip


# What an author would call the interactions we refuse (by their QTI name, without
# "interaction"), so a refusal says more than a tag name.
WHAT_IT_ASKS = {
    "associate": "pairs within one list", "extendedtext": "an essay",
    "hottext": "picking words in the text", "gapmatch": "dragging words into gaps",
    "hotspot": "clicking on an image", "graphicorder": "ordering spots on an image",
    "graphicassociate": "linking spots on an image", "graphicgapmatch": "labels onto an image",
    "selectpoint": "a point on an image", "positionobject": "placing an object on an image",
    "slider": "a value on a slider", "upload": "a file to hand in", "drawing": "a drawing",
    "media": "playing a recording", "endattempt": "a button that ends the attempt",
    "custom": "a custom widget", "portablecustom": "a custom widget",
}  # fmt: skip


def _words(interaction: Element) -> str:
    """`associateInteraction` / `qti-associate-interaction` -> "associate interaction"."""
    raw = local(interaction.tag).removeprefix("qti-").replace("-", " ")
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", raw).lower()


def described(interaction: Element) -> str:
    """An interaction in an author's words, with its article: "an associate interaction
    (pairs within one list)"."""
    words = _words(interaction)
    article = "an" if words[:1] in ("a", "e", "i", "o", "u") else "a"
    what = WHAT_IT_ASKS.get(name(interaction).removesuffix("interaction"))
    return f"{article} {words}" + (f" ({what})" if what else "")


def name(element: Element) -> str:
    return local(element.tag).lower().removeprefix("qti-").replace("-", "")


def attr(element: Element, wanted: str, default: str = "") -> str:
    key = wanted.lower().replace("-", "")
    for raw, value in element.attrib.items():
        if local(raw).lower().replace("-", "") == key:
            return value
    return default


def children(element: Element, wanted: str) -> list[Element]:
    return [child for child in element if name(child) == wanted]


def descendants(element: Element, wanted: str) -> list[Element]:
    return [child for child in element.iter() if name(child) == wanted]


def first(element: Element, wanted: str) -> Element | None:
    found = descendants(element, wanted)
    return found[0] if found else None


class _Refused(Exception):
    pass


# --- reading ------------------------------------------------------------------------------


def parse_item(
    data: bytes,
    where: Where,
    *,
    files: Mapping[str, bytes] | Files | None = None,
    category: list[str] | None = None,
    tags: list[str] | None = None,
) -> Parsed | Rejected:
    """One assessment item; `files` are the files it can refer to (images, passages), by
    their path relative to it."""
    root = parse_bytes(data, where)
    if name(root) != "assessmentitem":
        what = local(root.tag)
        advice = (
            "import the package that uses it"
            if name(root) in ("assessmentstimulus", "assessmenttest", "assessmentsection")
            else "check that this is the file you meant"
        )
        return Rejected(
            where,
            f"this file is a {what}, not a QTI item (assessmentItem or qti-assessment-item): "
            + advice,
        )
    try:
        item = _item(root, where, Reading(Files.of(files)))
    except _Refused as refused:
        return Rejected(where, str(refused))
    item.category = list(category or [])
    item.tags = list(tags or [])
    return item


def _item(root: Element, where: Where, reading: Reading) -> Parsed:
    _check_template(root)
    body = first(root, "itembody")
    if body is None:
        raise _Refused("the item has no item body: there is no question to show")
    interactions = [e for e in body.iter() if name(e).endswith("interaction")]
    if not interactions:
        raise _Refused("the item has no interaction (nothing to answer): it is text only")
    if len(interactions) > 1:
        named = [described(e) for e in interactions]
        listed = ", ".join(named[:-1]) + " and " + named[-1]
        raise _Refused(
            f"the item asks for {len(named)} answers ({listed}); a Studyhall question takes "
            "one: split it into one item per interaction"
        )
    interaction = interactions[0]
    kind = name(interaction)
    if kind not in HELD:
        raise _Refused(f"{described(interaction)} is not a question type Studyhall holds")
    _check_processing(root)
    declaration = _declaration(root, interaction)
    stem = _text(body, reading, interaction).strip()
    stem = "\n\n".join([*_passages(root, reading), stem]).strip()
    if not stem:
        raise _Refused("the item has no text")
    builder = {
        "choiceinteraction": _choice, "textentryinteraction": _text_entry,
        "orderinteraction": _order, "matchinteraction": _match,
        "inlinechoiceinteraction": _inline_choice,
    }[kind]  # fmt: skip
    answers = builder(interaction, declaration, root, reading)
    feedback = sort_feedback(root, interaction, lambda e: _text(e, reading, None), name, attr)
    notes = _place_feedback(answers, feedback, interaction)
    return Parsed(
        where, stem, answers, explanation=feedback.explanation, images=reading.images,
        title=attr(root, "title") or None, warnings=[*reading.notes, *notes],
    )  # fmt: skip


def _place_feedback(body: dict[str, Any], feedback: Feedback, interaction: Element) -> list[str]:
    """Per-choice feedback onto the options it belongs to; what cannot be held, as a note."""
    left_out = list(feedback.left_out)
    per_choice = dict(feedback.per_choice)
    if body["type"] == "true_false":
        for identifier, text in per_choice.items():
            body[f"feedback_{identifier.lower()}"] = text
        per_choice = {}
    elif "options" in body:
        wanted = (
            "inlinechoice" if name(interaction) == "inlinechoiceinteraction" else "simplechoice"
        )
        ids = [attr(c, "identifier") for c in descendants(interaction, wanted)]
        for identifier, option in zip(ids, body["options"], strict=True):
            if identifier in per_choice:
                option["feedback"] = per_choice.pop(identifier)
    left_out += per_choice  # per-answer feedback on a type without options
    if not left_out:
        return []
    shown = ", ".join(repr(i) for i in dict.fromkeys(left_out))
    return [
        f"conditional feedback left out: {shown} (shown only for some answers and not tied to "
        "one option; we keep per-option feedback and an explanation everyone sees)"
    ]


def _check_template(root: Element) -> None:
    found = [local(e.tag) for e in root.iter() if name(e) in TEMPLATE_PARTS]
    found += [
        f"{local(e.tag)} templateIdentifier" for e in root.iter() if attr(e, "templateIdentifier")
    ]
    if found:
        shown = ", ".join(dict.fromkeys(found))
        raise _Refused(
            "randomised template item: not supported yet (it uses "
            f"{shown}); its numbers are drawn when it is played, so import it once templates "
            "are supported, or write one version of it by hand"
        )


def _check_processing(root: Element) -> None:
    for processing in descendants(root, "responseprocessing"):
        template = attr(processing, "template") or attr(processing, "templateLocation")
        if not template:
            continue  # written out: the declaration's correct response still says what is right
        base = posixpath.basename(template.rstrip("/")).removesuffix(".xml")
        if base not in STANDARD_TEMPLATES:
            raise _Refused(
                f"the item scores answers with the response processing template {template!r}, "
                "which is not a standard one (match_correct, map_response, map_response_point)"
            )


def _declaration(root: Element, interaction: Element) -> Element:
    identifier = attr(interaction, "responseIdentifier")
    for declaration in descendants(root, "responsedeclaration"):
        if attr(declaration, "identifier") == identifier:
            return declaration
    raise _Refused(
        f"the {_words(interaction)} answers to {identifier!r}, but the item declares no "
        f"response {identifier!r}: we cannot tell what is right"
    )


def _correct(declaration: Element, *, with_mapping: bool = False) -> list[str]:
    """The correct response's values; the mapping's positive keys too when there is no
    correct response, or when asked (text entry: every key that scores is an answer)."""
    correct = first(declaration, "correctresponse")
    values = [squash(v.text) for v in descendants(correct, "value")] if correct is not None else []
    mapping = first(declaration, "mapping")
    if mapping is not None and (with_mapping or not values):
        values += [
            attr(entry, "mapKey")
            for entry in descendants(mapping, "mapentry")
            if _float(attr(entry, "mappedValue", "0")) > 0
        ]
    values = list(dict.fromkeys(values))
    if not values:
        raise _Refused("the response declaration gives no correct response and no mapping")
    return values


def _credited(values: list[str], declaration: Element) -> list[dict[str, Any]]:
    """Accepted answers with their share of the marks. map_response scores a reply by its
    mapped value, so a key mapped to half the top value is worth half the marks (never full
    credit); the correct response's own values are fully right."""
    correct = first(declaration, "correctresponse")
    right = (
        {squash(v.text) for v in descendants(correct, "value")} if correct is not None else set()
    )
    mapping = first(declaration, "mapping")
    mapped = {
        attr(e, "mapKey"): _float(attr(e, "mappedValue", "0"))
        for e in (descendants(mapping, "mapentry") if mapping is not None else [])
    }
    top = max([v for k, v in mapped.items() if k in right or v > 0] or [1.0])
    out: list[dict[str, Any]] = []
    for value in values:
        credit = 1.0 if value in right or top <= 0 else min(1.0, mapped.get(value, top) / top)
        out.append({"text": value} if credit >= 1 else {"text": value, "credit": round(credit, 4)})
    return out


def _float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def _text(element: Element, reading: Reading, skip: Element | None) -> str:
    """An element's content as Markdown-ish text: blocks on their own lines, inline
    interactions as a blank, block interactions as their prompt, images of the package kept."""
    parts: list[str] = [_flat(element.text)]
    for child in element:
        kind = name(child)
        inline = kind in ("textentryinteraction", "inlinechoiceinteraction")
        # A blank where the answer goes in a sentence; an interaction alone (in the body, or
        # alone in its paragraph) is the answer box under the question, not a gap in it.
        alone = len(element) == 1 and not (element.text or "").strip() + (child.tail or "").strip()
        if child is skip and inline and name(element) != "itembody" and not alone:
            parts.append(BLANK)
        elif child is skip or kind.endswith("interaction"):
            prompt = first(child, "prompt")
            if prompt is not None:
                parts.append("\n\n" + _text(prompt, reading, None) + "\n\n")
        elif kind in ("feedbackinline", "feedbackblock", "rubricblock"):
            pass
        elif kind == "math":
            try:
                parts.append(to_latex(child))
            except MathRefused as refused:
                raise _Refused(str(refused)) from None
        elif kind == "img":
            parts.append(_image(child, reading))
        elif kind == "object":
            parts.append(_object(child, reading))
        elif kind == "include":  # XInclude of shared content
            passage = _passage_root(attr(child, "href"), reading, "includes")
            inner = _text(passage, reading.within(attr(child, "href")), None)
            parts.append(f"\n\n{inner}\n\n")
        elif kind in ("audio", "video"):
            _audio_or_video(child, reading)
        elif kind == "br":
            parts.append("\n")
        else:
            inner = _text(child, reading, skip)
            parts.append(f"\n\n{inner}\n\n" if kind in BLOCK else inner)
        parts.append(_flat(child.tail))
    text = "".join(parts)
    text = re.sub(r" +", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text)


def _flat(text: str | None) -> str:
    """Source text as HTML shows it: any run of white space is one space."""
    return re.sub(r"\s+", " ", text or "")


def _image(element: Element, reading: Reading) -> str:
    return image(reading, attr(element, "src"), attr(element, "alt"), IMPORT_SCHEME, escape_label)


def _object(element: Element, reading: Reading) -> str:
    """An `<object>`: a shared passage, an image, audio or video (left out, with a note), or
    else its fallback content."""
    if _is_passage(element):
        return "\n\n" + _shared_object(element, reading) + "\n\n"
    source = attr(element, "data")
    kind = media_kind(attr(element, "type"), source)
    if kind == "image":
        return image(reading, source, squash(_text(element, reading, None)), IMPORT_SCHEME,
                     escape_label)  # fmt: skip
    if kind is not None:
        left_out(reading, kind, source)
        return ""
    return _text(element, reading, None)


def _audio_or_video(element: Element, reading: Reading) -> None:
    sources = [attr(element, "src")] + [attr(s, "src") for s in children(element, "source")]
    left_out(reading, name(element), next((s for s in sources if s), "(no source)"))


def _choices(interaction: Element, wanted: str, reading: Reading) -> list[tuple[str, str]]:
    return [
        (attr(c, "identifier"), squash(_text(c, reading, None)))
        for c in descendants(interaction, wanted)
    ]


def _choice(
    interaction: Element, declaration: Element, root: Element, reading: Reading
) -> dict[str, Any]:
    choices = _choices(interaction, "simplechoice", reading)
    right = set(_correct(declaration))
    multiple = attr(declaration, "cardinality") == "multiple" or attr(
        interaction, "maxChoices", "1"
    ) not in ("1",)
    if {c.lower() for c, _ in choices} == {"true", "false"} and not multiple and len(right) == 1:
        return {"type": "true_false", "correct_answer": next(iter(right)).lower() == "true"}
    options = [
        {"id": _id(identifier, n), "text": text, "correct": identifier in right}
        for n, (identifier, text) in enumerate(choices, start=1)
    ]
    if multiple:
        return {"type": "multiple_response", "options": options,
                "shuffle": attr(interaction, "shuffle") == "true"}  # fmt: skip
    if sum(bool(o["correct"]) for o in options) != 1:
        raise _Refused("a single-choice interaction needs exactly one correct choice")
    return {"type": "single_choice", "options": options,
            "shuffle": attr(interaction, "shuffle") == "true"}  # fmt: skip


def _id(identifier: str, position: int) -> str:
    return identifier if re.fullmatch(r"[A-Za-z0-9_-]{1,32}", identifier) else f"c{position}"


def _text_entry(
    interaction: Element, declaration: Element, root: Element, reading: Reading
) -> dict[str, Any]:
    values = _correct(declaration, with_mapping=True)
    if attr(declaration, "baseType") in ("float", "integer"):
        try:
            value = float(values[0])
        except ValueError:
            raise _Refused(f"the correct response {values[0]!r} is not a number") from None
        tolerance = 0.0
        for equal in descendants(root, "equal"):
            if spec := attr(equal, "tolerance"):
                tolerance = abs(_float(spec.split()[0]))
        return {"type": "numeric", "value": value, "tolerance": tolerance}
    mapping = first(declaration, "mapping")
    case_sensitive = False
    if mapping is not None:
        case_sensitive = any(
            attr(e, "caseSensitive") == "true" for e in descendants(mapping, "mapentry")
        )
    body: dict[str, Any] = {
        "type": "short_text",
        "accepted_answers": _credited(values, declaration),
        "case_sensitive": case_sensitive,
    }
    if pattern := attr(interaction, "patternMask"):
        body["pattern"] = pattern
    return body


def _order(
    interaction: Element, declaration: Element, root: Element, reading: Reading
) -> dict[str, Any]:
    texts = dict(_choices(interaction, "simplechoice", reading))
    order = _correct(declaration)
    if set(order) != set(texts):
        raise _Refused("the correct order does not list every choice exactly once")
    return {
        "type": "ordering",
        "items": [
            {"id": _id(identifier, n), "text": texts[identifier]}
            for n, identifier in enumerate(order, start=1)
        ],
    }


def _match(
    interaction: Element, declaration: Element, root: Element, reading: Reading
) -> dict[str, Any]:
    sets = descendants(interaction, "simplematchset")
    if len(sets) != 2:
        raise _Refused("a match interaction needs two sets of choices")
    premises = _choices(sets[0], "simpleassociablechoice", reading)
    responses = _choices(sets[1], "simpleassociablechoice", reading)
    pairs: dict[str, str] = {}
    for value in _correct(declaration):
        left, _, right = value.partition(" ")
        pairs[left] = right.strip()
    return {
        "type": "matching",
        "premises": [{"id": _id(i, n), "text": t} for n, (i, t) in enumerate(premises, 1)],
        "responses": [{"id": _id(i, n), "text": t} for n, (i, t) in enumerate(responses, 1)],
        "pairs": pairs,
    }


def _inline_choice(
    interaction: Element, declaration: Element, root: Element, reading: Reading
) -> dict[str, Any]:
    choices = _choices(interaction, "inlinechoice", reading)
    right = set(_correct(declaration))
    options = [
        {"id": _id(i, n), "text": t, "correct": i in right}
        for n, (i, t) in enumerate(choices, start=1)
    ]
    if sum(bool(o["correct"]) for o in options) != 1:
        raise _Refused("an inline choice needs exactly one correct choice")
    return {"type": "single_choice", "options": options}


def parse_package(data: bytes, filename: str) -> Iterator[Parsed | Rejected]:
    """The items of a content package, in manifest order."""
    package = SafeZip(data, filename)
    if "imsmanifest.xml" not in package.names:
        yield from _loose_items(package, filename)
        return
    manifest = parse_bytes(package.read("imsmanifest.xml"), Where(filename, path="imsmanifest.xml"))
    for resource in descendants(manifest, "resource"):
        kind = attr(resource, "type")
        if not kind.startswith("imsqti_item"):
            continue
        href = attr(resource, "href")
        where = Where(filename, path=href)
        if href not in package.names:
            yield Rejected(where, "the manifest names an item file the package does not hold")
            continue
        files = Files(_reader(package), posixpath.dirname(href))
        category, tags = _metadata(resource)
        yield parse_item(package.read(href), where, files=files, category=category, tags=tags)


def _loose_items(package: SafeZip, filename: str) -> Iterator[Parsed | Rejected]:
    """A zip without manifest: each XML file that is an assessment item, in name order, with
    the files beside it (its images)."""
    found = False
    for path in sorted(n for n in package.names if n.lower().endswith(".xml")):
        data = package.read(path)
        if not re.search(rb"<(\w+:)?(qti-assessment-item|assessmentItem)[\s>]", data[:4096]):
            continue
        found = True
        files = Files(_reader(package), posixpath.dirname(path))
        yield parse_item(data, Where(filename, path=path), files=files)
    if not found:
        raise FormatError(
            Where(filename), "the zip holds no imsmanifest.xml and no QTI item (.xml) either"
        )


def _metadata(resource: Element) -> tuple[list[str], list[str]]:
    """Topic path and tags: LOM (a taxon path under our taxonomy; keywords), else our older
    own namespace."""
    category: list[str] = []
    for path in resource.iter(f"{LOM}taxonPath"):
        source = path.find(f"{LOM}source/{LOM}string")
        if source is not None and squash(source.text) == TAXONOMY:
            category = [squash(s.text) for s in path.iterfind(f"{LOM}taxon/{LOM}entry/{LOM}string")]
    keywords = [squash(s.text) for s in resource.iterfind(f".//{LOM}keyword/{LOM}string")]
    tags = [t for t in keywords if t and len(t) <= MAX_TAG]  # longer ones are no tags
    category = category or [squash(t.text) for t in resource.iter(f"{{{SH}}}topic")]
    tags = tags or [squash(t.text) for t in resource.iter(f"{{{SH}}}tag")]
    return category, tags


def _reader(package: SafeZip) -> Callable[[str], bytes | None]:
    def read(path: str) -> bytes | None:
        return package.read(path) if path in package.names else None

    return read


# --- shared passages ----------------------------------------------------------------------

PASSAGE_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml")
PASSAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".xml")


def _passages(root: Element, reading: Reading) -> list[str]:
    """The text of each stimulus the item refers to (QTI 3 qti-assessment-stimulus-ref, QTI
    2.2 assessmentStimulusRef), its title in bold, to stand before the item's own text."""
    found = []
    for ref in descendants(root, "assessmentstimulusref"):
        href = attr(ref, "href")
        stimulus = _passage_root(href, reading, "reads")
        title = attr(stimulus, "title") or attr(ref, "title")
        body = first(stimulus, "stimulusbody")
        text = _text(body if body is not None else stimulus, reading.within(href), None).strip()
        heading = f"**{escape_label(squash(title))}**\n\n" if squash(title) else ""
        found.append(heading + text)
    return found


def _is_passage(element: Element) -> bool:
    kind = attr(element, "type").split(";")[0].strip().lower()
    data = attr(element, "data").lower().split("?")[0]
    return kind in PASSAGE_TYPES or (not kind and data.endswith(PASSAGE_SUFFIXES))


def _shared_object(element: Element, reading: Reading) -> str:
    """A shared text (`<object data="passage.html" type="text/html">`) as part of the text."""
    href = attr(element, "data")
    passage = _passage_root(href, reading, "shows")
    body = first(passage, "body")
    return _text(body if body is not None else passage, reading.within(href), None).strip()


def _passage_root(href: str, reading: Reading, verb: str) -> Element:
    data = reading.files.get(href)
    if data is None:
        raise _Refused(
            f"the item {verb} a shared passage ({href!r}) that this file does not hold: "
            "import the whole package"
        )
    try:
        return parse_bytes(data, Where(href))
    except FormatError as exc:
        raise _Refused(
            f"the shared passage {href!r} cannot be read ({exc.reason}); save it as XHTML"
        ) from None
