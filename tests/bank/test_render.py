"""Rendering: CommonMark with tables and code, and nothing executable survives sanitising."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from studyhall.bank.content import QuestionContent
from studyhall.bank.render import (
    TAGS,
    plain_text,
    render_content,
    render_markdown,
    search_text,
)

MEDIA_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"

# OWASP XSS filter-evasion style payloads, as Markdown and as raw HTML inside Markdown.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](https://tracker.example/pixel.png)",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<style>body{background:red}</style>",
    '<div onclick="alert(1)" onmouseover="alert(1)">hover</div>',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1)//<</script>",
    '<img """><script>alert(1)</script>">',
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    "<details open ontoggle=alert(1)>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel=stylesheet href="https://evil.example/x.css">',
    '<code class="language-x" onmouseover="alert(1)">x</code>',
    "<!--<img src=x onerror=alert(1)>-->",
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
]

SAFE_TAGS = TAGS
SAFE_ATTRIBUTES = {"href", "title", "src", "alt", "start", "class", "align", "rel"}


class Markup(HTMLParser):
    """Every tag and attribute of a fragment, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def tags_of(fragment: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Markup()
    parser.feed(fragment)
    parser.close()
    return parser.tags


def assert_harmless(fragment: str, why: str) -> None:
    for tag, attrs in tags_of(fragment):
        assert tag in SAFE_TAGS, f"{why}: <{tag}> in {fragment!r}"
        for name, value in attrs:
            assert name in SAFE_ATTRIBUTES, f"{why}: {name}= in {fragment!r}"
            value = (value or "").strip().lower()
            if name == "href":
                assert value.startswith(("http://", "https://", "mailto:", "/", "#")) or (
                    ":" not in value
                ), f"{why}: href {value!r}"
            if name == "src":
                assert value == f"/api/v1/orgs/acme/media/{MEDIA_ID}", f"{why}: src {value!r}"
            if name == "class":
                assert value.startswith("language-"), f"{why}: class {value!r}"
                assert " " not in value, f"{why}: class {value!r}"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_xss_payload_survives(payload: str) -> None:
    for text in (payload, f"Intro\n\n{payload}\n\nOutro", f"* item {payload}", f"> {payload}"):
        html = render_markdown(text, "acme")
        assert_harmless(html, payload)


@pytest.mark.parametrize("payload", PAYLOADS[:16])
def test_the_check_itself_sees_the_raw_payloads(payload: str) -> None:
    with pytest.raises(AssertionError):
        assert_harmless(payload, "unsanitised")


def test_links_are_kept_with_a_safe_rel() -> None:
    html = render_markdown(
        "[docs](https://spark.apache.org) [mail](mailto:a@example.com) [here](#part)", "acme"
    )
    assert 'href="https://spark.apache.org"' in html
    assert 'href="mailto:a@example.com"' in html
    assert html.count('rel="noopener noreferrer nofollow"') == 3


def test_media_images_point_at_the_organisations_media() -> None:
    html = render_markdown(f'![A *cluster* diagram](media:{MEDIA_ID} "Cluster")', "acme")
    assert html == (
        f'<p><img src="/api/v1/orgs/acme/media/{MEDIA_ID}" alt="A cluster diagram" '
        'title="Cluster"></p>'
    )
    # Another organisation's media URL, a bad id and a foreign image keep only their alt text.
    other = render_markdown(f"<img src=\"/api/v1/orgs/other/media/{MEDIA_ID}\" alt='o'>", "acme")
    assert "src=" not in other
    assert render_markdown("![fake](media:not-a-uuid)", "acme") == "<p>fake</p>"
    assert render_markdown("![pic](https://cdn.example/p.png)", "acme") == "<p>pic</p>"


def test_fenced_code_keeps_its_language_class() -> None:
    html = render_markdown("```python\nif x < 1:\n    print('<b>')\n```", "acme")
    assert html == (
        "<pre><code class=\"language-python\">if x &lt; 1:\n    print('&lt;b&gt;')\n</code></pre>"
    )
    assert 'class="evil"' not in render_markdown('<code class="evil">x</code>', "acme")


def test_tables_render_with_alignment_but_no_style() -> None:
    html = render_markdown("| Stage | Tasks |\n|:--|--:|\n| map | 4 |", "acme")
    assert "<table>" in html
    assert '<th align="left">Stage</th>' in html
    assert '<td align="right">4</td>' in html
    assert "style" not in html


def test_inline_html_that_is_harmless_stays() -> None:
    html = render_markdown("H<sub>2</sub>O is **water**, E=mc<sup>2</sup>", "acme")
    assert html == "<p>H<sub>2</sub>O is <strong>water</strong>, E=mc<sup>2</sup></p>"


def _content(body: dict[str, object]) -> QuestionContent:
    return QuestionContent.model_validate(
        {"stem": "Stem *one*", "explanation": "Because.", "topic_id": "t", "body": body}
    )


def test_rendered_shape_per_type() -> None:
    choice = render_content(_content({"type": "single_choice", "options": [
        {"id": "a", "text": "**A**", "correct": True, "feedback": "Yes <script>x</script>"},
        {"id": "b", "text": "B"}]}), "acme")  # fmt: skip
    assert choice == {
        "stem": "<p>Stem <em>one</em></p>",
        "explanation": "<p>Because.</p>",
        "options": {
            "a": {"text": "<p><strong>A</strong></p>", "feedback": "<p>Yes </p>"},
            "b": {"text": "<p>B</p>", "feedback": None},
        },
    }
    true_false = render_content(
        _content({"type": "true_false", "correct_answer": True, "feedback_true": "Right"}), "acme"
    )
    assert true_false["feedback_true"] == "<p>Right</p>"
    assert true_false["feedback_false"] is None
    assert "options" not in true_false
    ordering = render_content(_content({"type": "ordering", "items": [
        {"id": "1", "text": "first"}, {"id": "2", "text": "second"}]}), "acme")  # fmt: skip
    assert ordering["items"] == {"1": "<p>first</p>", "2": "<p>second</p>"}
    matching = render_content(_content({"type": "matching",
        "premises": [{"id": "p1", "text": "P1"}, {"id": "p2", "text": "P2"}],
        "responses": [{"id": "r1", "text": "R1"}, {"id": "r2", "text": "R2"}],
        "pairs": {"p1": "r1", "p2": "r2"}}), "acme")  # fmt: skip
    assert set(matching) == {"stem", "explanation", "premises", "responses"}
    numeric = render_content(_content({"type": "numeric", "value": 4}), "acme")
    assert set(numeric) == {"stem", "explanation"}
    assert search_text(matching) == "Stem one\nP1\nP2\nR1\nR2\nBecause."


def test_plain_text_decodes_entities() -> None:
    assert plain_text(render_markdown("Fish &amp; *chips* < 3", "acme")) == "Fish & chips < 3"
