"""Reading the audit log as a person: each record's object by its name, its details in words.

A record keeps only ids (`target_type`, `target_id`) and a summary of plain values, so that it
outlives what it names. The admin's log page looks the names up when it is read, in one query
per kind of object on the page: a question by the start of its stem, a person by their display
name, a track, an API key or an organisation by name, an invitation by its address, a webhook
by its URL. An object deleted since is called what it was ("a question, since deleted").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import select

from studyhall.accounts.models import User
from studyhall.audit.models import AuditEvent
from studyhall.bank.diff import TYPE_NAMES
from studyhall.bank.models import Media, Question, QuestionVersion
from studyhall.bank.search import plain_excerpt
from studyhall.exams.models import Track
from studyhall.kit.context import Context
from studyhall.kit.tenancy import scoped
from studyhall.orgs.models import ApiKey, Invitation, Org
from studyhall.webhooks.models import WebhookEndpoint

Key = tuple[str, str]  # (target type, id as text)

KINDS = {
    "question": "a question", "user": "a person", "track": "a track", "org": "the organisation",
    "api_key": "an API key", "invitation": "an invitation", "webhook": "a webhook",
    "webhook_delivery": "a webhook delivery", "media": "an image", "attempt": "an attempt",
    "job": "a background job", "import": "an import",
}  # fmt: skip
STEM_START = 80
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Summary keys that hold a track's id: shown as the track's name.
_TRACK_KEYS = ("track_id", "track")
_LABELS = {
    "track_id": "Track", "slug": "Short name", "previous_version": "From version",
    "percent": "Score", "by": "Ended by", "dead_letter": "Dead letter",
}  # fmt: skip
# Summary values that are lists of things, not [old, new] pairs.
_LISTS = {"scopes", "event_types", "events", "tags"}


def _ids(keys: Iterable[Key], kind: str) -> list[UUID]:
    out = []
    for k, value in keys:
        if k == kind and _UUID.match(value):
            out.append(UUID(value))
    return out


async def object_names(ctx: Context, org_id: UUID, events: Sequence[AuditEvent]) -> dict[Key, str]:
    """The name of every object the events point at (and of the tracks their details name),
    by (type, id)."""
    keys: set[Key] = set()
    for e in events:
        if e.target_type and e.target_id:
            keys.add((e.target_type, e.target_id))
        if e.actor_api_key_id:
            keys.add(("api_key", str(e.actor_api_key_id)))
        for name in _TRACK_KEYS:
            value = (e.summary or {}).get(name)
            if isinstance(value, str):
                keys.add(("track", value))
    names: dict[Key, str] = {}

    async def add(kind: str, query: Any) -> None:
        for object_id, name in (await ctx.session.execute(query)).all():
            names[(kind, str(object_id))] = name

    if ids := _ids(keys, "question"):
        stem = QuestionVersion.content["stem"].as_string()
        query = (
            scoped(Question, org_id)
            .join(QuestionVersion, QuestionVersion.id == Question.head_version_id)
            .with_only_columns(Question.id, stem)
            .where(Question.id.in_(ids))
        )
        for object_id, text in (await ctx.session.execute(query)).all():
            names[("question", str(object_id))] = plain_excerpt(text or "", STEM_START)
    if ids := _ids(keys, "user"):
        # People are not an organisation's rows; these are the ones its own records name.
        await add("user", select(User.id, User.display_name).where(User.id.in_(ids)))
    if ids := _ids(keys, "track"):
        await add("track", scoped(Track, org_id).with_only_columns(Track.id, Track.name)
                  .where(Track.id.in_(ids)))  # fmt: skip
    if ids := _ids(keys, "api_key"):
        await add("api_key", scoped(ApiKey, org_id).with_only_columns(ApiKey.id, ApiKey.name)
                  .where(ApiKey.id.in_(ids)))  # fmt: skip
    if ids := _ids(keys, "invitation"):
        query = scoped(Invitation, org_id).with_only_columns(Invitation.id, Invitation.email)
        await add("invitation", query.where(Invitation.id.in_(ids)))
    if ids := _ids(keys, "webhook"):
        query = scoped(WebhookEndpoint, org_id).with_only_columns(
            WebhookEndpoint.id, WebhookEndpoint.url
        )
        await add("webhook", query.where(WebhookEndpoint.id.in_(ids)))
    if ids := _ids(keys, "media"):
        query = scoped(Media, org_id).with_only_columns(Media.id, Media.filename)
        await add("media", query.where(Media.id.in_(ids)))
    if ("org", str(org_id)) in keys:
        await add("org", select(Org.id, Org.name).where(Org.id == org_id))
    return {key: name for key, name in names.items() if name}


def object_name(event: AuditEvent, names: Mapping[Key, str]) -> str:
    """What the event acted on, as a person knows it."""
    if not event.target_type:
        return ""
    kind = KINDS.get(event.target_type, event.target_type.replace("_", " "))
    if event.target_id and (name := names.get((event.target_type, event.target_id))):
        return f"Invitation for {name}" if event.target_type == "invitation" else name
    if event.target_type in ("org", "job", "import", "attempt", "webhook_delivery"):
        return kind[0].upper() + kind[1:]
    return f"{kind[0].upper()}{kind[1:]}, since deleted"


def details(event: AuditEvent, names: Mapping[Key, str]) -> str:
    """The summary in words: `Role: learner → author; Track: Spark`, no ids or reprs."""
    parts = []
    for key, value in (event.summary or {}).items():
        label = _LABELS.get(key, key.replace("_", " ").capitalize())
        text: str | None
        if key in _TRACK_KEYS:
            text = names.get(("track", str(value)), "a track, since deleted")
        else:
            text = _value(key, value)
        if text is not None:
            parts.append(f"{label}: {text}")
    return "; ".join(parts)


def _value(key: str, value: Any) -> str | None:
    if isinstance(value, list) and len(value) == 2 and key not in _LISTS:
        before, after = _value(key, value[0]), _value(key, value[1])
        return f"{before or 'none'} → {after or 'none'}"
    if isinstance(value, list):
        return ", ".join(v for v in (_value(key, item) for item in value) if v) or "none"
    if isinstance(value, dict):
        inner = [f"{k.replace('_', ' ')} {_value(k, v)}" for k, v in value.items()]
        return ", ".join(inner)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    text = str(value)
    if _UUID.match(text):
        return None  # an id says nothing to a person
    if key == "type":
        return TYPE_NAMES.get(text, text.replace("_", " "))
    if key == "percent":
        return f"{text} %"
    return text.replace("_", " ") if key in ("mode", "role", "by", "kind") else text
