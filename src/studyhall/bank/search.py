"""Searching the question bank (service): full text, filters, facet counts and cursor pages.

Full text runs over `questions.search_text` (stem, options and explanation of the head version)
through the index migration 0002 made: an FTS5 table on SQLite, ranked by bm25; a GIN index on
`to_tsvector('english', search_text)` on PostgreSQL, ranked by ts_rank. The PostgreSQL
expressions below are written exactly as the index is, or the planner would not use it.

Filters take one or more values each; the values of one filter are alternatives (OR) and
different filters must all hold (AND). Each facet is counted with every filter applied except
its own, so a facet lists what choosing another of its values would give.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from markdown_it import MarkdownIt
from pydantic import BaseModel, Field
from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    column,
    func,
    literal,
    literal_column,
    or_,
    table,
)

from studyhall.bank.models import Question, QuestionTag, QuestionVersion
from studyhall.exams.models import Topic
from studyhall.kit.context import Context
from studyhall.kit.pagination import InvalidCursor, decode_cursor, encode_cursor
from studyhall.kit.tenancy import scoped

QuestionStatus = Literal["draft", "in_review", "published", "retired"]
FacetName = Literal["topic", "tag", "type", "status", "difficulty"]

MAX_QUERY_LENGTH = 200
EXCERPT_LENGTH = 200
# Facets with many values (tags, topics) list the most frequent ones only.
MAX_FACET_VALUES = 50

# Not in the ORM metadata (migration 0002 owns it); it has no org_id, so it is only ever
# joined to questions that were scoped to the organisation.
_FTS = table("question_search", column("question_id"), column("search_text"))
_FTS_MATCH: ColumnElement[Any] = literal_column("question_search")
_PG_CONFIG: ColumnElement[Any] = literal_column(
    "'english'"
)  # a literal, as in the index: a parameter would miss it


class FacetCount(BaseModel):
    value: str | int
    count: int


class QuestionHit(BaseModel):
    id: UUID
    track_id: UUID
    type: str
    status: str
    topic_id: UUID
    difficulty: int
    tags: list[str]
    stem_excerpt: str = Field(description="The first words of the stem, as plain text.")
    updated_at: datetime


class SearchPage(BaseModel):
    items: list[QuestionHit]
    next: str | None = Field(None, description="URL of the next page; absent on the last page.")
    total: int | None = Field(
        None, description="How many questions match every filter (given with facets)."
    )
    facets: dict[str, list[FacetCount]] | None = Field(
        None,
        description="Per facet, its values and counts under every filter except its own; "
        "most frequent first.",
    )


@dataclass(frozen=True)
class Filters:
    track: frozenset[UUID] = frozenset()
    topic: frozenset[UUID] = frozenset()
    tag: frozenset[str] = frozenset()
    type: frozenset[str] = frozenset()
    status: frozenset[str] = frozenset()
    difficulty: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Search:
    org_id: UUID
    dialect: str
    filters: Filters = field(default_factory=Filters)
    text: str | None = None  # cleaned user text with at least one searchable term


@dataclass(frozen=True)
class Results:
    items: list[QuestionHit]
    next_cursor: str | None
    total: int | None
    facets: dict[str, list[FacetCount]] | None


# --- the text query -------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_query(raw: str | None) -> str | None:
    """The user's text without control characters, or None when no term is left to search."""
    if raw is None:
        return None
    text = _CONTROL.sub(" ", raw).encode("utf-8", "replace").decode("utf-8")
    return text.strip() if any(ch.isalnum() for ch in text) else None


def fts5_query(text: str) -> str:
    """A safe FTS5 query for user text: each term a quoted string, the last one a prefix.

    Quoting takes away every operator (`AND`, `NEAR`, `*`, `^`, column filters, brackets); a
    quoted term is split into tokens by the table's own tokenizer, so `a-b` searches the
    phrase "a b". Terms with no letter or digit are dropped: FTS5 would match nothing for them.
    """
    terms = [t for t in text.split() if any(ch.isalnum() for ch in t)][:32]
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


def _pg_vector() -> ColumnElement[Any]:
    return func.to_tsvector(_PG_CONFIG, Question.search_text)


def _pg_query(text: str) -> ColumnElement[Any]:
    return func.websearch_to_tsquery(_PG_CONFIG, literal(text))


def _text_condition(search: Search) -> ColumnElement[bool]:
    assert search.text is not None
    if search.dialect == "postgresql":
        return _pg_vector().op("@@", is_comparison=True)(_pg_query(search.text))
    matching = _FTS.select().with_only_columns(_FTS.c.question_id)
    return Question.id.in_(matching.where(_fts_match(search.text)))


def _fts_match(text: str) -> ColumnElement[bool]:
    return _FTS_MATCH.op("MATCH", is_comparison=True)(literal(fts5_query(text)))


# --- filters --------------------------------------------------------------------------------

_COLUMN_FACETS: dict[str, Any] = {
    "topic": Question.topic_id,
    "type": Question.type,
    "status": Question.status,
    "difficulty": Question.difficulty,
}


def _conditions(
    search: Search, *, skip: Iterable[str] = (), with_text: bool = True
) -> list[ColumnElement[bool]]:
    f, skipped = search.filters, set(skip)
    conditions: list[ColumnElement[bool]] = []
    if f.track:
        conditions.append(Question.track_id.in_(f.track))
    for name, values in (
        ("topic", f.topic),
        ("type", f.type),
        ("status", f.status),
        ("difficulty", f.difficulty),
    ):
        if values and name not in skipped:
            conditions.append(_COLUMN_FACETS[name].in_(values))
    if f.tag and "tag" not in skipped:
        tagged = scoped(QuestionTag, search.org_id).with_only_columns(QuestionTag.question_id)
        conditions.append(Question.id.in_(tagged.where(QuestionTag.tag.in_(f.tag))))
    if with_text and search.text is not None:
        conditions.append(_text_condition(search))
    return conditions


async def subtrees(
    ctx: Context, org_id: UUID, topics: Iterable[UUID]
) -> dict[UUID, frozenset[UUID]]:
    """Each topic with every topic below it: a filter on a topic takes its subtopics in."""
    wanted = set(topics)
    if not wanted:
        return {}
    rows = (
        await ctx.session.execute(
            scoped(Topic, org_id).with_only_columns(Topic.id, Topic.parent_id)
        )
    ).all()
    children: dict[UUID | None, list[UUID]] = {}
    for topic_id, parent_id in rows:
        children.setdefault(parent_id, []).append(topic_id)
    found: dict[UUID, frozenset[UUID]] = {}
    for root in wanted:
        tree, pending = {root}, [root]
        while pending:
            for child in children.get(pending.pop(), []):
                if child not in tree:
                    tree.add(child)
                    pending.append(child)
        found[root] = frozenset(tree)
    return found


# --- the page -------------------------------------------------------------------------------


def _decode_position(ctx: Context, cursor: str, ranked: bool) -> tuple[Any, UUID]:
    key = decode_cursor(ctx.secret_key, cursor)
    try:
        kind, sort_value, last_id = key
        position = UUID(last_id)
        if ranked and kind == "r" and type(sort_value) in (int, float):
            return float(sort_value), position
        if not ranked and kind == "t" and isinstance(sort_value, str):
            moment = datetime.fromisoformat(sort_value)
            if moment.tzinfo is not None:
                return moment, position
    except (TypeError, ValueError) as exc:
        raise InvalidCursor() from exc
    raise InvalidCursor()  # a cursor of another ordering (q added or removed): start again


def _page_query(
    search: Search, after: tuple[Any, UUID] | None, limit: int
) -> Select[*tuple[Any, ...]]:
    columns = (
        Question.id, Question.track_id, Question.type, Question.status, Question.topic_id,
        Question.difficulty, Question.head_version_id, Question.created_at, Question.updated_at,
    )  # fmt: skip
    query: Select[*tuple[Any, ...]] = scoped(Question, search.org_id).with_only_columns(*columns)
    if search.text is None:
        query = query.where(*_conditions(search))
        if after is not None:
            moment, last_id = after
            query = query.where(
                or_(
                    Question.created_at < moment,
                    and_(Question.created_at == moment, Question.id < last_id),
                )
            )
        order = (Question.created_at.desc(), Question.id.desc())
        return query.order_by(*order).limit(limit + 1)
    # Ranked: lower score first (bm25 is negative, better when lower; ts_rank is negated).
    score: ColumnElement[Any]
    if search.dialect == "postgresql":
        query = query.where(*_conditions(search))
        score = -func.ts_rank(_pg_vector(), _pg_query(search.text), type_=Float)
    else:
        # Matches first, materialised, then their questions by primary key: the planner must
        # not run the full-text query once per question of the organisation.
        matches = (
            _FTS.select()
            .with_only_columns(
                _FTS.c.question_id.label("question_id"),
                func.bm25(_FTS_MATCH, type_=Float).label("score"),
            )
            .where(_fts_match(search.text))
            .cte("matches")
            .prefix_with("MATERIALIZED")
        )
        query = query.join(matches, matches.c.question_id == Question.id)
        query = query.where(*_conditions(search, with_text=False))
        score = matches.c.score
    query = query.add_columns(score.label("score"))
    if after is not None:
        value, last_id = after
        bound = literal(value, Float)
        query = query.where(or_(score > bound, and_(score == bound, Question.id > last_id)))
    return query.order_by(score, Question.id).limit(limit + 1)


async def _tags_of(ctx: Context, org_id: UUID, ids: Sequence[UUID]) -> dict[UUID, list[str]]:
    tags: dict[UUID, list[str]] = {i: [] for i in ids}
    if ids:
        rows = await ctx.session.execute(
            scoped(QuestionTag, org_id)
            .with_only_columns(QuestionTag.question_id, QuestionTag.tag)
            .where(QuestionTag.question_id.in_(ids))
            .order_by(QuestionTag.tag)
        )
        for question_id, tag in rows:
            tags[question_id].append(tag)
    return tags


async def _stems_of(
    ctx: Context, org_id: UUID, version_ids: Sequence[UUID | None]
) -> dict[UUID, str]:
    wanted = [v for v in version_ids if v is not None]
    if not wanted:
        return {}
    # Only the start of each stem leaves the database; it is all an excerpt needs.
    stem = func.substr(QuestionVersion.content["stem"].as_string(), 1, EXCERPT_LENGTH * 8)
    rows = await ctx.session.execute(
        scoped(QuestionVersion, org_id)
        .with_only_columns(QuestionVersion.id, stem)
        .where(QuestionVersion.id.in_(wanted))
    )
    return {version_id: plain_excerpt(text or "") for version_id, text in rows}


_markdown = MarkdownIt("commonmark")
_INLINE_TEXT = {"text", "code_inline", "image"}


def plain_excerpt(markdown: str, limit: int = EXCERPT_LENGTH) -> str:
    """The text a reader sees of some Markdown (no markup, no HTML), cut at a word near `limit`."""
    parts: list[str] = []
    for block in _markdown.parse(markdown):
        if block.type in ("fence", "code_block"):
            parts.append(block.content)
        for token in block.children or ():
            if token.type in _INLINE_TEXT:
                parts.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                parts.append(" ")
        parts.append(" ")
    text = " ".join("".join(parts).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,.;:") + "…"


# --- facets ---------------------------------------------------------------------------------


def _values(search: Search, name: str) -> frozenset[Any]:
    selected: frozenset[Any] = getattr(search.filters, name)
    return selected


async def _column_facets(ctx: Context, search: Search) -> tuple[dict[str, Counter[Any]], int]:
    """Topic, type, status and difficulty facets and the total, from one grouped query.

    The query applies every filter except these four; each facet then adds up the groups that
    pass the other three, which is exactly "every filter except its own".
    """
    names = list(_COLUMN_FACETS)
    grouped = [_COLUMN_FACETS[n] for n in names]
    rows = (
        await ctx.session.execute(
            scoped(Question, search.org_id)
            .with_only_columns(*grouped, func.count())
            .where(*_conditions(search, skip=names))
            .group_by(*grouped)
        )
    ).all()
    counts: dict[str, Counter[Any]] = {n: Counter() for n in names}
    total = 0
    for row in rows:
        values, count = dict(zip(names, row[:-1], strict=True)), row[-1]
        passes = {n: not _values(search, n) or values[n] in _values(search, n) for n in names}
        for name in names:
            if all(passes[other] for other in names if other != name):
                counts[name][values[name]] += count
        if all(passes.values()):
            total += count
    return counts, total


async def _tag_facet(ctx: Context, search: Search) -> Counter[Any]:
    count = func.count()
    rows = await ctx.session.execute(
        scoped(QuestionTag, search.org_id)
        .with_only_columns(QuestionTag.tag, count)
        .join(Question, Question.id == QuestionTag.question_id)
        .where(Question.org_id == search.org_id, *_conditions(search, skip=["tag"]))
        .group_by(QuestionTag.tag)
        .order_by(count.desc(), QuestionTag.tag)
        .limit(MAX_FACET_VALUES)
    )
    return Counter({tag: n for tag, n in rows})


def _facet_list(counts: Counter[Any], selected: Iterable[Any]) -> list[FacetCount]:
    # A chosen value stays listed (with 0) so that a client can show it and undo it.
    for value in selected:
        counts.setdefault(value, 0)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    return [
        FacetCount(value=str(v) if isinstance(v, UUID) else v, count=n)
        for v, n in ordered[:MAX_FACET_VALUES]
    ]


async def facets_of(
    ctx: Context, search: Search, topic_trees: dict[UUID, frozenset[UUID]]
) -> tuple[dict[str, list[FacetCount]], int]:
    counts, total = await _column_facets(ctx, search)
    counts["tag"] = await _tag_facet(ctx, search)
    # A chosen topic counts the questions of its whole subtree, as the filter does.
    by_topic = counts["topic"]
    for topic, tree in topic_trees.items():
        by_topic[topic] = sum(by_topic.get(t, 0) for t in tree)
    selected = {
        "topic": frozenset(topic_trees),
        "tag": search.filters.tag,
        "type": search.filters.type,
        "status": search.filters.status,
        "difficulty": search.filters.difficulty,
    }
    names: tuple[FacetName, ...] = ("topic", "tag", "type", "status", "difficulty")
    return {name: _facet_list(counts[name], selected[name]) for name in names}, total


# --- the whole search -----------------------------------------------------------------------


async def search_questions(
    ctx: Context,
    org_id: UUID,
    *,
    dialect: str,
    q: str | None,
    filters: Filters,
    cursor: str | None,
    limit: int,
    with_facets: bool = True,
) -> Results:
    """One page of the organisation's questions that match, best first (newest first without
    text), with the facets of the whole result when asked."""
    topic_trees = await subtrees(ctx, org_id, filters.topic)
    if topic_trees:
        filters = replace(filters, topic=frozenset().union(*topic_trees.values()))
    search = Search(org_id=org_id, dialect=dialect, filters=filters, text=clean_query(q))
    ranked = search.text is not None
    after = _decode_position(ctx, cursor, ranked) if cursor is not None else None
    rows = (await ctx.session.execute(_page_query(search, after, limit))).all()
    page, more = rows[:limit], len(rows) > limit
    tags = await _tags_of(ctx, org_id, [r.id for r in page])
    stems = await _stems_of(ctx, org_id, [r.head_version_id for r in page])
    items = [
        QuestionHit(
            id=r.id, track_id=r.track_id, type=r.type, status=r.status, topic_id=r.topic_id,
            difficulty=r.difficulty, tags=tags[r.id],
            stem_excerpt=stems.get(r.head_version_id, "") if r.head_version_id else "",
            updated_at=r.updated_at,
        )
        for r in page
    ]  # fmt: skip
    next_cursor = None
    if more:
        last = page[-1]
        key = ["r", last.score, str(last.id)] if ranked else [
            "t", last.created_at.isoformat(), str(last.id)]  # fmt: skip
        next_cursor = encode_cursor(ctx.secret_key, key)
    facets, total = await facets_of(ctx, search, topic_trees) if with_facets else (None, None)
    return Results(items=items, next_cursor=next_cursor, total=total, facets=facets)
