"""The SQL of question search: the text query, the filters, and one statement per search.

Full text runs over `questions.search_text` (stem, options and explanation of the head version)
through the index migration 0002 made: an FTS5 table on SQLite, ranked by bm25; a GIN index on
`to_tsvector('english', search_text)` on PostgreSQL, ranked by ts_rank. The PostgreSQL
expressions below are written exactly as the index is, or the planner would not use it.

A search is one statement: the page, the grouped counts the facets are made of, and the tag
counts, joined by UNION ALL. With text, the matching questions are found once, in a
materialised `hits` CTE that all three parts read: the full-text query (the costly part on a
big bank) runs once per request, not once per part.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Float,
    Integer,
    Select,
    String,
    Uuid,
    and_,
    cast,
    column,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    table,
    union_all,
)

from studyhall.bank.models import Question, QuestionTag
from studyhall.kit.db import UTCDateTime
from studyhall.kit.tenancy import scoped

# Facets with many values (tags) list the most frequent ones only.
MAX_FACET_VALUES = 50
COLUMN_FACETS = ("topic", "type", "status", "difficulty")

# Not in the ORM metadata (migration 0002 owns it); it has no org_id, so it is only ever
# joined to questions that were scoped to the organisation.
_FTS = table("question_search", column("question_id"), column("search_text"))
_FTS_MATCH: ColumnElement[Any] = literal_column("question_search")
_PG_CONFIG: ColumnElement[Any] = literal_column("'english'")  # a literal, as in the index


@dataclass(frozen=True)
class Filters:
    track: frozenset[UUID] = frozenset()
    topic: frozenset[UUID] = frozenset()
    tag: frozenset[str] = frozenset()
    type: frozenset[str] = frozenset()
    status: frozenset[str] = frozenset()
    difficulty: frozenset[int] = frozenset()

    def of(self, facet: str) -> frozenset[Any]:
        values: frozenset[Any] = getattr(self, facet)
        return values


@dataclass(frozen=True)
class Search:
    org_id: UUID
    dialect: str
    filters: Filters = field(default_factory=Filters)
    text: str | None = None  # cleaned user text with at least one searchable term


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


def pg_text_condition(text: str) -> ColumnElement[bool]:
    """`to_tsvector('english', search_text) @@ websearch_to_tsquery('english', :q)`."""
    return _pg_vector().op("@@", is_comparison=True)(_pg_query(text))


def _pg_vector() -> ColumnElement[Any]:
    return func.to_tsvector(_PG_CONFIG, Question.search_text)


def _pg_query(text: str) -> ColumnElement[Any]:
    return func.websearch_to_tsquery(_PG_CONFIG, literal(text))


# --- where rows come from -------------------------------------------------------------------

_COLUMNS = (
    "id", "track_id", "topic_id", "type", "status", "difficulty", "head_version_id",
    "created_at", "updated_at",
)  # fmt: skip


@dataclass(frozen=True)
class Source:
    """The rows a search reads: the organisation's questions, or the `hits` of a text search
    (those of its questions that match, with their score; lower is better)."""

    c: dict[str, ColumnElement[Any]]
    select: Callable[..., Select[Any]]  # a SELECT of the given columns from these rows
    score: ColumnElement[Any] | None = None


def _questions(search: Search) -> Source:
    def select_questions(*columns: ColumnElement[Any]) -> Select[Any]:
        return scoped(Question, search.org_id).with_only_columns(*columns)

    return Source({name: getattr(Question, name) for name in _COLUMNS}, select_questions)


def _hits(search: Search) -> Source:
    """The organisation's questions (on the chosen tracks) that match the text, scored."""
    assert search.text is not None
    query = scoped(Question, search.org_id).with_only_columns(
        *(getattr(Question, name) for name in _COLUMNS)
    )
    score: ColumnElement[Any]
    if search.dialect == "postgresql":
        score = -func.ts_rank(_pg_vector(), _pg_query(search.text), type_=Float)
        query = query.where(pg_text_condition(search.text))
    else:
        # The matches are found first (materialised), then their questions by primary key:
        # the planner must never run the full-text query once per question.
        matches = (
            select(_FTS.c.question_id, func.bm25(_FTS_MATCH, type_=Float).label("score"))
            .select_from(_FTS)
            .where(_FTS_MATCH.op("MATCH", is_comparison=True)(literal(fts5_query(search.text))))
            .cte("matches")
            .prefix_with("MATERIALIZED")
        )
        query = query.join(matches, matches.c.question_id == Question.id)
        score = matches.c.score
    if search.filters.track:
        query = query.where(Question.track_id.in_(search.filters.track))
    hits = query.add_columns(score.label("score")).cte("hits").prefix_with("MATERIALIZED")

    def select_hits(*columns: ColumnElement[Any]) -> Select[Any]:
        return select(*columns).select_from(hits)

    return Source({name: hits.c[name] for name in _COLUMNS}, select_hits, hits.c.score)


def _conditions(search: Search, src: Source, skip: Iterable[str] = ()) -> list[Any]:
    """The filters as conditions on `src`, leaving out the facets named in `skip`."""
    f, skipped = search.filters, set(skip)
    conditions: list[Any] = []
    if f.track and src.score is None:  # the hits are already on the chosen tracks
        conditions.append(src.c["track_id"].in_(f.track))
    for name in COLUMN_FACETS:
        values = f.of(name)
        if values and name not in skipped:
            column_name = "topic_id" if name == "topic" else name
            conditions.append(src.c[column_name].in_(values))
    if f.tag and "tag" not in skipped:
        tagged = scoped(QuestionTag, search.org_id).with_only_columns(QuestionTag.question_id)
        conditions.append(src.c["id"].in_(tagged.where(QuestionTag.tag.in_(f.tag))))
    return conditions


# --- the statement --------------------------------------------------------------------------

# Every part of the UNION returns these columns, typed alike (PostgreSQL insists): a part
# fills what it has and leaves the rest NULL.
_OUT: dict[str, Any] = {
    "id": Uuid(), "track_id": Uuid(), "topic_id": Uuid(), "type": String(), "status": String(),
    "difficulty": Integer(), "head_version_id": Uuid(), "created_at": UTCDateTime(),
    "updated_at": UTCDateTime(), "score": Float(), "tag": String(), "n": Integer(),
}  # fmt: skip


def _columns(part: str, **given: Any) -> list[ColumnElement[Any]]:
    columns: list[ColumnElement[Any]] = [literal(part, String).label("part")]
    columns += [
        (given[name] if name in given else cast(null(), type_)).label(name)
        for name, type_ in _OUT.items()
    ]
    return columns


def _page(search: Search, src: Source, after: tuple[Any, UUID] | None, limit: int) -> Select[Any]:
    row = {name: src.c[name] for name in _COLUMNS}
    if src.score is not None:
        row["score"] = src.score
    query = src.select(*_columns("page", **row)).where(*_conditions(search, src))
    last_id = src.c["id"]
    if src.score is None:  # newest first
        created = src.c["created_at"]
        if after is not None:
            moment, after_id = after
            query = query.where(or_(created < moment, and_(created == moment, last_id < after_id)))
        return query.order_by(created.desc(), last_id.desc()).limit(limit + 1)
    if after is not None:  # best first: lower score, then id
        value, after_id = after
        bound = literal(value, Float)
        query = query.where(or_(src.score > bound, and_(src.score == bound, last_id > after_id)))
    return query.order_by(src.score, last_id).limit(limit + 1)


# Facets counted together: grouped by all three, each is the sum of the groups that pass the
# other two (a few hundred groups at most; grouping the topics in too would multiply them).
GROUPED_FACETS = ("type", "status", "difficulty")


def _grouped_counts(search: Search, src: Source) -> Select[Any]:
    """Counts by (type, status, difficulty), under every filter but those three."""
    grouped = {name: src.c[name] for name in GROUPED_FACETS}
    return (
        src.select(*_columns("groups", n=func.count(), **grouped))
        .where(*_conditions(search, src, skip=GROUPED_FACETS))
        .group_by(*grouped.values())
    )


def _topic_counts(search: Search, src: Source) -> Select[Any]:
    topic = src.c["topic_id"]
    return (
        src.select(*_columns("topics", n=func.count(), topic_id=topic))
        .where(*_conditions(search, src, skip=["topic"]))
        .group_by(topic)
    )


def _tag_counts(search: Search, src: Source) -> Select[Any]:
    count = func.count()
    query = scoped(QuestionTag, search.org_id).with_only_columns(
        *_columns("tags", tag=QuestionTag.tag, n=count)
    )
    conditions = _conditions(search, src, skip=["tag"])
    if src.score is not None or conditions:
        # The tags of the questions that pass: a set lookup per tag row, not a join per row.
        matching = src.select(src.c["id"]).where(*conditions)
        query = query.where(QuestionTag.question_id.in_(matching))
    return (
        query.group_by(QuestionTag.tag)
        .order_by(count.desc(), QuestionTag.tag)
        .limit(MAX_FACET_VALUES)
    )


def statement(
    search: Search, after: tuple[Any, UUID] | None, limit: int, *, facets: bool
) -> CompoundSelect[Any] | Select[Any]:
    """The page (`part` = page, at most `limit + 1` rows), and with facets the grouped counts
    (`groups`), topic counts (`topics`) and tag counts (`tags`), in one statement."""
    src = _hits(search) if search.text is not None else _questions(search)
    page = _page(search, src, after, limit)
    if not facets:
        return page
    # ORDER BY and LIMIT would bind to the whole compound: parts with them are subqueries
    # (whose order the compound need not keep; the caller sorts the page again).
    return union_all(
        select(*page.subquery().c),
        _grouped_counts(search, src),
        _topic_counts(search, src),
        select(*_tag_counts(search, src).subquery().c),
    )
