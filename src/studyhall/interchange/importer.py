"""Importing a question file into a track (service). Never commits.

Two passes over the file, so memory stays flat however large it is (Moodle XML is streamed):

1. `plan` reads every question, resolves its category to a topic, validates it as
   `QuestionContent`, checks its images and looks for duplicates; each gets an outcome:
   create, update, skip or reject, with the file and line (or XML path) and the reason.
2. `write` (unless a dry run, and with the default all-or-nothing rule only when nothing was
   rejected) reads the file again and writes the planned questions in the caller's
   transaction: drafts by the importing person, each audited as any new question is; new
   questions go in batches through `bank.create_questions` (the same rules as one at a time,
   a few statements per batch instead of several round trips per question).

Categories become topics by name: a category path matches the leaf topic with the same path
of names under the track (case and surrounding spaces ignored), else the only leaf topic with
its last name. Topics are never created by an import (that changes the exam's weights, which
is the syllabus owner's decision); a question whose category matches nothing (or that has no
category) goes to the `default_topic` when one is given, a question without a category to the
track's only leaf topic when it has one, and is rejected otherwise, saying what to choose.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

from pydantic import ValidationError

from studyhall.audit import service as audit
from studyhall.bank import media
from studyhall.bank import service as bank
from studyhall.bank.content import QuestionContent
from studyhall.bank.models import Question, QuestionVersion
from studyhall.bank.storage import MediaStorage
from studyhall.exams import tracks
from studyhall.exams.models import Topic
from studyhall.interchange.formats import ImportFormat, read
from studyhall.interchange.items import (
    IMPORT_SCHEME,
    NO_EXPLANATION,
    FormatError,
    Parsed,
    Rejected,
    Where,
    strip_feedback,
)
from studyhall.interchange.media_bundle import (
    drop_unknown_links,
    known_media,
    linked_ids,
    reuse_stored_images,
)
from studyhall.interchange.messages import author_words
from studyhall.kit.context import Context
from studyhall.kit.errors import InvalidInput
from studyhall.kit.tenancy import scoped
from studyhall.orgs.models import Org

Action = Literal["create", "update", "skip", "reject"]
Progress = Callable[[int], Awaitable[None]]
DEFAULT_MAX_ITEMS = 50_000
PROGRESS_EVERY = 200
# New questions are written this many at a time (`bank.create_questions`): few statements,
# and the session lets go of each batch once it is written, so memory stays flat.
WRITE_BATCH = 500


@dataclass(frozen=True)
class Options:
    dry_run: bool = False
    partial: bool = False  # write the good questions even when some are rejected
    on_duplicate: Literal["skip", "update"] = "skip"
    default_topic: UUID | None = None
    max_items: int = DEFAULT_MAX_ITEMS


@dataclass
class Outcome:
    where: str
    action: Action
    reason: str | None = None
    question_id: str | None = None
    stem: str = ""
    warnings: list[str] = field(default_factory=list)  # what the question leaves out

    def as_dict(self) -> dict[str, Any]:
        return {
            "where": self.where, "action": self.action, "reason": self.reason,
            "question_id": self.question_id, "stem": self.stem, "warnings": self.warnings,
        }  # fmt: skip


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    file_error: str | None = None  # the whole file was refused
    written: bool = False

    def counts(self) -> dict[str, int]:
        found = {"create": 0, "update": 0, "skip": 0, "reject": 0}
        for outcome in self.outcomes:
            found[outcome.action] += 1
        return found

    @property
    def refused(self) -> bool:
        return self.file_error is not None


# --- categories to topics -----------------------------------------------------------------


def topic_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class TopicResolver:
    def __init__(self, syllabus: tracks.Syllabus, default: UUID | None) -> None:
        by_id = {t.id: t for t in syllabus.topics}
        self.names: dict[UUID, list[str]] = {}
        for topic in syllabus.topics:
            path: list[str] = []
            node: Topic | None = topic
            while node is not None:
                path.insert(0, node.name)
                node = by_id.get(node.parent_id) if node.parent_id else None
            self.names[topic.id] = path
        leaves = syllabus.leaves()
        self.by_path = {tuple(topic_key(n) for n in self.names[t.id]): t.id for t in leaves}
        last: dict[str, list[UUID]] = {}
        for topic in leaves:
            last.setdefault(topic_key(topic.name), []).append(topic.id)
        self.by_last = {name: ids[0] for name, ids in last.items() if len(ids) == 1}
        self.leaves = {t.id for t in leaves}
        self.default = default

    def resolve(self, category: list[str]) -> UUID | str:
        """The topic's id, or why there is none."""
        path = tuple(topic_key(n) for n in category if n.strip())
        if path in self.by_path:
            return self.by_path[path]
        if path and path[-1] in self.by_last:
            return self.by_last[path[-1]]
        if self.default is not None:
            return self.default
        if not path:
            if len(self.leaves) == 1:
                return next(iter(self.leaves))  # the track's only topic: nothing to choose
            return (
                "the question has no category (GIFT `$CATEGORY:`, a CSV `topic`…): choose the "
                f"topic for questions without a category in the import form {ASK_FOR_TOPIC}"
            )
        return (
            f"the category {'/'.join(category)!r} matches no leaf topic of the track; add the "
            "topic, or choose the topic for questions without a category in the import form "
            f"{ASK_FOR_TOPIC}"
        )

    def path(self, topic_id: UUID) -> list[str]:
        return self.names.get(topic_id, [])


# Ends every refusal that choosing a default topic would lift (the web page offers the choice).
ASK_FOR_TOPIC = "(`default_topic`)"


def wants_a_topic(reason: str | None) -> bool:
    """Whether a refusal would go away with a topic chosen for questions without one."""
    return bool(reason) and str(reason).endswith(ASK_FOR_TOPIC)


# --- duplicates ---------------------------------------------------------------------------


def duplicate_key(stem: str, body: dict[str, Any]) -> str:
    """Same stem and same answers (by their text, whatever the ids), feedback aside."""
    plain = strip_feedback(body)
    texts: dict[str, str] = {}
    for key in ("options", "items", "premises", "responses"):
        for entry in plain.get(key, []):
            texts[entry["id"]] = entry["text"]
            entry.pop("id", None)
    if "pairs" in plain:
        plain["pairs"] = sorted(
            [texts.get(p, p), texts.get(r, r)] for p, r in plain["pairs"].items()
        )
    for setting in ("shuffle", "scoring", "penalty", "partial_credit"):
        plain.pop(setting, None)
    canonical = json.dumps(
        {"stem": " ".join(stem.split()), "body": plain}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def existing_keys(ctx: Context, org_id: UUID, track_id: UUID) -> dict[str, UUID]:
    """Duplicate keys of the track's questions (their head versions), to their ids."""
    query = (
        scoped(Question, org_id)
        .with_only_columns(Question.id, QuestionVersion.content)
        .join(
            QuestionVersion,
            (QuestionVersion.id == Question.head_version_id)
            & (QuestionVersion.org_id == Question.org_id),
        )
        .where(Question.track_id == track_id)
    )
    found: dict[str, UUID] = {}
    for question_id, content in await ctx.session.execute(query):
        found.setdefault(duplicate_key(content["stem"], content["body"]), question_id)
    return found


# --- pass 1: plan -------------------------------------------------------------------------


def _content(item: Parsed, topic_id: UUID) -> QuestionContent:
    return QuestionContent.model_validate(
        {
            "stem": item.stem,
            "body": item.body,
            "explanation": item.explanation or NO_EXPLANATION,
            "topic_id": str(topic_id),
            "tags": item.tags,
            "difficulty": item.difficulty or 3,
            "references": item.references,
            "source": item.source,
        }
    )


def _why(exc: ValidationError) -> str:
    """The question model's refusal in an author's words (at most three reasons)."""
    return "; ".join(author_words(error) for error in exc.errors()[:3])


def _excerpt(stem: str) -> str:
    text = " ".join(stem.split())
    return text if len(text) <= 80 else text[:79] + "…"


def _items(path: Path, fmt: ImportFormat, filename: str, limit: int) -> Iterator[Parsed | Rejected]:
    for count, item in enumerate(read(path, fmt, filename), start=1):
        if count > limit:
            raise FormatError(
                Where(filename), f"the file holds more than {limit} questions; split it"
            )
        yield item


def _check_images(item: Parsed) -> str | None:
    for name, data in item.images.items():
        if f"({IMPORT_SCHEME}{name})" not in _all_text(item):
            continue  # shipped but never shown: not imported
        try:
            media.check_image(data, name)
        except media.UnsupportedMedia as exc:
            return f"the image {name!r}: {exc.detail}"
    return None


def _all_text(item: Parsed) -> str:
    return json.dumps([item.stem, item.body, item.explanation], ensure_ascii=False)


async def plan(
    ctx: Context,
    org: Org,
    track_id: UUID,
    path: Path,
    fmt: ImportFormat,
    filename: str,
    options: Options,
    progress: Progress | None = None,
) -> Report:
    """What importing the file would do, question by question (reads, never writes)."""
    syllabus = await tracks.get_syllabus(ctx, org.id, track_id)
    resolver = TopicResolver(syllabus, options.default_topic)
    if options.default_topic is not None and options.default_topic not in resolver.leaves:
        raise InvalidInput(
            "The default topic is not a leaf topic of this track.",
            errors=[("body.default_topic", "is not a leaf topic of this track")],
        )
    existing = await existing_keys(ctx, org.id, syllabus.track.id)
    seen: dict[str, str] = {}
    report = Report()
    try:
        for count, item in enumerate(_items(path, fmt, filename, options.max_items), 1):
            if isinstance(item, Parsed):
                await _resolve_media_links(ctx, org.id, item)
            outcome = await _judge(item, resolver, existing, seen, options)
            if isinstance(item, Parsed):
                outcome.warnings = list(item.warnings)
            report.outcomes.append(outcome)
            if progress is not None and count % PROGRESS_EVERY == 0:
                await progress(count)
    except FormatError as exc:
        report.file_error = f"{exc.where}: {exc.reason}"
    return report


async def _judge(
    item: Parsed | Rejected,
    resolver: TopicResolver,
    existing: dict[str, UUID],
    seen: dict[str, str],
    options: Options,
) -> Outcome:
    if isinstance(item, Rejected):
        return Outcome(str(item.where), "reject", item.reason, stem=item.stem)
    where, stem = str(item.where), _excerpt(item.stem)
    topic = resolver.resolve(item.category)
    if isinstance(topic, str):
        return Outcome(where, "reject", topic, stem=stem)
    try:
        content = _content(item, topic)
    except ValidationError as exc:
        return Outcome(where, "reject", _why(exc), stem=stem)
    if item.images and (problem := await asyncio.to_thread(_check_images, item)):
        return Outcome(where, "reject", problem, stem=stem)
    key = duplicate_key(content.stem, content.body.model_dump(mode="json"))
    if key in seen:
        return Outcome(where, "skip", f"repeats the question at {seen[key]}", stem=stem)
    seen[key] = where
    if key in existing:
        found = str(existing[key])
        if options.on_duplicate == "update":
            return Outcome(where, "update", "same stem and answers as an existing question",
                           question_id=found, stem=stem)  # fmt: skip
        return Outcome(where, "skip", "same stem and answers as an existing question",
                       question_id=found, stem=stem)  # fmt: skip
    return Outcome(where, "create", stem=stem)


# --- pass 2: write ------------------------------------------------------------------------


async def write(
    ctx: Context,
    org: Org,
    track_id: UUID,
    path: Path,
    fmt: ImportFormat,
    filename: str,
    options: Options,
    report: Report,
    storage: MediaStorage,
    progress: Progress | None = None,
) -> Report:
    """Write what `plan` decided, in the caller's transaction. Without `partial`, a report
    with any rejection (or a refused file) writes nothing."""
    counts = report.counts()
    held_back = bool(counts["reject"]) and not options.partial and not report.refused
    if held_back:
        _hold_back(report, counts["reject"])
    if report.refused or options.dry_run or held_back:
        return report
    syllabus = await tracks.get_syllabus(ctx, org.id, track_id)
    resolver = TopicResolver(syllabus, options.default_topic)
    written = 0
    batch: list[tuple[Outcome, QuestionContent]] = []

    async def create_batch() -> None:
        nonlocal written
        if not batch:
            return
        ids = await bank.create_questions(ctx, org, syllabus.track.id, [c for _, c in batch])
        for (outcome, _), question_id in zip(batch, ids, strict=True):
            outcome.question_id = str(question_id)
        written += len(batch)
        batch.clear()
        if progress is not None:
            await progress(written)

    for index, item in enumerate(_items(path, fmt, filename, options.max_items)):
        outcome = report.outcomes[index]
        if outcome.action not in ("create", "update") or not isinstance(item, Parsed):
            continue
        await _resolve_media_links(ctx, org.id, item)  # as planned: the same media is there
        topic = resolver.resolve(item.category)
        assert isinstance(topic, UUID)  # planned against the same syllabus
        if item.images:
            await _store_images(ctx, org, storage, item)
        content = _content(item, topic)
        if outcome.action == "create":
            batch.append((outcome, content))
            if len(batch) >= WRITE_BATCH:
                await create_batch()
            continue
        await create_batch()  # in the file's order, as the audit log tells it
        assert outcome.question_id is not None
        await bank.edit_question(ctx, org, UUID(outcome.question_id), content, if_match=None)
        written += 1
        if progress is not None and written % PROGRESS_EVERY == 0:
            await progress(written)
    await create_batch()
    report.written = True
    audit.record(
        ctx,
        "questions.imported",
        org_id=org.id,
        target_type="track",
        target_id=syllabus.track.id,
        summary={"file": filename, "format": fmt.value, **report.counts()},
    )
    return report


async def _resolve_media_links(ctx: Context, org_id: UUID, item: Parsed) -> None:
    """`media:<uuid>` links the file did not carry: kept when they name this organisation's
    media, else replaced by their alt text with a warning (never a broken image); images the
    organisation already holds are shown as that media (so duplicates are found)."""
    ids = linked_ids([item.stem, json.dumps(item.body), item.explanation or ""])
    if ids:
        drop_unknown_links(item, await known_media(ctx, org_id, ids))
    await reuse_stored_images(ctx, org_id, item)


def _hold_back(report: Report, refused: int) -> None:
    """All or nothing, with questions refused: nothing is created or updated, and the report
    says so for each question that would have been (its counts then match what happened)."""
    why = (
        f"not written: {refused} question{'s' if refused != 1 else ''} of the file "
        f"{'are' if refused != 1 else 'is'} refused and the import is all or nothing "
        "(fix them, or import the others)"
    )
    for outcome in report.outcomes:
        if outcome.action in ("create", "update"):
            outcome.action, outcome.reason = "skip", why


async def _store_images(ctx: Context, org: Org, storage: MediaStorage, item: Parsed) -> None:
    """Each image the text shows becomes the organisation's media; the text then refers to
    it as `media:<id>`."""
    replacements: dict[str, str] = {}
    for name, data in item.images.items():
        marker = f"({IMPORT_SCHEME}{name})"
        if marker not in _all_text(item):
            continue
        stored, _ = await media.upload(ctx, org, storage, data, name)
        replacements[marker] = f"(media:{stored.id})"

    def swap(text: str) -> str:
        for marker, reference in replacements.items():
            text = text.replace(marker, reference)
        return text

    item.stem = swap(item.stem)
    item.explanation = swap(item.explanation) if item.explanation else item.explanation
    item.body = json.loads(swap(json.dumps(item.body, ensure_ascii=False)))


async def run(
    ctx: Context,
    org: Org,
    track_id: UUID,
    path: Path,
    fmt: ImportFormat,
    filename: str,
    options: Options,
    storage: MediaStorage,
) -> Report:
    """Plan and write in one go (the command line; jobs use the two steps apart)."""
    report = await plan(ctx, org, track_id, path, fmt, filename, options)
    return await write(ctx, org, track_id, path, fmt, filename, options, report, storage)
