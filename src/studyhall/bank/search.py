"""Searching the question bank (service): full text, filters, facet counts and cursor pages.

Filters take one or more values each; the values of one filter are alternatives (OR) and
different filters must all hold (AND). A filter on a topic takes its subtopics in. Each facet
is counted with every filter applied except its own, so a facet lists what choosing another of
its values would give. The SQL is in `search_query`.
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

from studyhall.bank.models import QuestionTag, QuestionVersion
from studyhall.bank.search_query import (
    GROUPED_FACETS,
    MAX_FACET_VALUES,
    MINUS,
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


@dataclass(frozen=True)
class _Negated:
    """A grouped row to take away: its values, with its count negated."""

    row: Any

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.row, name)
        return -value if name == "n" else value


def _facet_list(counts: Counter[Any], selected: Iterable[Any]) -> list[FacetCount]:
    # A chosen value stays listed (with 0) so that a client can show it and undo it.
    for value in selected:
        counts.setdefault(value, 0)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    return [
        FacetCount(value=str(v) if isinstance(v, UUID) else v, count=n)
        for v, n in ordered[:MAX_FACET_VALUES]
    ]


def _signed(parts: dict[str, list[Any]], name: str, key: str) -> Counter[Any]:
    """A part's counts, less those of its MINUS part (counted the other way round); values
    left with none are dropped, as a part counted directly would never list them."""
    counts: Counter[Any] = Counter()
    for row in parts[name]:
        counts[getattr(row, key)] += row.n
    for row in parts[name + MINUS]:
        counts[getattr(row, key)] -= row.n
    return Counter({value: n for value, n in counts.items() if n})


def facets_of(
    filters: Filters, parts: dict[str, list[Any]], topic_trees: dict[UUID, frozenset[UUID]]
) -> tuple[dict[str, list[FacetCount]], int]:
    # Sums are linear: groups to take away are added with a negative count.
    groups = [*parts["groups"], *(_Negated(row) for row in parts["groups" + MINUS])]
    counts, total = _grouped_facets(filters, groups)
    counts = {name: Counter({v: n for v, n in c.items() if n}) for name, c in counts.items()}
    counts["topic"] = _signed(parts, "topics", "topic_id")
    counts["tag"] = _signed(parts, "tags", "tag")
    # A chosen topic counts the questions of its whole subtree, as the filter does.
    by_topic = counts["topic"]
    for topic, tree in topic_trees.items():
        by_topic[topic] = sum(by_topic.get(t, 0) for t in tree)
    selected = {name: filters.of(name) for name in FACETS}
    selected["topic"] = frozenset(topic_trees)
    return {name: _facet_list(counts[name], selected[name]) for name in FACETS}, total


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
    rows = (await ctx.session.execute(statement(search, after, limit, facets=with_facets))).all()
    parts: dict[str, list[Any]] = {
        name: [] for part in ("groups", "topics", "tags") for name in (part, part + MINUS)
    }
    parts["page"] = []
    for row in rows:
        parts[row.part].append(row)
    # A compound statement need not keep its parts' order: sort the page again.
    if ranked:
        found = sorted(parts["page"], key=lambda r: (r.score, r.id))
    else:
        found = sorted(parts["page"], key=lambda r: (r.created_at, r.id), reverse=True)
    page, more = found[:limit], len(found) > limit
    tags = await _tags_of(ctx, org_id, [r.id for r in page])
    stems = await _stems_of(ctx, org_id, [r.head_version_id for r in page])
    items = [
        QuestionHit(
            id=r.id, track_id=r.track_id, type=r.type, status=r.status, topic_id=r.topic_id,
            difficulty=r.difficulty, tags=tags[r.id], updated_at=r.updated_at,
            stem_excerpt=stems.get(r.head_version_id, "") if r.head_version_id else "",
        )
        for r in page
    ]  # fmt: skip
    next_cursor = None
    if more:
        last = page[-1]
        key = ["r", last.score, str(last.id)] if ranked else [
            "t", last.created_at.isoformat(), str(last.id)]  # fmt: skip
        next_cursor = encode_cursor(ctx.secret_key, key)
    facets, total = facets_of(filters, parts, topic_trees) if with_facets else (None, None)
    return Results(items=items, next_cursor=next_cursor, total=total, facets=facets)
