"""What the plan pages say, decided without a server: durations in words, the block to do now,
a block's title and Start, and the week's days."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from studyhall.web import plan_views as views

DURATION = re.compile(r"^(?:(\d+) h)?(?: ?(\d+) min)?$")


@dataclass
class Block:
    """A stored block's shape, as the planning API's `BlockOut` has it."""

    day: date
    kind: str = "study"
    status: str = "planned"
    minutes: int = 30
    id: UUID = field(default_factory=uuid.uuid4)
    goal_id: UUID | None = None
    topic_id: UUID | None = None
    starts_at: datetime = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    questions: int = 0
    done_minutes: int = 0
    questions_solved: int = 0
    notes: str = ""
    attempt_id: UUID | None = None


@given(st.integers(min_value=0, max_value=100_000))
def test_minutes_read_back_as_the_same_duration(minutes: int) -> None:
    words = views.minutes_words(minutes)
    found = DURATION.match(words)
    assert found, words
    hours, rest = (int(g) if g else 0 for g in found.groups())
    assert hours * 60 + rest == minutes
    assert rest < 60
    assert not words.endswith(" 0 min")  # "2 h", never "2 h 0 min"


def _view(block: Block, *, reviews_on: bool = False) -> views.BlockView:
    topic = uuid.uuid4()
    block.topic_id = topic if block.kind in ("study", "practice") else None
    return views.block_view(
        block, topics={topic: "Joins"}, tracks={}, zone=UTC, reviews_on=reviews_on
    )


def test_a_block_reads_as_what_to_do_and_how_to_start_it() -> None:
    day = date(2026, 11, 23)
    practice = _view(Block(day, kind="practice", questions=12))
    assert practice.title == "Practice: Joins"
    assert practice.start_label == "Start the drill"
    assert practice.startable
    assert practice.when == "22:00"
    study = _view(Block(day, kind="study"))
    assert not study.startable  # studied away from here, with the timer
    assert not _view(Block(day, kind="review")).startable  # no reviews installed
    assert _view(Block(day, kind="review"), reviews_on=True).startable
    done = _view(Block(day, status="partial", done_minutes=75, questions_solved=1))
    assert done.done_line == "Partly done: 1 h 15 min, 1 question solved."


def test_the_block_to_do_now_is_the_first_still_planned() -> None:
    day = date(2026, 11, 23)
    shown = [_view(Block(day, status=s)) for s in ("done", "skipped", "planned", "planned")]
    first, later = views.next_and_later(shown)
    assert first is shown[2]
    assert later == [shown[0], shown[1], shown[3]]
    assert views.next_and_later(shown[:2]) == (None, shown[:2])


@given(
    st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    st.lists(st.tuples(st.integers(0, 6), st.integers(10, 240)), max_size=30),
    st.frozensets(st.integers(0, 6), max_size=7),
)
def test_the_week_holds_each_block_on_its_day(
    start: date, placed: list[tuple[int, int]], off: frozenset[int]
) -> None:
    monday = views.monday_of(start)
    assert monday.weekday() == 0
    assert 0 <= (start - monday).days < 7
    blocks = [_view(Block(monday + timedelta(days=d), minutes=m)) for d, m in placed]
    days_off = [monday + timedelta(days=d) for d in off]
    week = views.week_view(monday, start, blocks, [60] * 7, days_off)
    assert [d.iso for d in week.days] == [
        (monday + timedelta(days=n)).isoformat() for n in range(7)
    ]
    assert sum(len(d.blocks) for d in week.days) == len(blocks)
    for n, day in enumerate(week.days):
        assert day.used == sum(m for d, m in placed if d == n)
        assert day.off == (n in off)
        assert day.available == (0 if n in off else 60)
    assert [d.today for d in week.days].count(True) == 1
    assert week.previous == (monday - timedelta(days=7)).isoformat()
