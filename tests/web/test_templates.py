"""Rules every template keeps, checked on the source of all of them (a page no other test
renders is checked too): no inline script or style (the Content-Security-Policy would block
it), a CSRF token in every form that posts, a label for every field, and text colours that
read at WCAG AA contrast in both themes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

WEB = Path(__file__).parents[2] / "src" / "studyhall" / "web"
TEMPLATES = sorted((WEB / "templates").rglob("*.html"))
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def source(path: Path) -> str:
    """The template with `>` inside Jinja tags made harmless, so tags can be found by regex."""
    return JINJA.sub(lambda m: m.group(0).replace(">", "_").replace("<", "_"), path.read_text())


def names(path: Path) -> str:
    return str(path.relative_to(WEB / "templates"))


def test_templates_are_found() -> None:
    assert len(TEMPLATES) > 30


@pytest.mark.parametrize("path", TEMPLATES, ids=names)
def test_no_inline_script_or_style(path: Path) -> None:
    text = JINJA.sub(" ", path.read_text())  # the HTML alone
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag, f"inline script: {tag}"
    assert "<style" not in text
    assert not re.search(r"\sstyle\s*=", text), "style attribute"
    assert not re.search(r"\son[a-z]+\s*=", text), "event handler attribute"
    assert "javascript:" not in text
    assert not re.search(r"\shx-on", text), "htmx inline handler"


@pytest.mark.parametrize("path", TEMPLATES, ids=names)
def test_every_posting_form_carries_the_csrf_token(path: Path) -> None:
    text = source(path)
    for form in re.findall(r"<form\b[^>]*method=\"post\".*?</form>", text, re.S | re.I):
        assert '"_csrf.html"' in form or 'name="csrf_token"' in form, form[:200]


FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.S)
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset"}


def _labelled(text: str, match: re.Match[str]) -> bool:
    attributes = match.group(2)
    if "aria-label=" in attributes or "aria-labelledby=" in attributes:
        return True
    before = text[: match.start()]
    if before.rfind("<label") > before.rfind("</label>"):
        return True  # inside its label
    found = re.search(r'\sid="([^"]+)"', attributes)
    return bool(found) and f'for="{found.group(1)}"' in text


@pytest.mark.parametrize("path", TEMPLATES, ids=names)
def test_every_field_has_a_label(path: Path) -> None:
    text = source(path)
    for match in FIELD.finditer(text):
        kind = re.search(r'\stype="([^"]+)"', match.group(2))
        if kind and kind.group(1) in UNLABELLED_TYPES:
            continue
        assert _labelled(text, match), f"no label: {match.group(0)[:160]}"


# --- colour contrast ---------------------------------------------------------------------


def _theme(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", block))


def themes() -> dict[str, dict[str, str]]:
    css = (WEB / "static" / "app.css").read_text()
    light = _theme(re.search(r":root \{(.*?)\}", css, re.S).group(1))  # type: ignore[union-attr]
    dark_blocks = re.findall(r':root\[data-theme="(?:system|dark)"\] \{(.*?)\}', css, re.S)
    # The dark theme is written twice (the system's preference, and chosen): the same both.
    assert len(dark_blocks) == 2
    assert _theme(dark_blocks[0]) == _theme(dark_blocks[1])
    return {"light": light, "dark": {**light, **_theme(dark_blocks[0])}}


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# Text colour on the background it is drawn on, as the stylesheet pairs them.
TEXT_PAIRS = [
    ("text", "bg"), ("text", "surface"), ("muted", "bg"), ("muted", "surface"),
    ("accent", "bg"), ("accent", "surface"), ("accent-text", "accent"),
    ("accent", "accent-soft"), ("text", "accent-soft"), ("muted", "accent-soft"),
    ("ok", "ok-soft"), ("ok", "surface"), ("bad", "bad-soft"), ("bad", "surface"),
    ("surface", "bad"), ("warn", "warn-soft"), ("warn", "surface"), ("text", "warn-soft"),
    ("text", "ok-soft"), ("text", "bad-soft"),
]  # fmt: skip


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS, ids=[f"{f}-on-{b}" for f, b in TEXT_PAIRS])
def test_text_contrast_meets_wcag_aa(theme: str, fg: str, bg: str) -> None:
    colours = themes()[theme]
    assert contrast(colours[fg], colours[bg]) >= 4.5


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_focus_ring_and_field_borders_stand_out(theme: str) -> None:
    """WCAG 1.4.11: the focus outline and the borders of inputs (drawn in --muted) need 3:1."""
    colours = themes()[theme]
    for background in ("bg", "surface"):
        assert contrast(colours["focus"], colours[background]) >= 3
        assert contrast(colours["muted"], colours[background]) >= 3


def test_contrast_formula() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


# --- JavaScript per page ------------------------------------------------------------------

SCRIPT_SRC = re.compile(r"<script src=\"\{\{ static\('([^']+)'\) \}\}\"")
JS_BUDGET = 150 * 1024  # the budget for a page


def scripts_of(path: Path) -> list[str]:
    return SCRIPT_SRC.findall(path.read_text())


def test_every_script_is_ours_or_a_locked_npm_library() -> None:
    """Pages load our own js/ files and vendor/ files copied from node_modules by
    scripts/vendor-assets.sh (package-lock.json), never a hand-copied library."""
    vendored = (Path(__file__).parents[2] / "scripts" / "vendor-assets.sh").read_text()
    for path in TEMPLATES:
        for script in scripts_of(path):
            assert script.startswith(("js/", "vendor/")), (names(path), script)
            if script.startswith("vendor/"):
                assert f"$vendor/{script.removeprefix('vendor/')}" in vendored, script


def test_no_page_ships_more_than_150_kb_of_javascript() -> None:
    """Every page loads base.html's scripts plus its own (one template's block)."""
    static = WEB / "static"
    common = scripts_of(WEB / "templates" / "base.html")
    assert "vendor/htmx.min.js" in common
    if not (static / "vendor" / "htmx.min.js").exists():
        pytest.skip("the npm libraries are not installed (make install)")
    shared = sum((static / s).stat().st_size for s in common)
    for path in TEMPLATES:
        own = sum((static / s).stat().st_size for s in scripts_of(path) if s not in common)
        assert shared + own < JS_BUDGET, (names(path), shared + own)
