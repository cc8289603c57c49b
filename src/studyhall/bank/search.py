"""Searching the question bank (service): full text, filters, facet counts and cursor pages.

Filters take one or more values each; the values of one filter are alternatives (OR) and
different filters must all hold (AND). A filter on a topic takes its subtopics in. Each facet
is counted with every filter applied except its own, so a facet lists what choosing another of
its values would give. PostgreSQL's SQL is in `search_query`; on SQLite the filters and facets
are counted over a per-process index of the bank (`search_index`) and the text is matched and
ranked by FTS5 (`search_fts5`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from markdown_it import MarkdownIt
from pydantic import BaseModel, Field
from sqlalchemy import func

from studyhall.bank import search_fts5, search_index
from studyhall.bank.models import QuestionTag, QuestionVersion
from studyhall.bank.search_query import (
    GROUPED_FACETS,
    MAX_FACET_VALUES,
    Filters,
    Search,
    clean_query,
    statement,
)
from studyhall.exams.models import Topic
from studyhall.kit.context import Context
from studyhall.kit.pagination import InvalidCursor, decode_cursor, encode_cursor
from studyhall.kit.tenancy import scoped

QuestionStatus = Literal["draft", "in_review", "published", "retired"]
FACETS = ("topic", "tag", "type", "status", "difficulty")
MAX_QUERY_LENGTH = 200
EXCERPT_LENGTH = 200


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
class Results:
    items: list[QuestionHit]
    next_cursor: str | None
    total: int | None
    facets: dict[str, list[FacetCount]] | None


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


def _decode_position(
    ctx: Context, cursor: str, ranked: bool
) -> tuple[tuple[Any, UUID], int | None]:
    """The cursor's (sort value, id), and for a text search how many hits came before it
    (a hint for the page's SQL; cursors issued before there was one lack it)."""
    key = decode_cursor(ctx.secret_key, cursor)
    try:
        kind, sort_value, last_id, *rest = key
        position = UUID(last_id)
        served = rest[0] if len(rest) == 1 and type(rest[0]) is int and rest[0] > 0 else None
        if (
            ranked
            and kind == "r"
            and type(sort_value) in (int, float)
            and len(rest) == (served is not None)
        ):
            return (float(sort_value), position), served
        if not ranked and kind == "t" and isinstance(sort_value, str) and not rest:
            moment = datetime.fromisoformat(sort_value)
            if moment.tzinfo is not None:
                return (moment, position), None
    except (TypeError, ValueError) as exc:
        raise InvalidCursor() from exc
    raise InvalidCursor()  # a cursor of another ordering (q added or removed): start again


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


# Excerpts by version id, made once per process: versions never change, and every page of
# results shows fifty (each a database read and a Markdown parse). Keyed by (org, version).
_excerpts: dict[tuple[UUID, UUID], str] = {}
EXCERPT_CACHE_SIZE = 50_000


async def _stems_of(
    ctx: Context, org_id: UUID, version_ids: Sequence[UUID | None]
) -> dict[UUID, str]:
    found = {v: e for v in version_ids if v and (e := _excerpts.get((org_id, v))) is not None}
    wanted = [v for v in version_ids if v is not None and v not in found]
    if not wanted:
        return found
    # Only the start of each stem leaves the database; it is all an excerpt needs.
    stem = func.substr(QuestionVersion.content["stem"].as_string(), 1, EXCERPT_LENGTH * 3)
    rows = await ctx.session.execute(
        scoped(QuestionVersion, org_id)
        .with_only_columns(QuestionVersion.id, stem)
        .where(QuestionVersion.id.in_(wanted))
    )
    if len(_excerpts) + len(wanted) > EXCERPT_CACHE_SIZE:
        _excerpts.clear()
    for version_id, text in rows:
        found[version_id] = _excerpts[(org_id, version_id)] = plain_excerpt(text or "")
    return found


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


def _grouped_facets(filters: Filters, groups: Sequence[Any]) -> tuple[dict[str, Counter[Any]], int]:
    """Type, status and difficulty facets, and the total, from the grouped counts.

    The groups were counted under every filter except these three. A facet counts a group when
    the other two pass: so a group failing none counts in all three and in the total, a group
    failing one counts in that one's facet only, and one failing two counts nowhere.
    """
    chosen = [filters.of(name) for name in GROUPED_FACETS]
    counts: list[Counter[Any]] = [Counter() for _ in GROUPED_FACETS]
    total = 0
    for row in groups:
        values = (row.type, row.status, row.difficulty)
        failing = [i for i, wanted in enumerate(chosen) if wanted and values[i] not in wanted]
        if not failing:
            total += row.n
            for i, value in enumerate(values):
                counts[i][value] += row.n
        elif len(failing) == 1:
            counts[failing[0]][values[failing[0]]] += row.n
    return dict(zip(GROUPED_FACETS, counts, strict=True)), total


def _facet_list(counts: Counter[Any], selected: Iterable[Any]) -> list[FacetCount]:
    # A chosen value stays listed (with 0) so that a client can show it and undo it.
    for value in selected:
        counts.setdefault(value, 0)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    return [
        FacetCount(value=str(v) if isinstance(v, UUID) else v, count=n)
        for v, n in ordered[:MAX_FACET_VALUES]
    ]


def facet_lists(
    filters: Filters, counts: dict[str, Counter[Any]], topic_trees: dict[UUID, frozenset[UUID]]
) -> dict[str, list[FacetCount]]:
    """The facets as served, from each facet's counts by value (none of them zero)."""
    # A chosen topic counts the questions of its whole subtree, as the filter does.
    by_topic = counts["topic"]
    for topic, tree in topic_trees.items():
        by_topic[topic] = sum(by_topic.get(t, 0) for t in tree)
    selected = {name: filters.of(name) for name in FACETS}
    selected["topic"] = frozenset(topic_trees)
    return {name: _facet_list(counts[name], selected[name]) for name in FACETS}


def _counts_of_parts(
    filters: Filters, parts: dict[str, list[Any]]
) -> tuple[dict[str, Counter[Any]], int]:
    counts, total = _grouped_facets(filters, parts["groups"])
    counts["topic"] = Counter({row.topic_id: row.n for row in parts["topics"]})
    counts["tag"] = Counter({row.tag: row.n for row in parts["tags"]})
    return counts, total


# --- the whole search -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    """A page of question ids in order with their sort keys (at most `limit + 1`), what the
    page shows of each (`rows`; `tags` when the search has them), and the facet counts when
    asked."""

    page: list[tuple[Any, UUID]]
    rows: dict[UUID, Any]
    counts: dict[str, Counter[Any]] | None = None
    total: int | None = None
    tags: dict[UUID, list[str]] | None = None


async def _found_in_sql(
    ctx: Context, search: Search, after: Any, served: int | None, limit: int, facets: bool
) -> _Found:
    """PostgreSQL: one statement (search_query)."""
    rows = (await ctx.session.execute(statement(search, after, limit, facets=facets))).all()
    parts: dict[str, list[Any]] = {"page": [], "groups": [], "topics": [], "tags": []}
    for row in rows:
        parts[row.part].append(row)
    # A compound statement need not keep its parts' order: sort the page again.
    if search.text is not None:
        page = sorted((r.score, r.id) for r in parts["page"])
    else:
        page = sorted(((r.created_at, r.id) for r in parts["page"]), reverse=True)
    counts, total = _counts_of_parts(search.filters, parts) if facets else (None, None)
    return _Found(page, {r.id: r for r in parts["page"]}, counts, total)


async def _found_in_index(
    ctx: Context, search: Search, after: Any, served: int | None, limit: int, facets: bool
) -> _Found:
    """SQLite: filters and facets over the bank's index, the text through FTS5. Without
    facets the matches need not be listed: the page's SQL tests the filters itself."""
    index = await search_index.index_of(ctx, search.org_id)
    given = search_index.masks(index, search.filters)
    found = index.everything
    if search.text is not None and facets and index.size:
        found = await search_fts5.matching(ctx, index, search.org_id, search.text)
    passing = found
    for mask in given.values():
        passing &= mask
    hits: list[tuple[Any, UUID, int]] = []
    if search.text is None:
        positions = index.newest(passing, after, limit + 1)
        hits = [(index.created_at(p), index.id_of(p), p) for p in positions]
    elif passing:
        hits = await search_fts5.best(
            ctx, index, search.org_id, search.text, passing, all_pass=passing == found,
            after=after, served=served if after is not None else 0, limit=limit,
        )  # fmt: skip
    page = [(key, question_id) for key, question_id, _ in hits]
    tags = {question_id: list(index.tags[p]) for _, question_id, p in hits}
    rows = {question_id: index.row(p) for _, question_id, p in hits[:limit]}
    if not facets:
        return _Found(page, rows, tags=tags)
    counts, total = search_index.count(index, found, given)
    return _Found(page, rows, counts, total, tags=tags)


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
    after, served = _decode_position(ctx, cursor, ranked) if cursor is not None else (None, 0)
    find = _found_in_index if dialect == "sqlite" else _found_in_sql
    found = await find(ctx, search, after, served, limit, with_facets)
    page, more = found.page[:limit], len(found.page) > limit
    ids = [question_id for _, question_id in page]
    rows = found.rows
    tags = found.tags if found.tags is not None else await _tags_of(ctx, org_id, ids)
    stems = await _stems_of(ctx, org_id, [rows[i].head_version_id for i in ids])
    items = [
        QuestionHit(
            id=r.id, track_id=r.track_id, type=r.type, status=r.status, topic_id=r.topic_id,
            difficulty=r.difficulty, tags=tags[r.id], updated_at=r.updated_at,
            stem_excerpt=stems.get(r.head_version_id, "") if r.head_version_id else "",
        )
        for r in (rows[i] for i in ids)
    ]  # fmt: skip
    next_cursor = None
    if more:
        key, last_id = page[-1]
        if ranked:
            so_far = None if served is None else served + len(page)
            position = ["r", key, str(last_id), *([] if so_far is None else [so_far])]
        else:
            position = ["t", key.isoformat(), str(last_id)]
        next_cursor = encode_cursor(ctx.secret_key, position)
    facets = facet_lists(filters, found.counts, topic_trees) if found.counts is not None else None
    return Results(items=items, next_cursor=next_cursor, total=found.total, facets=facets)
