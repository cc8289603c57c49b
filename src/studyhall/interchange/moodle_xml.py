"""Moodle XML: read as a stream (one `<question>` at a time, cleared once read), and write.

Types that map: multichoice (single and multiple), truefalse, shortanswer, numerical (with
tolerance and unit), matching, ordering. Category pseudo-questions set the topic path of the
questions after them. Images embedded as base64 `<file>` elements become media, referred to
from the text. Types we cannot hold (essay, calculated, cloze, drag and drop, ...) are reported
with the reason. Moodle 1.9's `<image>` + `<image_base64>` becomes an image below the stem.
What the text plays or shows that cannot be kept (audio, video, a file the question does not
embed) is a warning on the question. Places are XML paths: `/quiz/question[12]`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from studyhall.interchange.gift import accepted_answer
from studyhall.interchange.items import (
    IMPORT_SCHEME,
    Exported,
    FormatError,
    Parsed,
    Rejected,
    Where,
)
from studyhall.interchange.media_bundle import MEDIA_LINK, MediaFile
from studyhall.interchange.textutil import (
    PLUGINFILE,
    html_to_markdown,
    ids,
    number,
    plain_to_markdown,
)
from studyhall.interchange.xmlsafe import Element, iter_events, local

NOT_HELD = {
    "essay": "essay questions are marked by hand; we hold only automatically marked ones",
    "calculated": "calculated questions draw random values; we hold fixed questions only",
    "calculatedsimple": "calculated questions draw random values; we hold fixed ones only",
    "calculatedmulti": "calculated questions draw random values; we hold fixed ones only",
    "multianswer": "embedded answers (Cloze) hold several questions in one; split them first",
    "description": "a description is not a question",
    "random": "a random question is a placeholder, not a question",
    "randomsamatch": "random short-answer matching draws from other questions",
    "ddwtos": "drag and drop into text is not a type we hold",
    "ddimageortext": "drag and drop onto an image is not a type we hold",
    "ddmarker": "drag and drop markers is not a type we hold",
    "gapselect": "select missing words is not a type we hold",
}


class _Refused(Exception):
    pass


def parse(stream: IO[bytes], filename: str = "questions.xml") -> Iterator[Parsed | Rejected]:
    """The questions of a Moodle XML file, read incrementally: memory stays flat however long
    the file is."""
    depth = 0
    root: Element | None = None
    category: list[str] = []
    position = 0
    for event, element in iter_events(stream, Where(filename)):
        if event == "start":
            depth += 1
            if depth == 1:
                root = element
                if local(element.tag) == "question":
                    raise FormatError(
                        Where(filename, path="/"),
                        "a Moodle XML <question> on its own: Moodle XML needs its <quiz> root "
                        "around the questions (wrap them in <quiz> … </quiz>)",
                    )
                if local(element.tag) != "quiz":
                    raise FormatError(
                        Where(filename, path="/"),
                        f"not Moodle XML: the root is <{local(element.tag)}>, not <quiz>",
                    )
            continue
        depth -= 1
        if depth != 1 or local(element.tag) != "question":
            continue
        position += 1
        where = Where(filename, path=f"/quiz/question[{position}]")
        kind = element.get("type", "")
        try:
            if kind == "category":
                category = _category(element)
            else:
                item = _question(element, kind, where)
                item.category = list(category)
                yield item
        except _Refused as refused:
            yield Rejected(where, str(refused))
        finally:
            assert root is not None
            root.clear()  # what was read is dropped: the tree never grows past one question


def _category(element: Element) -> list[str]:
    from studyhall.interchange.gift import category_path

    return category_path(_text(element.find("category")))


def _text(element: Element | None) -> str:
    if element is None:
        return ""
    found = element.find("text")
    return (found.text or "") if found is not None else (element.text or "")


@dataclass
class _Files:
    """The files a question embeds, and what its text shows that cannot be kept (a warning
    each, for the import report)."""

    names: set[str]
    lost: list[str] = field(default_factory=list)


def _rich(element: Element | None, files: _Files) -> str:
    """A text element's content in our Markdown, whatever its format attribute says."""
    if element is None:
        return ""
    raw = _text(element)
    kind = element.get("format", "html")
    if kind == "markdown":
        return _markdown_images(raw.strip(), files)
    if kind == "plain_text":
        return plain_to_markdown(raw.strip())
    return html_to_markdown(raw, files.names, files.lost)


_MARKDOWN_IMAGE = re.compile(r"!\[((?:[^\]\\]|\\.)*)\]\(" + re.escape(PLUGINFILE) + r"([^)\s]+)\)")


def _markdown_images(text: str, files: _Files) -> str:
    """Markdown (as we write it) shows the question's files as `@@PLUGINFILE@@/<name>`: those
    the question embeds become the import's images; any other is left out, with a warning."""

    def image(found: re.Match[str]) -> str:
        name = found.group(2)
        if name in files.names:
            return f"![{found.group(1)}]({IMPORT_SCHEME}{name})"
        why = f"the image {name!r} is left out: it is not in the file"
        if why not in files.lost:
            files.lost.append(why)
        return found.group(1)

    return _MARKDOWN_IMAGE.sub(image, text)


def _images(element: Element) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for file in element.iter("file"):
        name = file.get("name", "")
        if file.get("encoding", "base64") != "base64" or not name:
            continue
        try:
            found[name] = base64.b64decode((file.text or "").strip(), validate=True)
        except (binascii.Error, ValueError):
            raise _Refused(f"the embedded file {name!r} is not valid base64") from None
    return found


def _fraction(answer: Element) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError:
        raise _Refused(f"an answer's fraction {answer.get('fraction')!r} is not a number") from None


def _question(element: Element, kind: str, where: Where) -> Parsed:
    if kind in NOT_HELD:
        raise _Refused(f"type {kind!r}: {NOT_HELD[kind]}")
    images = _images(element)
    names = _Files(set(images))
    stem = _rich(element.find("questiontext"), names)
    stem = _moodle19_image(element, stem, images, names)
    if not stem:
        raise _Refused("the question has no text")
    builders = {
        "multichoice": _multichoice, "truefalse": _truefalse, "shortanswer": _shortanswer,
        "numerical": _numerical, "matching": _matching, "ordering": _ordering,
    }  # fmt: skip
    if kind not in builders:
        raise _Refused(f"type {kind!r} is not a type we hold")
    body = builders[kind](element, names)
    explanation = _rich(element.find("generalfeedback"), names) or None
    tags = [_text(tag).strip() for tag in element.iterfind("tags/tag")]
    return Parsed(
        where, stem, body, explanation=explanation, tags=[t for t in tags if t],
        images=images, title=_text(element.find("name")).strip() or None,
        warnings=names.lost,
    )  # fmt: skip


def _moodle19_image(element: Element, stem: str, images: dict[str, bytes], files: _Files) -> str:
    """Moodle 1.9 gave a question one picture, `<image>` (its name) and `<image_base64>`
    (its bytes), shown below the text: it becomes an image at the end of the stem. A name
    without the bytes points into the old course's files, which the file does not hold."""
    name = _text(element.find("image")).strip()
    data = "".join((element.findtext("image_base64") or "").split())
    if not name and not data:
        return stem
    if not data:
        files.lost.append(f"the image {name!r} (Moodle 1.9) is left out: it is not in the file")
        return stem
    base = name.replace("\\", "/").rsplit("/", 1)[-1] or "image"
    try:
        images[base] = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise _Refused(f"the image {base!r} (Moodle 1.9) is not valid base64") from None
    return f"{stem}\n\n![]({IMPORT_SCHEME}{base})".strip()


def _flag(element: Element, name: str, default: bool) -> bool:
    found = element.find(name)
    if found is None or found.text is None:
        return default
    return found.text.strip().lower() in ("1", "true", "yes")


def _answers(element: Element, names: _Files) -> list[tuple[float, str, str | None, Element]]:
    return [
        (_fraction(a), _rich(a, names), _rich(a.find("feedback"), names) or None, a)
        for a in element.findall("answer")
    ]


def _multichoice(element: Element, names: _Files) -> dict[str, Any]:
    answers = _answers(element, names)
    single = _flag(element, "single", True)
    best = max((f for f, *_ in answers), default=0.0)
    if best <= 0:
        raise _Refused("no answer has a positive fraction: nothing is right")
    options = [
        {"id": i, "text": text, "correct": (f == best) if single else f > 0, "feedback": fb}
        for i, (f, text, fb, _) in zip(ids("o", len(answers)), answers, strict=True)
    ]
    if single and sum(bool(o["correct"]) for o in options) != 1:
        raise _Refused("a single-answer question with several answers at full marks")
    body: dict[str, Any] = {
        "type": "single_choice" if single else "multiple_response",
        "options": options,
        "shuffle": _flag(element, "shuffleanswers", True),
    }
    if not single:
        body["scoring"] = "partial"
    return body


def _truefalse(element: Element, names: _Files) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "true_false", "correct_answer": None}
    for fraction, text, feedback, _ in _answers(element, names):
        value = text.strip().lower()
        if value not in ("true", "false"):
            raise _Refused(f"a true/false answer reads {text!r}, not true or false")
        body[f"feedback_{value}"] = feedback
        if fraction > 0:
            body["correct_answer"] = value == "true"
    if body["correct_answer"] is None:
        raise _Refused("neither true nor false is marked right")
    return body


def _shortanswer(element: Element, names: _Files) -> dict[str, Any]:
    answers = _answers(element, names)
    # A fraction under 100 is partial credit, kept as such; 0 or less marks a wrong reply.
    accepted = [accepted_answer(text, f) for f, text, _, _ in answers if f > 0]
    if not any(f >= 100 for f, *_ in answers):
        raise _Refused("no answer has full marks")
    return {
        "type": "short_text",
        "accepted_answers": accepted,
        "case_sensitive": _flag(element, "usecase", False),
    }


def _numerical(element: Element, names: _Files) -> dict[str, Any]:
    for fraction, text, _, answer in _answers(element, names):
        if fraction < 100:
            continue
        if text.strip() == "*":
            raise _Refused("a wildcard `*` answer accepts anything")
        try:
            value = float(text)
            tolerance = abs(float(_text(answer.find("tolerance")) or 0))
        except ValueError:
            raise _Refused(f"the answer {text!r} or its tolerance is not a number") from None
        body: dict[str, Any] = {"type": "numeric", "value": value, "tolerance": tolerance}
        for unit in element.iterfind("units/unit"):
            if _text(unit.find("multiplier")).strip() in ("", "1", "1.0"):
                body["unit"] = _text(unit.find("unit_name")).strip() or None
                break
        return body
    raise _Refused("no answer has full marks")


def _matching(element: Element, names: _Files) -> dict[str, Any]:
    premises: list[dict[str, str]] = []
    responses: dict[str, str] = {}
    pairs: dict[str, str] = {}
    for sub in element.findall("subquestion"):
        premise = _rich(sub, names)
        response = _text(sub.find("answer")).strip()
        if not response:
            raise _Refused("a matching pair has no answer")
        response_id = responses.setdefault(response, f"r{len(responses) + 1}")
        if premise:  # an empty premise is a distractor answer
            premise_id = f"p{len(premises) + 1}"
            premises.append({"id": premise_id, "text": premise})
            pairs[premise_id] = response_id
    return {
        "type": "matching",
        "premises": premises,
        "responses": [{"id": i, "text": t} for t, i in responses.items()],
        "pairs": pairs,
        "partial_credit": True,
    }


def _ordering(element: Element, names: _Files) -> dict[str, Any]:
    answers = _answers(element, names)
    # The ordering plugin numbers answers by their right position in `fraction`.
    ordered = sorted(enumerate(answers), key=lambda pair: (pair[1][0], pair[0]))
    return {
        "type": "ordering",
        "items": [
            {"id": i, "text": text}
            for i, (_, (_, text, _, _)) in zip(ids("i", len(ordered)), ordered, strict=True)
        ],
    }


# --- writing ------------------------------------------------------------------------------


def _t(text: str | None) -> str:
    return f"<text>{escape(text or '')}</text>"


def _md(tag: str, text: str | None, **attributes: str) -> str:
    extra = "".join(f" {k}={quoteattr(v)}" for k, v in attributes.items())
    return f'<{tag} format="markdown"{extra}>{_t(text)}</{tag}>'


def render(
    questions: Iterable[Exported], media: Mapping[str, MediaFile] | None = None
) -> Iterator[str]:
    """Moodle XML, piece by piece (a large export never sits in memory whole). Text is written
    in Moodle's `markdown` format, so it reads back exactly. The media a text shows (`media`,
    by id) goes with it as Moodle does: a base64 `<file>` beside the text, which shows it as
    `@@PLUGINFILE@@/<uuid>.<ext>`."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'
    category: list[str] | None = None
    by_name = {item.name: item for item in (media or {}).values()}
    for count, item in enumerate(questions, start=1):
        if item.topic != category:
            category = item.topic
            path = "/".join(p.replace("/", "//") for p in item.topic)
            category_text = _t("$course$/top/" + path)
            yield f'<question type="category"><category>{category_text}</category></question>\n'
        xml = _question_xml(_plugin_links(item, media or {}), count)
        yield (_with_files(xml, by_name) if by_name else xml) + "\n"
    yield "</quiz>\n"


def _plugin_links(item: Exported, media: Mapping[str, MediaFile]) -> Exported:
    def swap(found: re.Match[str]) -> str:
        carried = media.get(found.group(1).lower())
        return f"({PLUGINFILE}{carried.name})" if carried else found.group(0)

    if not media:
        return item
    content = json.loads(MEDIA_LINK.sub(swap, json.dumps(item.content, ensure_ascii=False)))
    return Exported(content, item.topic, item.id)


_TEXT = re.compile(r"<text>(.*?)</text>", re.DOTALL)
_PLUGIN_NAME = re.compile(re.escape(PLUGINFILE) + r"([^)\s\"'<>]+)")


def _with_files(xml: str, by_name: Mapping[str, MediaFile]) -> str:
    """Each file a text shows, as a `<file>` right after that text (Moodle keeps files per
    text area, so an option's image goes with the option)."""

    def add(found: re.Match[str]) -> str:
        names = dict.fromkeys(n for n in _PLUGIN_NAME.findall(found.group(1)) if n in by_name)
        files = "".join(
            f'<file name="{name}" path="/" encoding="base64">'
            f"{base64.b64encode(by_name[name].data).decode()}</file>"
            for name in names
        )
        return found.group(0) + files

    return _TEXT.sub(add, xml)


def _question_xml(item: Exported, count: int) -> str:
    content = item.content
    body = content["body"]
    kind = body["type"]
    moodle, answers = _BODY_WRITERS[kind](body)
    tags = "".join(f"<tag>{_t(tag)}</tag>" for tag in content.get("tags", []))
    return (
        f'<question type="{moodle}"><name>{_t(f"Q{count}")}</name>'
        f"{_md('questiontext', content['stem'])}"
        f"{_md('generalfeedback', content.get('explanation'))}"
        f"<defaultgrade>1</defaultgrade>{answers}<tags>{tags}</tags></question>"
    )


def _answer(fraction: float, text: str, feedback: str | None = None, extra: str = "") -> str:
    return (
        f'<answer fraction="{number(fraction)}" format="markdown">{_t(text)}'
        f"{_md('feedback', feedback)}{extra}</answer>"
    )


def _choice(body: dict[str, Any]) -> tuple[str, str]:
    single = body["type"] == "single_choice"
    right = sum(o["correct"] for o in body["options"])
    share = 100 / right if not single else 100
    answers = "".join(
        _answer(share if o["correct"] else (0 if single else -100), o["text"], o.get("feedback"))
        for o in body["options"]
    )
    flags = (
        f"<single>{'true' if single else 'false'}</single>"
        f"<shuffleanswers>{'true' if body.get('shuffle', True) else 'false'}</shuffleanswers>"
    )
    return "multichoice", flags + answers


def _truefalse_xml(body: dict[str, Any]) -> tuple[str, str]:
    correct = body["correct_answer"]
    return "truefalse", (
        _answer(100 if correct else 0, "true", body.get("feedback_true"))
        + _answer(0 if correct else 100, "false", body.get("feedback_false"))
    )


def _numeric_xml(body: dict[str, Any]) -> tuple[str, str]:
    if body.get("value") is not None:
        value, tolerance = body["value"], body.get("tolerance") or 0.0
    else:  # a range is its midpoint give or take half its width
        value = (body["min"] + body["max"]) / 2
        tolerance = (body["max"] - body["min"]) / 2
    units = ""
    if body.get("unit"):
        unit = f"<unit_name>{escape(body['unit'])}</unit_name>"
        units = f"<units><unit><multiplier>1</multiplier>{unit}</unit></units>"
    return "numerical", _answer(
        100, number(value), extra=f"<tolerance>{number(tolerance)}</tolerance>"
    ) + units


def _short_xml(body: dict[str, Any]) -> tuple[str, str]:
    usecase = f"<usecase>{1 if body.get('case_sensitive') else 0}</usecase>"
    return "shortanswer", usecase + "".join(
        _answer(round(100 * a.get("credit", 1), 5), a["text"]) for a in body["accepted_answers"]
    )


def _matching_xml(body: dict[str, Any]) -> tuple[str, str]:
    texts = {r["id"]: r["text"] for r in body["responses"]}
    used = set(body["pairs"].values())
    pairs = [(p["text"], texts[body["pairs"][p["id"]]]) for p in body["premises"]]
    pairs += [("", r["text"]) for r in body["responses"] if r["id"] not in used]
    subs = [
        f'<subquestion format="markdown">{_t(premise)}<answer>{_t(response)}</answer></subquestion>'
        for premise, response in pairs
    ]
    return "matching", "<shuffleanswers>true</shuffleanswers>" + "".join(subs)


def _ordering_xml(body: dict[str, Any]) -> tuple[str, str]:
    return "ordering", "".join(
        _answer(position, item["text"]) for position, item in enumerate(body["items"], start=1)
    )


_BODY_WRITERS = {
    "single_choice": _choice, "multiple_response": _choice, "true_false": _truefalse_xml,
    "numeric": _numeric_xml, "short_text": _short_xml, "matching": _matching_xml,
    "ordering": _ordering_xml,
}  # fmt: skip
