"""Questions and their immutable versions (service). Never commits; every write is audited.

A question is an identity; what it says lives in versions that are written once and never
updated. Editing inserts version n+1 and moves the head to it. The question row carries what
filters, facets and search need from its head (type, topic, difficulty, tags, search text),
kept in step here on every head change, and `published_version_id`, the only version attempts
may draw (see `studyhall.bank.workflow`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from studyhall.audit import service as audit
from studyhall.audit.models import AuditEvent
from studyhall.bank.content import QuestionContent
from studyhall.bank.models import Question, QuestionTag, QuestionVersion, ReviewEvent
from studyhall.bank.render import render_content, search_text
from studyhall.bank.schemas import (
    QuestionOut,
    QuestionStatus,
    ReviewEventOut,
    VersionOut,
    VersionStatus,
    VersionSummary,
)
from studyhall.exams import tracks
from studyhall.kit.context import Context
from studyhall.kit.errors import Conflict, InvalidInput, NotFound
from studyhall.kit.etag import check_if_match
from studyhall.kit.ids import new_id
from studyhall.kit.tenancy import get_scoped, scoped, scoped_delete
from studyhall.orgs.models import ApiKey, Org


@dataclass(frozen=True)
class QuestionView:
    """A question with its head version, and the number of its published version if any."""

    question: Question
    head: QuestionVersion
    published_number: int | None


# --- reading ------------------------------------------------------------------------------


async def get_question(ctx: Context, org_id: UUID, question_id: UUID) -> QuestionView:
    question = await get_scoped(ctx.session, Question, org_id, question_id, what="question")
    return await view_of(ctx, question)


async def get_version(ctx: Context, org_id: UUID, version_id: UUID) -> QuestionVersion:
    """A version by id (attempts keep version ids); 404 if it is not this organisation's."""
    return await get_scoped(ctx.session, QuestionVersion, org_id, version_id, what="version")


async def version_by_number(
    ctx: Context, org_id: UUID, question_id: UUID, number: int
) -> QuestionVersion:
    found: QuestionVersion | None = await ctx.session.scalar(
        scoped(QuestionVersion, org_id).where(
            QuestionVersion.question_id == question_id, QuestionVersion.number == number
        )
    )
    if found is None:
        raise NotFound(f"This question has no version {number}.")
    return found


@dataclass(frozen=True)
class PoolEntry:
    """A question attempts may draw: its published version and topic (and, when asked, the
    version's tags). Only ids: an attempt loads the content of the few it draws."""

    question_id: UUID
    version_id: UUID
    topic_id: UUID
    tags: tuple[str, ...] = ()


async def published_pool(
    ctx: Context, org_id: UUID, track_id: UUID, *, with_tags: bool = False
) -> list[PoolEntry]:
    """Every question of the track that attempts may draw, with its published version.

    Only approved versions are here: a draft or in-review head is never served, and a retired
    question has no published version.
    """
    columns: list[Any] = [Question.id, QuestionVersion.id, QuestionVersion.topic_id]
    if with_tags:
        columns.append(QuestionVersion.content)
    query = (
        scoped(Question, org_id)
        .with_only_columns(*columns)
        .join(
            QuestionVersion,
            (QuestionVersion.id == Question.published_version_id)
            & (QuestionVersion.org_id == Question.org_id),
        )
        .where(Question.track_id == track_id, Question.status != QuestionStatus.RETIRED)
        .order_by(Question.id)
    )
    rows = (await ctx.session.execute(query)).all()
    return [
        PoolEntry(row[0], row[1], row[2], tuple(row[3].get("tags", ())) if with_tags else ())
        for row in rows
    ]


async def list_versions(ctx: Context, org_id: UUID, question_id: UUID) -> list[VersionSummary]:
    """Every version, newest first, with its status and the review steps taken on it."""
    question = await get_scoped(ctx.session, Question, org_id, question_id, what="question")
    versions = (
        await ctx.session.scalars(
            scoped(QuestionVersion, org_id)
            .where(QuestionVersion.question_id == question.id)
            .order_by(QuestionVersion.number.desc())
        )
    ).all()
    events = (
        await ctx.session.scalars(
            scoped(ReviewEvent, org_id)
            .where(ReviewEvent.question_id == question.id)
            .order_by(ReviewEvent.created_at)
        )
    ).all()
    reviews: dict[UUID, list[ReviewEventOut]] = {}
    for event in events:
        reviews.setdefault(event.version_id, []).append(ReviewEventOut.model_validate(event))
    return [
        VersionSummary(
            id=v.id,
            number=v.number,
            status=_version_status(question, v),
            is_head=v.id == question.head_version_id,
            is_published=v.id == question.published_version_id,
            content_hash=v.content_hash,
            created_by=v.created_by,
            created_at=v.created_at,
            reviews=reviews.get(v.id, []),
        )
        for v in versions
    ]


def _version_status(question: Question, version: QuestionVersion) -> VersionStatus:
    if version.id == question.published_version_id:
        return VersionStatus.PUBLISHED
    if version.id == question.head_version_id:
        return VersionStatus(question.status)
    return VersionStatus.SUPERSEDED


async def view_of(ctx: Context, question: Question) -> QuestionView:
    head = await get_version(ctx, question.org_id, _head_id(question))
    published_number = None
    if question.published_version_id == head.id:
        published_number = head.number
    elif question.published_version_id is not None:
        published = await get_version(ctx, question.org_id, question.published_version_id)
        published_number = published.number
    return QuestionView(question, head, published_number)


def _head_id(question: Question) -> UUID:
    if question.head_version_id is None:  # only between the two inserts of create_question
        raise NotFound("This question has no version yet.")
    return question.head_version_id


async def lock_question(ctx: Context, org_id: UUID, question_id: UUID) -> Question:
    """The question, locked for the rest of the transaction (PostgreSQL; SQLite's writers are
    serialised already), so concurrent edits and reviews take turns instead of racing."""
    found: Question | None = await ctx.session.scalar(
        scoped(Question, org_id).where(Question.id == question_id).with_for_update()
    )
    if found is None:
        raise NotFound("No such question.")
    return found


# --- writing ------------------------------------------------------------------------------


async def create_question(
    ctx: Context, org: Org, track_id: UUID, content: QuestionContent
) -> QuestionView:
    """A new question in draft, with its first version."""
    syllabus = await tracks.get_syllabus(ctx, org.id, track_id)
    content = _normalised(content, syllabus)
    now = ctx.now()
    author = await acting_person(ctx, org.id)
    question = Question(
        id=new_id(), org_id=org.id, track_id=syllabus.track.id, author_id=author,
        status=QuestionStatus.DRAFT, revision=1, created_at=now, updated_at=now,
        type=content.body.type, topic_id=UUID(content.topic_id), difficulty=content.difficulty,
    )  # fmt: skip
    ctx.session.add(question)
    await ctx.session.flush()  # versions point at the question
    version = await _add_version(ctx, org, question, content, number=1)
    audit.record(
        ctx,
        "question.created",
        org_id=org.id,
        target_type="question",
        target_id=question.id,
        summary={"track_id": str(question.track_id), "type": question.type, "version": 1},
    )
    return QuestionView(question, version, None)


async def create_questions(
    ctx: Context, org: Org, track_id: UUID, contents: Sequence[QuestionContent]
) -> list[UUID]:
    """Many new questions in draft, each with its first version: exactly what
    `create_question` does for each one, in a handful of multi-row statements instead of
    several round trips per question (for importers; keep each call to a few hundred).

    Kept from the single path: every topic must be a leaf of the track (one that is not
    refuses the whole call before anything is written), tags once each, the Markdown
    rendered and sanitised into the version, the search text on the question row (the
    full-text index follows the row as for one question: the FTS5 triggers on SQLite, the
    generated column on PostgreSQL), versions credited to the acting person, and a
    `question.created` audit record each, in order. No event is raised, as for one
    question. Duplicates are the caller's business here as there (the importer looks for
    them before writing). Returns the new questions' ids, in the order given.
    """
    if not contents:
        return []
    syllabus = await tracks.get_syllabus(ctx, org.id, track_id)
    normalised = [_normalised(content, syllabus) for content in contents]
    author = await acting_person(ctx, org.id)
    questions: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    for content in normalised:
        rendered = render_content(content, org.slug)
        now = ctx.now()
        question_id, version_id = new_id(), new_id()
        topic_id = UUID(content.topic_id)
        questions.append({
            "id": question_id, "org_id": org.id, "track_id": syllabus.track.id,
            "author_id": author, "head_version_id": version_id, "published_version_id": None,
            "status": QuestionStatus.DRAFT.value, "type": content.body.type,
            "topic_id": topic_id, "difficulty": content.difficulty,
            "search_text": search_text(rendered), "revision": 1, "created_at": now,
            "updated_at": now,
        })  # fmt: skip
        versions.append({
            "id": version_id, "org_id": org.id, "question_id": question_id, "number": 1,
            "type": content.body.type, "topic_id": topic_id, "content": _dump(content),
            "rendered": dict(rendered), "content_hash": content_hash(content),
            "created_by": author, "created_at": now,
        })  # fmt: skip
        tags += [{"question_id": question_id, "tag": tag, "org_id": org.id} for tag in content.tags]
    await ctx.session.flush()  # whatever the caller added first is written first
    await ctx.session.execute(insert(Question), questions)
    await ctx.session.execute(insert(QuestionVersion), versions)
    if tags:
        await ctx.session.execute(insert(QuestionTag), tags)
    # The audit records as `audit.record` makes them, written in one statement too (in order,
    # so their ids read as one-at-a-time creation would have numbered them).
    records = []
    for question in questions:
        record = audit.record(
            ctx,
            "question.created",
            org_id=org.id,
            target_type="question",
            target_id=question["id"],
            summary={"track_id": str(question["track_id"]), "type": question["type"],
                     "version": 1},
        )  # fmt: skip
        ctx.session.expunge(record)
        records.append({column: getattr(record, column) for column in _AUDIT_COLUMNS})
    await ctx.session.execute(insert(AuditEvent), records)
    return [question["id"] for question in questions]


_AUDIT_COLUMNS = [c.key for c in AuditEvent.__table__.columns if c.key != "id"]


async def edit_question(
    ctx: Context, org: Org, question_id: UUID, content: QuestionContent, *, if_match: str | None
) -> QuestionView:
    """A new version with this content becomes the head, in draft. The same content again
    changes nothing (no version, no revision), so a retried edit is harmless."""
    question = await lock_question(ctx, org.id, question_id)
    check_if_match(if_match, question.revision)
    syllabus = await tracks.get_syllabus(ctx, org.id, question.track_id)
    content = _normalised(content, syllabus)
    view = await view_of(ctx, question)
    if _dump(content) == _dump(QuestionContent.model_validate(view.head.content)):
        return view
    version = await _add_version(ctx, org, question, content, number=view.head.number + 1)
    question.status = QuestionStatus.DRAFT
    touch(ctx, question)
    audit.record(
        ctx,
        "question.edited",
        org_id=org.id,
        target_type="question",
        target_id=question.id,
        summary={"version": version.number, "previous_version": view.head.number},
    )
    return QuestionView(question, version, view.published_number)


async def acting_person(ctx: Context, org_id: UUID) -> UUID | None:
    """The person accountable for this request: the signed-in user, or whoever created the API
    key it came with. Versions are credited to them, and the self-review rule reads it, so a
    key cannot approve what its maker wrote nor help its maker approve their own writing."""
    if ctx.user_id is not None or ctx.api_key_id is None:
        return ctx.user_id
    key = await get_scoped(ctx.session, ApiKey, org_id, ctx.api_key_id, what="API key")
    return key.created_by


def touch(ctx: Context, question: Question) -> None:
    """Every change to a question moves its revision (the ETag) and its update time."""
    question.revision += 1
    question.updated_at = ctx.now()


async def _add_version(
    ctx: Context, org: Org, question: Question, content: QuestionContent, *, number: int
) -> QuestionVersion:
    rendered = render_content(content, org.slug)
    author = await acting_person(ctx, org.id)
    version = QuestionVersion(
        id=new_id(), org_id=org.id, question_id=question.id, number=number,
        type=content.body.type, topic_id=UUID(content.topic_id), content=_dump(content),
        rendered=dict(rendered), content_hash=content_hash(content), created_by=author,
        created_at=ctx.now(),
    )  # fmt: skip
    ctx.session.add(version)
    try:
        await ctx.session.flush()
    except IntegrityError as exc:  # a concurrent edit took this number first
        raise Conflict("The question was changed meanwhile; reload and retry.") from exc
    question.head_version_id = version.id
    question.type = version.type
    question.topic_id = version.topic_id
    question.difficulty = content.difficulty
    question.search_text = search_text(rendered)
    await _replace_tags(ctx, question, content.tags)
    return version


async def _replace_tags(ctx: Context, question: Question, tags: list[str]) -> None:
    current = set(
        (
            await ctx.session.scalars(
                scoped(QuestionTag, question.org_id)
                .with_only_columns(QuestionTag.tag)
                .where(QuestionTag.question_id == question.id)
            )
        ).all()
    )
    if gone := current - set(tags):
        await ctx.session.execute(
            scoped_delete(QuestionTag, question.org_id).where(
                QuestionTag.question_id == question.id, QuestionTag.tag.in_(gone)
            )
        )
    for tag in tags:
        if tag not in current:
            ctx.session.add(QuestionTag(question_id=question.id, tag=tag, org_id=question.org_id))
    await ctx.session.flush()


def _normalised(content: QuestionContent, syllabus: tracks.Syllabus) -> QuestionContent:
    """The topic must be a leaf of the track's syllabus (422 on `body.topic_id`); the topic id
    is stored in its canonical spelling and tags once each, so equal content compares equal."""
    leaves = {topic.id for topic in syllabus.leaves()}
    try:
        topic_id = UUID(content.topic_id)
    except ValueError:
        topic_id = None
    if topic_id not in leaves:
        all_topics = {topic.id for topic in syllabus.topics}
        why = (
            "is a topic with subtopics; choose one of its leaves"
            if topic_id in all_topics
            else "is not a topic of this track"
        )
        raise InvalidInput(f"The topic {why}.", errors=[("body.topic_id", why)])
    return content.model_copy(
        update={"topic_id": str(topic_id), "tags": list(dict.fromkeys(content.tags))}
    )


def _dump(content: QuestionContent) -> dict[str, Any]:
    return content.model_dump(mode="json")


def content_hash(content: QuestionContent) -> str:
    """SHA-256 of the stem and body as canonical JSON: the same question, however filed."""
    canonical = json.dumps(
        {"stem": content.stem, "body": content.body.model_dump(mode="json")},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- answers ------------------------------------------------------------------------------


def version_out(version: QuestionVersion) -> VersionOut:
    return VersionOut(
        id=version.id, number=version.number,
        content=QuestionContent.model_validate(version.content),
        rendered=version.rendered,  # stored as render_content made it
        content_hash=version.content_hash, created_by=version.created_by,
        created_at=version.created_at,
    )  # fmt: skip


def question_out(view: QuestionView) -> QuestionOut:
    question, head = view.question, view.head
    tags: Sequence[str] = head.content.get("tags", [])
    return QuestionOut(
        id=question.id, track_id=question.track_id, status=QuestionStatus(question.status),
        type=question.type, topic_id=question.topic_id, difficulty=question.difficulty,
        tags=list(tags), author_id=question.author_id, revision=question.revision,
        head_version=version_out(head), published_version_id=question.published_version_id,
        published_version_number=view.published_number, created_at=question.created_at,
        updated_at=question.updated_at,
    )  # fmt: skip
