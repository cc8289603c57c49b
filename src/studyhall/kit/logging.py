"""JSON logs, one line per event, each carrying the request id; no secrets and no PII.

Redaction is structural (keys that name secrets or personal data are dropped) and textual
(anything shaped like an email address or one of our tokens is masked in every string), so a
careless `log.info("...", user=payload)` cannot leak a password.
"""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar
from typing import Any

import structlog
from structlog.types import EventDict, Processor

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

SENSITIVE_KEYS = frozenset(
    {
        "password",
        "new_password",
        "token",
        "secret",
        "api_key",
        "authorization",
        "cookie",
        "email",
        "set-cookie",
        "session",
        "client_ip",
        "ip",
    }
)
# A key containing one of these words is a secret whatever its prefix (`old_password`,
# `invite_token`, `x-api-key`, `user_email`).
SENSITIVE_WORDS = (
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "authorization",
    "cookie",
    "email",
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_TOKEN = re.compile(r"\bsh[a-z]?_[A-Za-z0-9_-]{16,}")
_BEARER = re.compile(r"(?i)bearer\s+\S+")


def current_request_id() -> str | None:
    return _request_id.get()


def bind_request_id(request_id: str | None) -> object:
    return _request_id.set(request_id)


def reset_request_id(token: Any) -> None:
    _request_id.reset(token)


def scrub(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _TOKEN.sub("[token]", text)
    return _BEARER.sub("Bearer [token]", text)


def is_sensitive_key(key: object) -> bool:
    name = str(key).lower().replace("-", "_")
    return name in SENSITIVE_KEYS or any(word in name for word in SENSITIVE_WORDS)


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {
            k: "[redacted]" if is_sensitive_key(k) else _scrub_value(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub_value(v) for v in value]
    return value


def redact(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    for key in list(event_dict):
        if is_sensitive_key(key):
            event_dict[key] = "[redacted]"
        elif key != "exception":
            event_dict[key] = _scrub_value(event_dict[key])
    if isinstance(event_dict.get("exception"), str):
        event_dict["exception"] = scrub(event_dict["exception"])
    return event_dict


def add_request_id(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    if (request_id := _request_id.get()) is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    """Route structlog and the standard library (uvicorn, alembic) through one JSON renderer."""
    shared: list[Processor] = [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_request_id,
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        # Below the configured level an event is dropped before any processor runs (the
        # request log line is written on every request).
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Our middleware logs each request (with the route template, never the raw path, which
    # may hold a token); uvicorn's own access log would repeat it with the client address.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
