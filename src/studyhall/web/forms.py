"""Reading HTML forms and turning validation failures into messages beside their fields.

Pydantic's messages are written for programmers ("List should have at least 1 item after
validation, not 0", "Input should be a valid UUID"), and some services' field messages are
terse API text ("give exactly one topic, or a tag"). Every form page says the same in words
for a person through `person_message` (a validation error, by its type) and `person_text` (a
message that comes as text only, in a service's problem).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request

from studyhall.kit.errors import Problem


async def form_of(request: Request) -> dict[str, str]:
    """The form's text fields (the last value of each; lists are read with `form_lists`)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def form_lists(request: Request) -> dict[str, list[str]]:
    form = await request.form()
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


# What a list field holds, for "Give at least 2 options."
NOUNS = {
    "options": "options", "items": "items", "premises": "premises", "responses": "responses",
    "accepted_answers": "accepted answers", "scopes": "scopes", "event_types": "event types",
    "topics": "topics", "topic_ids": "topics", "tags": "tags", "pairs": "pairs",
}  # fmt: skip
FILL_IN = "Fill this in."
CHOOSE = "Choose one from the list."
WHOLE_NUMBER = "Write a whole number, such as 10."
NUMBER = "Write a number, such as 4.5."
EMAIL = "Write an email address, such as name@example.com."
WEB_ADDRESS = "Write a full web address, such as https://example.com/hook."
SLUG = "Use lower-case letters, digits and dashes."
DATE = "Write a date, such as 2027-03-14."


def _n(value: Any) -> str:
    """A bound as a person writes it: 0 rather than 0.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# By pydantic's error type: the message, from the error's context (`ctx`) and list noun.
_BY_TYPE: dict[str, Callable[[Mapping[str, Any], str | None], str]] = {
    "missing": lambda c, n: FILL_IN,
    "string_too_short": lambda c, n: (
        FILL_IN if c.get("min_length", 1) <= 1 else f"Write at least {c['min_length']} characters."
    ),
    "string_too_long": lambda c, n: f"Write at most {c.get('max_length')} characters.",
    "too_short": lambda c, n: (
        f"Choose at least one{' of the ' + n if n else ''}." if c.get("min_length", 1) <= 1
        else f"Give at least {c.get('min_length')} {n or 'values'}."
    ),
    "too_long": lambda c, n: f"Give at most {c.get('max_length')} {n or 'values'}.",
    "uuid_parsing": lambda c, n: CHOOSE,
    "uuid_type": lambda c, n: CHOOSE,
    "uuid_version": lambda c, n: CHOOSE,
    "int_parsing": lambda c, n: WHOLE_NUMBER,
    "int_type": lambda c, n: WHOLE_NUMBER,
    "int_from_float": lambda c, n: WHOLE_NUMBER,
    "float_parsing": lambda c, n: NUMBER,
    "float_type": lambda c, n: NUMBER,
    "finite_number": lambda c, n: NUMBER,
    "greater_than_equal": lambda c, n: f"Use {_n(c.get('ge'))} or more.",
    "greater_than": lambda c, n: f"Use more than {_n(c.get('gt'))}.",
    "less_than_equal": lambda c, n: f"Use {_n(c.get('le'))} or less.",
    "less_than": lambda c, n: f"Use less than {_n(c.get('lt'))}.",
    "enum": lambda c, n: "Choose one of the choices offered.",
    "literal_error": lambda c, n: "Choose one of the choices offered.",
    "bool_parsing": lambda c, n: "Choose yes or no.",
    "bool_type": lambda c, n: "Choose yes or no.",
    "url_parsing": lambda c, n: WEB_ADDRESS,
    "url_scheme": lambda c, n: WEB_ADDRESS,
    "url_type": lambda c, n: WEB_ADDRESS,
    "url_too_long": lambda c, n: "This web address is too long.",
    "date_parsing": lambda c, n: DATE,
    "date_from_datetime_parsing": lambda c, n: DATE,
    "date_type": lambda c, n: DATE,
}  # fmt: skip
# Messages that arrive as text only (a service's problem): pydantic's wording and the API's.
_BY_TEXT: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^Field required"), lambda m: FILL_IN),
    (re.compile(r"^String should have at least 1 character"), lambda m: FILL_IN),
    (re.compile(r"^String should have at most (\d+) character"),
     lambda m: f"Write at most {m.group(1)} characters."),
    (re.compile(r"^List should have at least 1 item"), lambda m: "Choose at least one."),
    (re.compile(r"^List should have at least (\d+) item"),
     lambda m: f"Give at least {m.group(1)}."),
    (re.compile(r"^Input should be a valid UUID"), lambda m: CHOOSE),
    (re.compile(r"^Input should be a valid integer"), lambda m: WHOLE_NUMBER),
    (re.compile(r"^Input should be a valid number"), lambda m: NUMBER),
    (re.compile(r"^Input should be greater than or equal to (\S+)"),
     lambda m: f"Use {m.group(1)} or more."),
    (re.compile(r"^Input should be less than or equal to (\S+)"),
     lambda m: f"Use {m.group(1)} or less."),
    (re.compile(r"^Input should be"), lambda m: "Choose one of the choices offered."),
    (re.compile(r"^give exactly one topic, or a tag"), lambda m: "Choose exactly one topic."),
    (re.compile(r"^value is not a valid email address"), lambda m: EMAIL),
]  # fmt: skip


def sentence(text: str) -> str:
    """A message as a sentence: a capital first letter, a full stop, no Markdown backticks."""
    text = unquoted(text)
    if not text:
        return "This value is not valid."
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".?!" else text + "."


def unquoted(text: str) -> str:
    """A message without pydantic's "Value error, " and with “quotes” for Markdown backticks."""
    return re.sub(r"`([^`]*)`", r"“\1”", text.removeprefix("Value error, ")).strip()


def person_text(message: str) -> str:
    """A message that came as text (a service's field message) in words for a person: a
    validator's wording translated; one of ours (already for a person) kept as written."""
    for pattern, say in _BY_TEXT:
        if found := pattern.search(message.removeprefix("Value error, ")):
            return say(found)
    return unquoted(message)


def person_message(error: Mapping[str, Any]) -> str:
    """One pydantic error (`ValidationError.errors()` item) in words for a person."""
    location = [str(p) for p in error.get("loc", ())]
    noun = next((NOUNS[p] for p in reversed(location) if p in NOUNS), None)
    kind = str(error.get("type", ""))
    if kind == "string_pattern_mismatch" and "slug" in location:
        return SLUG
    if kind in _BY_TYPE:
        return _BY_TYPE[kind](error.get("ctx") or {}, noun)
    return person_text(str(error.get("msg", "")))


def field_errors(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    """{field name: message}, the field named by the first part of each error's location."""
    out: dict[str, str] = {}
    for error in exc.errors():
        location = [str(p) for p in error["loc"]]
        name = prefix + ".".join(location) if location else "form"
        message = person_message(error)
        out.setdefault(name, message)
        out.setdefault(location[0] if location else "form", message)
    return out


def problem_errors(problem: Problem, default: str = "form") -> dict[str, str]:
    """A problem's field errors by field name (`body.password` -> `password`)."""
    if not problem.errors:
        return {default: unquoted(problem.detail or problem.title)}
    return {
        e.field.removeprefix("body.").split(".")[0]: person_text(e.message) for e in problem.errors
    }


def lower_first(message: str) -> str:
    """A message placed after a label (`± tolerance: use 0 or more.`)."""
    return message[:1].lower() + message[1:] if message[1:2].islower() else message
