"""SQLite full text for search: which of an organisation's questions match, and the best few.

Two short statements on the FTS5 table of migration 0003 (whose `org_id` column keeps the
match inside one organisation), both of fixed shape, so neither is built per request:

- **Which match**, as the facet index's positions. When more than half of the organisation's
  questions match, it is cheaper to list those that do not (an FTS5 `NOT` query, cut off
  after half of the bank): a common word is never listed question by question.
- **The best**, by bm25 (FTS5 has no top-k: it scores every match it is asked to rank). Only
  the matches that pass the filters are scored: the facet index knows which questions pass,
  and hands SQLite a byte per rowid to test before bm25 is called. The candidates are all
  matches scoring no worse than the (limit + 1)-th after the cursor, ties included, ordered
  by (score, id) as the page has always been ordered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import text

from studyhall.bank.search_index import BankIndex
from studyhall.bank.search_query import fts5_org_query, fts5_query
from studyhall.kit.context import Context

_MATCHING = text(
    "SELECT group_concat(rowid) FROM question_search WHERE question_search MATCH :match"
)
_NOT_MATCHING = text(
    "SELECT group_concat(rowid) FROM (SELECT rowid FROM question_search "
    "WHERE question_search MATCH :match LIMIT :most)"
)
_PASSES = "AND substr(:flags, rowid - :first + 1, 1) = x'01'"
# A first page is cut from the best few by score alone (SQLite keeps only that many while it
# scores): exact unless the matches tied with the last of them run past it (see `best`).
_TOP = (
    "SELECT rowid, bm25(question_search, 1.0, 0.0) AS s FROM question_search "
    "WHERE question_search MATCH :match {passes} ORDER BY s LIMIT :size"
)
_TOP_ALL = text(_TOP.format(passes=""))
_TOP_PASSING = text(_TOP.format(passes=_PASSES))
# Otherwise every match is scored once into `m`; the cut is the (limit + 1)-th score at or
# after the cursor's, counted past the matches that share the cursor's score (some served).
_BEST = (
    "WITH m AS MATERIALIZED (SELECT rowid AS r, bm25(question_search, 1.0, 0.0) AS s "
    "FROM question_search WHERE question_search MATCH :match {passes}) "
    "SELECT r, s FROM m WHERE s >= :bound AND s <= coalesce((SELECT s FROM m WHERE s >= :bound "
    "ORDER BY s LIMIT 1 OFFSET :limit + (SELECT count(*) FROM m WHERE s = :bound)), s)"
)
_BEST_ALL = text(_BEST.format(passes=""))
_BEST_PASSING = text(_BEST.format(passes=_PASSES))


def _rowids(listed: str | None) -> list[int]:
    return [int(rowid) for rowid in listed.split(",")] if listed else []


async def matching(ctx: Context, index: BankIndex, org_id: UUID, words: str) -> int:
    """The positions of the organisation's questions that match the text."""
    most = index.size // 2 + 1
    org = f'org_id : "{org_id.hex}"'
    missing = _rowids(
        await ctx.session.scalar(
            _NOT_MATCHING,
            {"match": f"{org} NOT search_text : ({fts5_query(words)})", "most": most},
        )
    )
    if len(missing) < most:
        return index.everything & ~index.bits_of(missing)
    found = await ctx.session.scalar(_MATCHING, {"match": fts5_org_query(org_id, words)})
    return index.bits_of(_rowids(found))


async def best(
    ctx: Context, index: BankIndex, org_id: UUID, words: str, passing: int, *,
    all_pass: bool, after: tuple[float, UUID] | None, served: int | None, limit: int,
) -> list[tuple[float, UUID, int]]:  # fmt: skip
    """The page's (score, id, position) triples, best first (lower bm25 first, then id),
    after the cursor; at most `limit + 1` of them. `passing` holds the positions that pass
    the filters; when `all_pass`, every match does and nothing needs testing. `served`, how
    many came before the cursor, if known, lets the page be cut from the best few."""
    params: dict[str, Any] = {"match": fts5_org_query(org_id, words)}
    if not all_pass:
        params["first"], params["flags"] = index.rowid_flags(passing)
    if served is not None:
        size = served + 2 * (limit + 1) + TIED_SLACK
        rows = (await ctx.session.execute(_TOP_ALL if all_pass else _TOP_PASSING,
                                          {**params, "size": size})).all()  # fmt: skip
        # Those scoring better than the last row read are all there: enough of them after the
        # cursor make the page, in (score, id) order, whatever ties lie beyond.
        complete = [row for row in rows if len(rows) < size or row[1] < rows[-1][1]]
        found = _after(_in_order(index, complete), after)
        if len(found) > limit or len(rows) < size:
            return _page(index, found, limit)
    params["bound"] = after[0] if after is not None else float("-inf")
    params["limit"] = limit
    rows = (await ctx.session.execute(_BEST_ALL if all_pass else _BEST_PASSING, params)).all()
    return _page(index, _after(_in_order(index, rows), after), limit)


def _after(found: list[tuple[float, str, int]], after: tuple[float, UUID] | None) -> list[Any]:
    if after is None:
        return found
    key = (after[0], after[1].hex)
    return [hit for hit in found if hit[:2] > key]


def _page(index: BankIndex, found: list[tuple[float, str, int]], limit: int) -> list[Any]:
    return [(score, index.id_of(p), p) for score, _, p in found[: limit + 1]]


# Matches read beyond twice a page, so that a run of equal scores at the cut is read whole.
TIED_SLACK = 16


def _in_order(index: BankIndex, rows: Sequence[Any]) -> list[tuple[float, str, int]]:
    """(score, id, position) of each scored row, best first; every row passes (the SQL
    tested it)."""
    found = []
    for rowid, score in rows:
        position = index.position.get(rowid)
        if position is not None:  # always: the FTS5 query was confined to the organisation
            found.append((score, index.ids[position], position))
    found.sort()
    return found
