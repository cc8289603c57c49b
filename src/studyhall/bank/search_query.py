"""The SQL of question search: the text query, the filters, and one statement per search.

Full text runs over `questions.search_text` (stem, options and explanation of the head version)
through the index migration 0003 made: on SQLite an external-content FTS5 table keyed by
`questions.search_rowid`, with the organisation as a column, ranked by bm25; on PostgreSQL a
GIN index on the stored `questions.search_vector` (`to_tsvector('english', search_text)`),
ranked by ts_rank. Neither column is in the ORM metadata: they are named here.

A search is one statement: the page, the grouped counts the facets are made of, and the tag
counts, joined by UNION ALL. With text, the matching questions are found once, in a
materialised `hits` CTE that all three parts read: the full-text query (the costly part on a
big bank) runs once per request, not once per part. The hits carry only what the facets need
(the columns of a covering index); the page takes its 51 best first and only then reads their
rows.
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

# Not in the ORM metadata (migration 0003 owns them). The FTS5 table's org_id column narrows
# the match inside the index; the scoping that counts is still on `questions.org_id`, to which
# every match is joined.
_FTS = table("question_search", column("rowid"))
_FTS_MATCH: ColumnElement[Any] = literal_column("question_search")
_SEARCH_ROWID: ColumnElement[Any] = literal_column("questions.search_rowid")
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
    """The rows a search reads: the organisation's questions, the `hits` of a text search
    (those of its questions that match, with their score; lower is better), or the `misses`
    (those that do not). Hits and misses are already on the chosen tracks."""

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


def _fts5(match: str) -> Select[Any]:
    return (
        select(_FTS.c.rowid.label("search_rowid"))
        .select_from(_FTS)
        .where(_FTS_MATCH.op("MATCH", is_comparison=True)(literal(match)))
    )


def _matches(search: Search) -> Any:
    """SQLite: the rowids of the organisation's matching questions with their bm25 score.

    Materialised, so the full-text query runs once, never once per question. The weight 0
    keeps the organisation's own term out of the score.
    """
    assert search.text is not None
    fts = _fts5(fts5_org_query(search.org_id, search.text))
    score = func.bm25(_FTS_MATCH, 1.0, 0.0, type_=Float).label("score")
    return fts.add_columns(score).cte("matches").prefix_with("MATERIALIZED")


def _hits(search: Search, matches: Any, when: ColumnElement[bool] | None = None) -> Source:
    """The organisation's questions (on the chosen tracks) that match the text, scored; none
    unless `when` holds, if given (a condition on no row: checked before any is read)."""
    assert search.text is not None
    query = scoped(Question, search.org_id).with_only_columns(
        *(getattr(Question, name) for name in _HIT_COLUMNS)
    )
    score: ColumnElement[Any]
    if search.dialect == "postgresql":
        score = -func.ts_rank(_SEARCH_VECTOR, _pg_query(search.text), type_=Float)
        query = query.where(pg_text_condition(search.text))
    else:
        # Joined through the covering index on search_rowid: a match's row is never read.
        query = query.join(matches, matches.c.search_rowid == _SEARCH_ROWID)
        score = matches.c.score
    query = _on_tracks(search, query).add_columns(score.label("score"))
    if when is not None:
        query = query.where(when)
    hits = query.cte("hits").prefix_with("MATERIALIZED")

    def select_hits(*columns: ColumnElement[Any]) -> Select[Any]:
        return select(*columns).select_from(hits)

    columns: dict[str, ColumnElement[Any]] = {name: hits.c[name] for name in _HIT_COLUMNS}
    return Source(columns, select_hits, hits.c.score, found_by_text=True)


def _misses(search: Search, when: ColumnElement[bool]) -> Source:
    """SQLite: the organisation's questions (on the chosen tracks) that do NOT match the text;
    computed only `when` that holds (a condition on no row: checked before any is read)."""
    assert search.text is not None
    org = f'org_id : "{search.org_id.hex}"'
    # Materialised: otherwise a planner may run the full-text query once per question.
    not_matching = _fts5(f"{org} NOT search_text : ({fts5_query(search.text)})").where(when)
    unmatched = not_matching.cte("unmatched").prefix_with("MATERIALIZED")
    query = (
        scoped(Question, search.org_id)
        .with_only_columns(*(getattr(Question, name) for name in _HIT_COLUMNS))
        .join(unmatched, unmatched.c.search_rowid == _SEARCH_ROWID)
        .where(when)
    )
    misses = _on_tracks(search, query).cte("misses").prefix_with("MATERIALIZED")

    def select_misses(*columns: ColumnElement[Any]) -> Select[Any]:
        return select(*columns).select_from(misses)

    columns: dict[str, ColumnElement[Any]] = {name: misses.c[name] for name in _HIT_COLUMNS}
    return Source(columns, select_misses, None, found_by_text=True)


def _conditions(search: Search, src: Source, skip: Iterable[str] = ()) -> list[Any]:
    """The filters as conditions on `src`, leaving out the facets named in `skip`."""
    f, skipped = search.filters, set(skip)
    conditions: list[Any] = []
    if f.track and not src.found_by_text:  # hits and misses are already on the chosen tracks
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


def _best_matches(
    search: Search, matches: Any, after: tuple[Any, UUID] | None, limit: int
) -> Select[Any]:
    """The page of a text search with no filter (SQLite), without joining every match.

    Only the matches scoring no worse than the (limit + 1)-th best after the cursor can be on
    the page, so only those are joined to their questions (for the id that breaks ties). The
    cursor's own score may be shared by matches already served, which are not after it: the
    cut is taken that many places further down, so it is never too early.
    """
    score, rowid = matches.c.score, matches.c.search_rowid
    not_before: list[Any] = []
    skipped: Any = 0
    if after is not None:
        bound = literal(after[0], Float)
        not_before = [score >= bound]
        skipped = select(func.count()).select_from(matches).where(score == bound)
        skipped = skipped.scalar_subquery()
    cut = (
        select(score)
        .select_from(matches)
        .where(*not_before)
        .order_by(score)
        .limit(1)
        .offset(literal(limit, Integer) + skipped)
        .scalar_subquery()
    )
    best = (
        scoped(Question, search.org_id)
        .with_only_columns(Question.id.label("id"), score.label("score"))
        .join(matches, rowid == _SEARCH_ROWID)
        .where(*not_before, or_(cut.is_(None), score <= cut))
    )
    if after is not None:
        bound, after_id = literal(after[0], Float), after[1]
        best = best.where(or_(score > bound, and_(score == bound, Question.id > after_id)))
    return _rows_of(search, best.order_by(score, Question.id).limit(limit + 1).subquery("top"))


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
# A part named with this suffix counts questions to take away (see `statement`).
MINUS = "-"


@dataclass(frozen=True)
class _Counting:
    """Which rows a set of facet parts counts, and how they are labelled and bounded."""

    src: Source
    suffix: str = ""  # MINUS for the counts to subtract
    when: ColumnElement[bool] | None = None  # a condition on no row: whether to count at all
    top_tags_only: bool = True  # whether the SQL may keep only the most frequent tags


def _where(counting: _Counting, conditions: list[Any]) -> list[Any]:
    return conditions if counting.when is None else [counting.when, *conditions]


def _grouped_counts(search: Search, counting: _Counting) -> Select[Any]:
    """Counts by (type, status, difficulty), under every filter but those three."""
    src = counting.src
    grouped = {name: src.c[name] for name in GROUPED_FACETS}
    return (
        src.select(*_columns("groups" + counting.suffix, n=func.count(), **grouped))
        .where(*_where(counting, _conditions(search, src, skip=GROUPED_FACETS)))
        .group_by(*grouped.values())
    )


def _topic_counts(search: Search, counting: _Counting) -> Select[Any]:
    src, topic = counting.src, counting.src.c["topic_id"]
    return (
        src.select(*_columns("topics" + counting.suffix, n=func.count(), topic_id=topic))
        .where(*_where(counting, _conditions(search, src, skip=["topic"])))
        .group_by(topic)
    )


def _tag_counts(search: Search, counting: _Counting) -> Select[Any]:
    src, count = counting.src, func.count()
    query = scoped(QuestionTag, search.org_id).with_only_columns(
        *_columns("tags" + counting.suffix, tag=QuestionTag.tag, n=count)
    )
    conditions = _conditions(search, src, skip=["tag"])
    if src.found_by_text or conditions:
        # The tags of the questions that pass: a set lookup per tag row, not a join per row.
        # The condition is repeated inside: the set is built before the outer WHERE is read.
        matching = src.select(src.c["id"]).where(*_where(counting, conditions))
        query = query.where(QuestionTag.question_id.in_(matching))
    query = query.where(*_where(counting, [])).group_by(QuestionTag.tag)
    if counting.top_tags_only:
        query = query.order_by(count.desc(), QuestionTag.tag).limit(MAX_FACET_VALUES)
    return query


def _facet_parts(search: Search, counting: _Counting) -> list[Select[Any]]:
    # ORDER BY and LIMIT would bind to the whole compound: parts with them are subqueries
    # (whose order the compound need not keep; the caller sorts the page again).
    tags = _tag_counts(search, counting)
    return [
        _grouped_counts(search, counting),
        _topic_counts(search, counting),
        select(*tags.subquery().c) if counting.top_tags_only else tags,
    ]


def _most_match(search: Search, matches: Any) -> ColumnElement[bool]:
    """Whether more than half of the organisation's questions match: worked out once (a
    one-row CTE), then read by every part it decides."""
    in_org = scoped(Question, search.org_id).with_only_columns(func.count())
    matched = select(func.count()).select_from(matches)
    decision = (
        select((matched.scalar_subquery() * 2 > in_org.scalar_subquery()).label("yes"))
        .cte("most_match")
        .prefix_with("MATERIALIZED")
    )
    return select(decision.c.yes).scalar_subquery().is_(True)


def statement(
    search: Search, after: tuple[Any, UUID] | None, limit: int, *, facets: bool
) -> CompoundSelect[Any] | Select[Any]:
    """The page (`part` = page, at most `limit + 1` rows), and with facets the grouped counts
    (`groups`), topic counts (`topics`) and tag counts (`tags`), in one statement.

    On SQLite, when most of the organisation's questions match the text, the facets are
    counted the other way round, exactly: over all its questions (which the covering indexes
    serve without a sort) minus over the few that do not match (parts suffixed `MINUS`).
    Counting over most of the bank through the matches would cost a sort of every match and
    a lookup of every match's tags. Which way is decided inside the statement, once.
    """
    matches = None
    if search.text is None:
        src = _questions(search)
    elif search.dialect == "postgresql":
        src = _hits(search, None)
    else:
        matches = _matches(search)
        most = _most_match(search, matches)
        unfiltered = search.filters == Filters()
        # Without filters the page needs no hits, and when most questions match, neither do
        # the facets: the hits are then not even made (a condition on no row).
        src = _hits(search, matches, when=~most if unfiltered and facets else None)
    if matches is not None and unfiltered:
        page = _best_matches(search, matches, after, limit)
    else:
        page = _page(search, src, after, limit)
    if not facets:
        return page
    parts: list[Select[Any]] = [select(*page.subquery().c)]
    if matches is None:
        parts += _facet_parts(search, _Counting(src))
    else:
        parts += _facet_parts(search, _Counting(src, when=~most))
        everything = _Counting(_questions(search), when=most, top_tags_only=False)
        misses = _Counting(_misses(search, most), MINUS, most, top_tags_only=False)
        parts += _facet_parts(search, everything) + _facet_parts(search, misses)
    return union_all(*parts)
