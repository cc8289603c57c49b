"""The facet index of an organisation's bank (SQLite): filters and facet counts as bitsets.

On SQLite the database runs in this process, so counting facets in SQL (grouping every match,
joining every match's row and tags) costs the request as much as counting here, and far more
(docs/benchmarks.md, "Search"). Instead each organisation's questions get a position (in
`search_rowid` order), and every facet value a bitset of the positions that have it: a filter is
an OR of its values' bitsets, a facet count the popcount of an AND. For 20,000 questions the
hundred-odd counts of a request take well under a millisecond.

The index holds only what never needs the text: ids, times of creation, and the filter columns.
It is built from one transaction's view of the bank and kept per process for as long as the
organisation's bank generation (a random token that triggers change on every question and tag
write, migration 0006) is the one the request reads; a request never uses an index of another
generation, so it always counts the bank as its own transaction sees it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import ColumnElement, literal_column, text

from studyhall.bank.models import Question, QuestionTag
from studyhall.bank.search_query import Filters
from studyhall.kit.context import Context
from studyhall.kit.tenancy import scoped

# The filters that are facets too, with the question column each is read from; `track` filters
# but is not counted.
COLUMNS = {"track": "track_id", "topic": "topic_id", "type": "type", "status": "status",
           "difficulty": "difficulty"}  # fmt: skip
FACETS = ("topic", "tag", "type", "status", "difficulty")
_SEARCH_ROWID: ColumnElement[Any] = literal_column("questions.search_rowid")
# Read as stored, without making 20,000 UUID and datetime objects (most of a build's time).
_RAW: dict[str, ColumnElement[Any]] = {
    name: literal_column(f"questions.{name}")
    for name in ("id", "created_at", "track_id", "topic_id", "head_version_id", "updated_at")
}
_TOKEN = text("SELECT token FROM question_bank_generations WHERE org_id = :org")


@dataclass(frozen=True)
class BankIndex:
    """One organisation's questions as of one bank generation."""

    token: int | None
    # Ids and times as SQLite stores them (32 hex digits; "YYYY-MM-DD HH:MM:SS.ffffff" in
    # UTC), which sort as they do in SQL: made into objects only for the page.
    ids: list[str]  # by position
    rowids: list[int]  # by position, ascending: the FTS5 table's keys
    position: dict[int, int]  # rowid -> position
    oldest: list[int]  # positions by (created_at, id), oldest first
    created: list[str]  # by position
    tags: list[tuple[str, ...]]  # by position, in order
    bits: dict[str, dict[Any, int]]  # filter -> value (ids as stored) -> positions having it
    # What a page shows of each question, as stored (a page needs no query of its own):
    # (track_id, topic_id, type, status, difficulty, head_version_id, updated_at).
    shown: list[tuple[Any, ...]]  # by position

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def everything(self) -> int:
        return (1 << len(self.ids)) - 1

    def bits_of(self, rowids: Iterable[int]) -> int:
        """The positions of these FTS5 rowids (any not of this organisation left out)."""
        flags = bytearray(self.size)
        position = self.position
        for rowid in rowids:
            found = position.get(rowid)
            if found is not None:
                flags[found] = 1
        return int(flags[::-1].translate(_FLAGS_TO_DIGITS) or b"0", 2)

    def rowid_flags(self, positions: int) -> tuple[int, bytes]:
        """A byte per rowid from the smallest of this organisation's (returned too) to its
        largest: 1 where the question at that rowid is in `positions`. SQLite reads it with
        `substr()`, which gives a blob's byte without walking it."""
        if not self.rowids:
            return 0, b""
        first = self.rowids[0]
        by_position = format(positions, f"0{self.size}b")[::-1].encode().translate(_DIGITS_TO_FLAGS)
        if self.rowids[-1] - first + 1 == self.size:  # the usual case: no other bank between
            return first, by_position
        flags = bytearray(self.rowids[-1] - first + 1)
        for position, flag in enumerate(by_position):
            if flag:
                flags[self.rowids[position] - first] = 1
        return first, bytes(flags)

    def id_of(self, position: int) -> UUID:
        return UUID(self.ids[position])

    def created_at(self, position: int) -> datetime:
        return _moment(self.created[position])

    def row(self, position: int) -> PageRow:
        track, topic, kind, status, difficulty, version, updated = self.shown[position]
        return PageRow(
            id=self.id_of(position), track_id=UUID(track), topic_id=UUID(topic), type=kind,
            status=status, difficulty=difficulty, head_version_id=version and UUID(version),
            updated_at=_moment(updated),
        )  # fmt: skip

    def newest(self, passing: int, after: tuple[datetime, UUID] | None, limit: int) -> list[int]:
        """Up to `limit` positions in `passing`, newest first (then highest id), after the
        cursor's (created_at, id)."""
        end = self.size
        if after is not None:
            moment = after[0].astimezone(UTC).replace(tzinfo=None)
            key = (moment.isoformat(" ", "microseconds"), after[1].hex)
            end = bisect_left(self.oldest, key, key=lambda p: (self.created[p], self.ids[p]))
        flags = format(passing, f"0{self.size}b")
        found: list[int] = []
        for at in range(end - 1, -1, -1):
            position = self.oldest[at]
            if flags[-1 - position] == "1":
                found.append(position)
                if len(found) == limit:
                    break
        return found


class PageRow(NamedTuple):
    id: UUID
    track_id: UUID
    topic_id: UUID
    type: str
    status: str
    difficulty: int
    head_version_id: UUID | None
    updated_at: datetime


def _moment(stored: str) -> datetime:
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


_FLAGS_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_DIGITS_TO_FLAGS = bytes.maketrans(b"01", b"\x00\x01")


def masks(index: BankIndex, filters: Filters) -> dict[str, int]:
    """Each filter given, as the positions that pass it (a topic's subtopics already in)."""
    found: dict[str, int] = {}
    for name in ("track", *FACETS):
        chosen = filters.of(name)
        if chosen:
            values = index.bits[name]
            mask = 0
            for value in chosen:
                mask |= values.get(value.hex if isinstance(value, UUID) else value, 0)
            found[name] = mask
    return found


def count(
    index: BankIndex, found: int, given: dict[str, int]
) -> tuple[dict[str, Counter[Any]], int]:
    """Facet counts among `found` (the text's matches, or everything): each facet under every
    filter but its own; and the total under all of them."""
    counts: dict[str, Counter[Any]] = {}
    for facet in FACETS:
        base = found
        for name, mask in given.items():
            if name != facet:
                base &= mask
        counts[facet] = Counter(
            {
                UUID(v) if facet == "topic" else v: n
                for v, bits in index.bits[facet].items()
                if (n := (base & bits).bit_count())
            }
        )
    passing = found
    for mask in given.values():
        passing &= mask
    return counts, passing.bit_count()


# --- building and keeping ---------------------------------------------------------------------

# Indexes by organisation, least recently used first; at most this many questions in all.
_kept: OrderedDict[UUID, BankIndex] = OrderedDict()
MAX_KEPT_QUESTIONS = 200_000  # about 100 MB


async def _token(ctx: Context, org_id: UUID) -> int | None:
    token: int | None = await ctx.session.scalar(_TOKEN, {"org": org_id.hex})
    return token


async def index_of(ctx: Context, org_id: UUID) -> BankIndex:
    """The organisation's index as this request's transaction sees the bank."""
    token = await _token(ctx, org_id)
    kept = _kept.get(org_id)
    if kept is not None and token is not None and kept.token == token:
        _kept.move_to_end(org_id)
        return kept
    index = await _build(ctx, org_id, token)
    # Kept only if no write landed while it was read (PostgreSQL-style statement snapshots
    # aside, SQLite reads one snapshot per transaction; the check costs one lookup).
    if token is not None and await _token(ctx, org_id) == token:
        _kept[org_id] = index
        _kept.move_to_end(org_id)
        while sum(i.size for i in _kept.values()) > MAX_KEPT_QUESTIONS and len(_kept) > 1:
            _kept.popitem(last=False)
    return index


async def _build(ctx: Context, org_id: UUID, token: int | None) -> BankIndex:
    columns = [_RAW.get(name, getattr(Question, name)) for name in COLUMNS.values()]
    rows = (
        await ctx.session.execute(
            scoped(Question, org_id)
            .with_only_columns(
                _SEARCH_ROWID,
                _RAW["id"],
                _RAW["created_at"],
                *columns,
                _RAW["head_version_id"],
                _RAW["updated_at"],
            )
            .order_by(_SEARCH_ROWID)
        )
    ).all()
    size = len(rows)
    flags: dict[str, dict[Any, bytearray]] = {name: {} for name in (*COLUMNS, "tag")}

    def flag(name: str, value: Any, at: int) -> None:
        found = flags[name].get(value)
        if found is None:
            found = flags[name][value] = bytearray(size)
        found[at] = 1

    position: dict[int, int] = {}
    shown: list[tuple[Any, ...]] = []
    for n, (rowid, _id, _created, *values, version, updated) in enumerate(rows):
        position[rowid] = n
        for name, value in zip(COLUMNS, values, strict=True):
            flag(name, value, n)
        shown.append((*values, version, updated))
    tags = await ctx.session.execute(
        scoped(QuestionTag, org_id)
        .with_only_columns(_SEARCH_ROWID, QuestionTag.tag)
        .join(Question, Question.id == QuestionTag.question_id)
    )
    tagged: list[list[str]] = [[] for _ in range(size)]
    for rowid, tag in tags:
        at = position.get(rowid)
        if at is not None:
            flag("tag", tag, at)
            tagged[at].append(tag)
    ids = [row[1] for row in rows]
    created = [row[2] for row in rows]
    return BankIndex(
        token=token, ids=ids, rowids=[row[0] for row in rows], position=position,
        oldest=sorted(range(size), key=lambda p: (created[p], ids[p])), created=created,
        tags=[tuple(sorted(t)) for t in tagged], shown=shown,
        bits={name: {value: int(f[::-1].translate(_FLAGS_TO_DIGITS), 2)
                     for value, f in values.items()} for name, values in flags.items()},
    )  # fmt: skip
