"""The SQL of question search: the text query, the filters, and PostgreSQL's statement.

Full text runs over `questions.search_text` (stem, options and explanation of the head version)
through the index migration 0003 made: on SQLite an external-content FTS5 table keyed by
`questions.search_rowid`, with the organisation as a column, ranked by bm25 (its queries are
made here and run by `search_fts5`); on PostgreSQL a GIN index on the stored
`questions.search_vector` (`to_tsvector('english', search_text)`), ranked by ts_rank. Neither
column is in the ORM metadata: they are named here.

On PostgreSQL a search is one statement: the page, the grouped counts the facets are made of,
and the tag counts, joined by UNION ALL. With text, the matching questions are found once, in
a materialised `hits` CTE that all three parts read. The hits carry only what the facets need
(the columns of a covering index); the page takes its 51 best first and only then reads their
rows. (On SQLite the database works in this process, and the facets are counted over a
per-process index instead: `search_index`.)
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
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from studyhall.bank.models import Question, QuestionTag
from studyhall.kit.db import UTCDateTime
from studyhall.kit.tenancy import scoped

# Facets with many values (tags) list the most frequent ones only.
MAX_FACET_VALUES = 50
COLUMN_FACETS = ("topic", "type", "status", "difficulty")

# Not in the ORM metadata (migration 0003 owns it).
_SEARCH_VECTOR: ColumnElement[Any] = literal_column("questions.search_vector")
_PG_CONFIG: ColumnElement[Any] = literal_column("'english'")  # a literal, as in the column


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


def fts5_org_query(org_id: UUID, text: str) -> str:
    """The text query restricted to one organisation's rows of the shared FTS5 table.

    The organisation is a column of the table (its id as stored, 32 hex digits); the user's
    terms are confined to the `search_text` column, so none of them can match an id.
    """
    return f'org_id : "{org_id.hex}" AND search_text : ({fts5_query(text)})'


def pg_text_condition(text: str) -> ColumnElement[bool]:
    """`search_vector @@ websearch_to_tsquery('english', :q)`, which the GIN index serves."""
    return _SEARCH_VECTOR.op("@@", is_comparison=True)(_pg_query(text))


def _pg_query(text: str) -> ColumnElement[Any]:
    return func.websearch_to_tsquery(_PG_CONFIG, literal(text))


# --- where rows come from -------------------------------------------------------------------

_COLUMNS = (
    "id", "track_id", "topic_id", "type", "status", "difficulty", "head_version_id",
    "created_at", "updated_at",
)  # fmt: skip
# What the hits carry: the filter and facet columns, all in the index a match is joined on.
_HIT_COLUMNS = ("id", "track_id", "topic_id", "type", "status", "difficulty")


@dataclass(frozen=True)
class Source:
    """The rows a search reads: the organisation's questions, or the `hits` of a text search
    (those of its questions that match, with their score; lower is better), which are already
    on the chosen tracks."""

    c: dict[str, ColumnElement[Any]]
    select: Callable[..., Select[Any]]  # a SELECT of the given columns from these rows
    score: ColumnElement[Any] | None = None
    found_by_text: bool = False


def _questions(search: Search) -> Source:
    def select_questions(*columns: ColumnElement[Any]) -> Select[Any]:
        return scoped(Question, search.org_id).with_only_columns(*columns)

    return Source({name: getattr(Question, name) for name in _COLUMNS}, select_questions)


def _on_tracks(search: Search, query: Select[Any]) -> Select[Any]:
    return (
        query.where(Question.track_id.in_(search.filters.track)) if search.filters.track else query
    )


def _hits(search: Search) -> Source:
    """PostgreSQL: the organisation's questions (on the chosen tracks) that match the text,
    scored (lower is better: the negated ts_rank)."""
    assert search.text is not None
    query = scoped(Question, search.org_id).with_only_columns(
        *(getattr(Question, name) for name in _HIT_COLUMNS)
    )
    score = -func.ts_rank(_SEARCH_VECTOR, _pg_query(search.text), type_=Float)
    query = query.where(pg_text_condition(search.text))
    query = _on_tracks(search, query).add_columns(score.label("score"))
    hits = query.cte("hits").prefix_with("MATERIALIZED")

    def select_hits(*columns: ColumnElement[Any]) -> Select[Any]:
        return select(*columns).select_from(hits)

    columns: dict[str, ColumnElement[Any]] = {name: hits.c[name] for name in _HIT_COLUMNS}
    return Source(columns, select_hits, hits.c.score, found_by_text=True)


def _conditions(search: Search, src: Source, skip: Iterable[str] = ()) -> list[Any]:
    """The filters as conditions on `src`, leaving out the facets named in `skip`."""
    f, skipped = search.filters, set(skip)
    conditions: list[Any] = []
    if f.track and not src.found_by_text:  # hits are already on the chosen tracks
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
    if src.score is None:
        return _newest(search, src, after, limit)
    # Best first: lower score, then id. The best `limit + 1` are picked from the hits' narrow
    # rows; only theirs are then read from `questions`.
    last_id = src.c["id"]
    best = src.select(last_id.label("id"), src.score.label("score")).where(
        *_conditions(search, src)
    )
    if after is not None:
        value, after_id = after
        bound = literal(value, Float)
        best = best.where(or_(src.score > bound, and_(src.score == bound, last_id > after_id)))
    return _rows_of(search, best.order_by(src.score, last_id).limit(limit + 1).subquery("top"))


def _rows_of(search: Search, top: Any) -> Select[Any]:
    """The page's questions, read for the chosen few (`top`: their ids and scores)."""
    row = {name: getattr(Question, name) for name in _COLUMNS}
    return (
        scoped(Question, search.org_id)
        .with_only_columns(*_columns("page", **row, score=top.c.score))
        .join(top, top.c.id == Question.id)
        .order_by(top.c.score, top.c.id)
    )


def _newest(search: Search, src: Source, after: tuple[Any, UUID] | None, limit: int) -> Select[Any]:
    row = {name: src.c[name] for name in _COLUMNS}
    query = src.select(*_columns("page", **row)).where(*_conditions(search, src))
    created, last_id = src.c["created_at"], src.c["id"]
    if after is not None:
        moment, after_id = after
        query = query.where(or_(created < moment, and_(created == moment, last_id < after_id)))
    return query.order_by(created.desc(), last_id.desc()).limit(limit + 1)


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
    if src.found_by_text or conditions:
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
    (`groups`), topic counts (`topics`) and tag counts (`tags`), in one statement. (SQLite
    searches through `search_index` and `search_fts5` instead.)"""
    src = _questions(search) if search.text is None else _hits(search)
    page = _page(search, src, after, limit)
    if not facets:
        return page
    # ORDER BY and LIMIT would bind to the whole compound: parts with them are subqueries
    # (whose order the compound need not keep; the caller sorts the page again).
    tags = _tag_counts(search, src)
    return union_all(
        select(*page.subquery().c),
        _grouped_counts(search, src),
        _topic_counts(search, src),
        select(*tags.subquery().c),
    )
