"""Small text helpers shared by the formats: HTML to our Markdown, ids, numbers."""

from __future__ import annotations

import html
import re

from studyhall.bank.render import plain_text, render_markdown
from studyhall.interchange.items import IMPORT_SCHEME

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"""\bsrc\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
_ALT = re.compile(r"""\balt\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
# Where HTML plays or links a file: <audio src>, <video src>, <source src>, <embed src>,
# <object data>, <track src>, and links into the file (`@@PLUGINFILE@@/…`).
_MEDIA_SOURCE = re.compile(
    r"""<(audio|video|source|embed|track|object|a)\b[^>]*?\b(src|data|href)\s*=\s*(?:"|')"""
    r"""([^"']*)""",
    re.IGNORECASE,
)
_BREAK = re.compile(r"<br\s*/?>|</p\s*>|</div\s*>|</li\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t]+")
PLUGINFILE = "@@PLUGINFILE@@/"


def html_to_markdown(
    text: str, images: set[str] | None = None, lost: list[str] | None = None
) -> str:
    """Moodle/QTI HTML as plain Markdown: paragraphs and breaks become new lines, images of
    the file become `![alt](import:name)`, every other tag is dropped and entities decoded.

    `images` names the images the file ships; an image not among them is dropped (our text may
    only show the organisation's own media). What is dropped that way, and audio, video and
    other files the text plays or links to (media holds images only), is described in `lost`
    when it is given, once per file, for the import report.
    """

    def note(why: str) -> None:
        if lost is not None and why not in lost:
            lost.append(why)

    def image(match: re.Match[str]) -> str:
        src = _SRC.search(match.group(0))
        alt = _ALT.search(match.group(0))
        name = html.unescape(src.group(2)) if src else ""
        name = name.removeprefix(PLUGINFILE).split("?")[0]
        if images is None or name not in images:
            note(_missing(name))
            return ""
        label = html.unescape(alt.group(2)) if alt else ""
        return f"![{escape_label(label)}]({IMPORT_SCHEME}{name})"

    if lost is not None:
        for found in _MEDIA_SOURCE.finditer(text):
            raw = html.unescape(found.group(3))
            if found.group(1).lower() == "a" and not raw.startswith(PLUGINFILE):
                continue  # an ordinary web link: its text stays
            source = raw.removeprefix(PLUGINFILE).split("?")[0]
            note(
                f"the file {source!r} (audio, video or another file the text plays or links "
                "to) is left out: media holds images only (PNG, JPEG, GIF, WebP)"
            )
    text = _IMG.sub(image, text)
    text = _BREAK.sub("\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text).replace("\xa0", " ")
    # Spacing in HTML source means nothing: runs of blanks become one, lines are trimmed.
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


# Characters that mean something anywhere in a line of CommonMark (emphasis, code, links,
# images, raw HTML, entities, tables, strikethrough); a backslash makes each literal.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>&|~!])")
# What means something only at the start of a line: headings, quotes, lists, setext rules.
_LIST_NUMBER = re.compile(r"^(\d{1,9})([.)])")


def _missing(name: str) -> str:
    if "://" in name or name.startswith("//"):
        return (
            f"the image at {name} is left out: questions show only this organisation's media, "
            "and the file does not hold it"
        )
    return f"the image {name!r} is left out: it is not in the file"


def plain_to_markdown(text: str) -> str:
    """Plain text as Markdown that shows exactly these characters once rendered (spacing
    aside): `<b> & *x*` stays `<b> & *x*`, not bold text or a dropped tag."""
    lines = []
    for line in _MARKDOWN_INLINE.sub(r"\\\1", text).split("\n"):
        line = line.lstrip()  # leading spaces would make an indented code block
        if found := _LIST_NUMBER.match(line):
            line = f"{found.group(1)}\\{found.group(2)}{line[found.end() :]}"
        elif line[:1] in ("#", "+", "-", "=", ">"):
            line = "\\" + line
        lines.append(line)
    return "\n".join(lines)


def markdown_to_plain(text: str) -> str:
    """What a learner reads of our Markdown, as plain text (for formats that hold only that):
    rendered, then every tag dropped; images (which plain text cannot show) go. Text that
    renders as nothing (a lone `#` is an empty heading) is kept as written."""
    return plain_text(render_markdown(text, "-")).strip() or text.strip()


def escape_label(text: str) -> str:
    return text.replace("[", "").replace("]", "").replace("\n", " ")


def number(value: float) -> str:
    """A float as the shortest text that reads back as the same float (`3`, not `3.0`)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{n}" for n in range(1, count + 1)]
