"""Question text from Markdown to HTML that is safe to show to anyone.

Authors write CommonMark (with tables, and a little inline HTML such as `<sub>`); markdown-it
renders it and nh3 (ammonia) then keeps only an explicit allow-list of tags and attributes.
The sanitiser is the barrier, not the renderer: whatever reaches it, no script, event handler,
style, frame or foreign image survives, and links only go to http, https or mailto URLs.

Images come only from the organisation's own media: `![alt](media:<uuid>)` becomes
`<img src="/api/v1/orgs/{org}/media/{uuid}">`; any other image source is dropped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, NotRequired
from uuid import UUID

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.texmath import texmath_plugin
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from studyhall.bank.content import (
    Item,
    Matching,
    MultipleResponse,
    Ordering,
    QuestionContent,
    SingleChoice,
    TrueFalse,
)

MEDIA_SCHEME = "media:"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,32}")
_ALIGNMENTS = {"left", "center", "right"}

TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul", "span",
}  # fmt: skip
# Formulas (`\(...\)`, `\[...\]` on its own line) leave here as their LaTeX in a span of one
# of these classes; the page's static/js/math.js typesets them with KaTeX.
MATH_CLASSES = {"math-inline", "math-display"}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "code": {"class"},
    "span": {"class"},
}
# Removed with everything inside them (other unknown tags are removed, their text kept).
CONTENT_DROPPED = {
    "script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math",
    "textarea", "select", "title", "noembed", "noframes", "xmp",
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"


class RenderedOption(TypedDict):
    text: str
    feedback: str | None


class Rendered(TypedDict):
    """Sanitised HTML of every text of a version; keys only for the types that have them."""

    stem: str
    explanation: str
    options: NotRequired[dict[str, RenderedOption]]
    items: NotRequired[dict[str, str]]
    premises: NotRequired[dict[str, str]]
    responses: NotRequired[dict[str, str]]
    feedback_true: NotRequired[str | None]
    feedback_false: NotRequired[str | None]


def media_url(org_slug: str, media_id: UUID | str) -> str:
    return f"/api/v1/orgs/{org_slug}/media/{media_id}"


def _media_id(src: str) -> UUID | None:
    if not src.startswith(MEDIA_SCHEME):
        return None
    try:
        return UUID(src.removeprefix(MEDIA_SCHEME))
    except ValueError:
        return None


def _image(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Our media become their URL; an image from anywhere else is replaced by its alt text."""
    token = tokens[idx]
    media_id = _media_id(str(token.attrGet("src") or ""))
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    if media_id is None:
        return html.escape(alt)
    token.attrSet("src", media_url(env["org_slug"], media_id))
    return renderer.image(tokens, idx, options, env)


def _cell(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Table alignment as `align`, since no `style` attribute survives sanitising."""
    token = tokens[idx]
    style = str(token.attrGet("style") or "")
    if style.startswith("text-align:"):
        token.attrs.pop("style", None)
        token.attrSet("align", style.removeprefix("text-align:"))
    return renderer.renderToken(tokens, idx, options, env)


def _formula(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A formula as its escaped LaTeX, marked for KaTeX in the browser; Markdown leaves its
    `_` and `*` alone."""
    token = tokens[idx]
    latex = html.escape(token.content.strip(), quote=False)
    if token.type == "math_inline":
        return f'<span class="math-inline">{latex}</span>'
    return f'<p><span class="math-display">{latex}</span></p>\n'


@cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.use(texmath_plugin, delimiters="brackets")
    md.add_render_rule("math_inline", _formula)
    md.add_render_rule("math_block", _formula)
    md.add_render_rule("math_block_eqno", _formula)
    md.add_render_rule("image", _image)
    md.add_render_rule("th_open", _cell)
    md.add_render_rule("td_open", _cell)
    return md


def sanitize(fragment: str, org_slug: str) -> str:
    """Keep only the allow-list; images only from this organisation's media URLs."""
    own_media = re.compile(re.escape(media_url(org_slug, "")) + _UUID)

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            return value if own_media.fullmatch(value) else None
        if tag == "span" and attribute == "class":
            return value if value in MATH_CLASSES else None
        if tag == "code" and attribute == "class":
            return value if _LANGUAGE_CLASS.fullmatch(value) else None
        return value

    return nh3.clean(
        fragment,
        tags=TAGS,
        clean_content_tags=CONTENT_DROPPED,
        attributes=ATTRIBUTES,
        attribute_filter=keep,
        tag_attribute_values={"th": {"align": _ALIGNMENTS}, "td": {"align": _ALIGNMENTS}},
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str, org_slug: str) -> str:
    """One Markdown text as sanitised HTML."""
    return sanitize(_markdown().render(text, {"org_slug": org_slug}), org_slug).strip()


def plain_text(fragment: str) -> str:
    """The words of an HTML fragment (for search): every tag removed, entities decoded."""
    return html.unescape(nh3.clean(fragment, tags=set(), clean_content_tags=set())).strip()


def _items(items: list[Item], org_slug: str) -> dict[str, str]:
    return {item.id: render_markdown(item.text, org_slug) for item in items}


def render_content(content: QuestionContent, org_slug: str) -> Rendered:
    """The `rendered` JSON stored on a version: every text of the question as safe HTML."""

    def md(text: str | None) -> str | None:
        return None if text is None else render_markdown(text, org_slug)

    out = Rendered(
        stem=render_markdown(content.stem, org_slug),
        explanation=render_markdown(content.explanation, org_slug),
    )
    body = content.body
    if isinstance(body, SingleChoice | MultipleResponse):
        out["options"] = {
            o.id: RenderedOption(text=render_markdown(o.text, org_slug), feedback=md(o.feedback))
            for o in body.options
        }
    elif isinstance(body, Ordering):
        out["items"] = _items(body.items, org_slug)
    elif isinstance(body, Matching):
        out["premises"] = _items(body.premises, org_slug)
        out["responses"] = _items(body.responses, org_slug)
    elif isinstance(body, TrueFalse):
        out["feedback_true"] = md(body.feedback_true)
        out["feedback_false"] = md(body.feedback_false)
    return out


def search_text(rendered: Mapping[str, Any]) -> str:
    """Plain text for full-text search: stem, every option, item, premise and response, and
    the explanation, one per line."""
    parts = [rendered["stem"]]
    parts += [option["text"] for option in rendered.get("options", {}).values()]
    for key in ("items", "premises", "responses"):
        parts += list(rendered.get(key, {}).values())
    parts.append(rendered["explanation"])
    return "\n".join(text for text in map(plain_text, parts) if text)
