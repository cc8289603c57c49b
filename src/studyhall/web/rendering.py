"""Pages: the Jinja2 environment, the security headers every page carries, static URLs."""

from __future__ import annotations

import hashlib
import math
import re
import zoneinfo
from datetime import UTC, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from studyhall.exams import progress
from studyhall.exams.attempts import minutes_left
from studyhall.exams.models import Track
from studyhall.web import csrf
from studyhall.web.nav import section_of

STATIC_DIR = Path(__file__).parent / "static"
THEME_COOKIE = "studyhall_theme"
THEMES = ("system", "light", "dark")
TZ_COOKIE = "studyhall_tz"

# Pages load scripts and styles from our own origin only: no inline script or style, no eval.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@cache
def static_url(path: str) -> str:
    """`/static/<path>?v=<content hash>`: the URL changes with the file, so it can be cached
    for a year."""
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]
    return f"/static/{path}?v={digest}"


env = Environment(
    loader=PackageLoader("studyhall.web", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
env.globals["static"] = static_url


def _trusted_html(value: str) -> Markup:
    """HTML the bank already sanitised (rendered Markdown); never user input as typed."""
    return Markup(value)  # noqa: S704 (sanitised by bank.render with nh3 when stored)


env.filters["trusted_html"] = _trusted_html


def _number(value: object) -> str:
    """A number as a person writes it: 5 rather than 5.0, 0.25 rather than 2.5e-01."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


env.filters["number"] = _number


def _duration(milliseconds: int) -> str:
    """A time spent, as a person says it: "7 s", "1 min 20 s", "1 h 2 min"."""
    seconds = max(0, int(milliseconds)) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    return f"{seconds} s"


env.filters["duration"] = _duration
env.filters["minutes_left"] = minutes_left


def pass_mark(track: Track) -> str:
    """The pass mark in the one unit every page uses, percent, with the scale's own figure
    beside it where the track reports a scaled score ("pass mark 67% (700 on the 100 to 1000
    scale)"); percent tracks show their mark as set."""
    if track.scoring_kind == "scaled" and track.scaled_min is not None and track.scaled_max:
        whole = math.floor(progress.passing_percent(track) + 0.5)
        scale = f"{_number(track.scaled_min)}\u2013{_number(track.scaled_max)}"
        return f"pass mark {whole}% ({_number(track.passing_score)} on the {scale} scale)"
    return f"pass mark {_number(track.passing_score)}%"


env.globals["pass_mark"] = pass_mark
# Attempt modes as people name them (the API's values are identifiers).
env.globals["mode_labels"] = {
    "simulation": "Simulation",
    "practice": "Practice",
    "drill": "Topic drill",
    "mistakes": "Mistakes retry",
    "custom": "Custom set",
    "review": "Review session",
}


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone_of(request: Request) -> tzinfo:
    """The learner's time zone: the browser's, which `js/timezone.js` keeps in a cookie
    (there is no profile setting yet); UTC until the browser has told it, or when it names no
    zone we know. Pages say which zone a time is in, so UTC is never mistaken for local."""
    name = request.cookies.get(TZ_COOKIE, "")
    if name and name in _zones():
        return zoneinfo.ZoneInfo(name)
    return UTC


@pass_context
def _local_time(
    context: Context, value: datetime, date_only: bool = False, seconds: bool = False
) -> str:
    """A time as the page's reader lives it: "23 Nov 2026 14:30 IST" (with seconds where a
    log needs them), or the date alone."""
    local = value.astimezone(context.get("tz") or UTC)
    if date_only:
        return f"{local.day} {local:%b %Y}"
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return f"{local:%d %b %Y {clock}} {local.tzname() or 'UTC'}"


env.filters["local_time"] = _local_time


def _code_spans(text: str) -> Markup:
    """Plain text whose `backticked` names (an API's message) are shown as code, not as
    Markdown's backticks; everything else escaped."""
    escaped = str(escape(text))
    return Markup(re.sub(r"`([^`<>]+)`", r"<code>\1</code>", escaped))  # noqa: S704 (escaped)


env.filters["code_spans"] = _code_spans


def _email_breaks(email: str) -> Markup:
    """An address that may wrap only before its @ and after its dots, never mid-word or at a
    hyphen (which would read as a hyphenation): a phone's member card is narrower than a long
    address. The parts between are kept whole; the text copied is the address unchanged."""
    parts = re.split(r"(?<=\.)|(?=@)", email)
    spans = "<wbr>".join(f'<span class="nobr">{escape(p)}</span>' for p in parts if p)
    return Markup(spans)  # noqa: S704 (every part escaped)


env.filters["email_breaks"] = _email_breaks


def theme_of(request: Request) -> str:
    chosen = request.cookies.get(THEME_COOKIE, "system")
    return chosen if chosen in THEMES else "system"


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """A page with the CSRF token, theme and who is signed in filled in."""
    values.setdefault("user", getattr(request.state, "page_user", None))
    values.setdefault("org", getattr(request.state, "page_org", None))
    values.setdefault("can", getattr(request.state, "page_permissions", frozenset()))
    html = env.get_template(template).render(
        request=request,
        csrf_token=csrf.page_token(request),
        theme=theme_of(request),
        tz=zone_of(request),
        path=request.url.path,
        nav=section_of(getattr(request.scope.get("route"), "path", None)),
        **values,
    )
    response = HTMLResponse(html, status_code=status_code)
    secure_page(request, response)
    return response


def secure_page(request: Request, response: Any) -> None:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-store"
    made = getattr(request.state, "new_csrf_cookie", None)
    if made is not None:
        response.set_cookie(
            csrf.CSRF_COOKIE,
            made,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.is_production,
            path="/",
        )
