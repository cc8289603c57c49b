"""The study-plan scheduler: a pure function from what the learner wants and knows to a plan.

`build_plan(request) -> Plan` reads no database and no clock: the service gathers the inputs
(goals, syllabus, measured accuracy, FSRS review load, work already done, today) and stores the
blocks it returns. The same request always gives the same plan.

This module's public types are the contract between the scheduler and the rest of the
`planning` domain; change them only together with their callers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

from studyhall.planning import allocation, calendar


class BlockKind(StrEnum):
    STUDY = "study"  # first contact with a topic (reading, lectures)
    PRACTICE = "practice"  # a drill of one topic's questions
    REVIEW = "review"  # the day's FSRS reviews
    SIMULATION = "simulation"  # a full timed exam
    ESSAY = "essay"  # writing practice, when the exam has an essay


@dataclass(frozen=True)
class TopicInput:
    id: UUID
    name: str
    weight: float  # the topic's share of its exam (> 0; shares of one goal need not sum to 1)
    study_minutes: int  # estimated first-contact study time still needed (0 when studied)
    accuracy: float | None  # recent accuracy 0..1 from attempts; None when never practised
    trend: float = 0.0  # change of accuracy over recent attempts, -1..1 (negative: worsening)
    mastered: bool = False  # the learner says so: no study, light practice only


@dataclass(frozen=True)
class GoalInput:
    id: UUID
    exam_date: date  # the plan ends the day before; nothing is planned on exam day
    target_score: float  # percent, 0..100
    session_minutes: int  # preferred block length, 10..240
    daily_questions: int  # the learner's daily question goal (sizes practice blocks)
    simulation_minutes: int  # the track's time limit for a full simulation
    essay: bool
    topics: tuple[TopicInput, ...]  # excluded topics are not passed at all


@dataclass(frozen=True)
class DoneWork:
    """Work already done or in the past: it stays as it is and counts toward the goal."""

    goal_id: UUID
    topic_id: UUID | None
    kind: BlockKind
    minutes: int


@dataclass(frozen=True)
class PlanRequest:
    today: date  # in the learner's time zone; the plan starts here
    minutes_by_weekday: tuple[int, int, int, int, int, int, int]  # Monday..Sunday, 0..1440
    days_off: frozenset[date]
    goals: tuple[GoalInput, ...]  # several exams share one calendar
    review_minutes: Mapping[date, int] = field(default_factory=dict)  # FSRS load per due day
    done: tuple[DoneWork, ...] = ()
    used_today: int = 0  # minutes of today's availability already spent (done blocks)


@dataclass(frozen=True)
class Block:
    day: date
    start: int  # minutes after the start of that day's study time; blocks never overlap
    minutes: int
    kind: BlockKind
    goal_id: UUID | None  # None only for REVIEW blocks (reviews are shared across goals)
    topic_id: UUID | None  # None for REVIEW, SIMULATION and ESSAY
    questions: int = 0  # PRACTICE: how many questions the drill asks


@dataclass(frozen=True)
class LeftOut:
    goal_id: UUID
    topic_id: UUID
    reason: str  # plain words: "lowest expected points per hour (0.4 points/h)"


@dataclass(frozen=True)
class Shortfall:
    """Why a goal does not fit, in numbers, and what would make it fit."""

    goal_id: UUID
    needed_minutes: int
    available_minutes: int
    suggestions: tuple[str, ...]  # "study 4 h 10 min more a week", "move the exam to 2027-03-02"


@dataclass(frozen=True)
class Plan:
    blocks: tuple[Block, ...]  # sorted by (day, start)
    final_stretch: bool  # some goal could not fit and was cut to its best topics
    left_out: tuple[LeftOut, ...] = ()
    shortfalls: tuple[Shortfall, ...] = ()


# --- The scheduler ---------------------------------------------------------------------------
# build_plan reads as the rules, in order: the calendar (capacity, reviews, simulations,
# essays), each goal's need, the split of every day between goals, each goal's topic minutes
# (final stretch when they do not fit), then the layout of sessions into the days.

MASTERED_PRACTICE_EVERY_DAYS = 21  # a mastered topic gets one drill every three weeks


@dataclass
class _Topic:
    """One topic of one goal, with what the scheduler derives from it."""

    index: int  # position in the goal's topics: the tie-breaker everywhere
    source: TopicInput
    weakness: float
    priority: float  # weight x weakness (0 when mastered: no share of study time)
    done: int  # study and practice minutes already done on it
    need: int  # minutes it still needs: its first contact and one drill (or light practice)
    planned: int = 0


@dataclass
class _Goal:
    """One goal while it is planned: its days, fixed blocks, topics and share of each day."""

    source: GoalInput
    days: list[date]
    drill: int
    topics: list[_Topic]
    fixed: dict[date, list[tuple[BlockKind, int]]] = field(default_factory=dict)
    slots: dict[date, int] = field(default_factory=dict)  # minutes for topics, per day
    kept: list[_Topic] = field(default_factory=list)
    last_day_topic: _Topic | None = None
    last_day_minutes: int = 0

    @property
    def topic_need(self) -> int:
        return sum(t.need for t in self.topics)

    @property
    def fixed_minutes(self) -> int:
        return sum(m for blocks in self.fixed.values() for _, m in blocks)


def build_plan(request: PlanRequest) -> Plan:
    """Plan every day from `request.today` to the day before the last exam.

    Deterministic: the same request gives the same plan. Never raises for odd input (no
    minutes, an exam today or past, thousands of topics): a goal that does not fit gets a
    final stretch and a Shortfall in numbers instead.
    """
    goals = sorted(
        (_read_goal(request, g) for g in request.goals),
        key=lambda g: (g.source.exam_date, str(g.source.id)),
    )
    last_exam = max((g.source.exam_date for g in goals), default=request.today)
    days = calendar.days_between(request.today, last_exam)
    capacity = {
        d: calendar.day_capacity(
            d, request.today, request.minutes_by_weekday, request.days_off, request.used_today
        )
        for d in days
    }
    reviews = calendar.review_minutes(days, capacity, request.review_minutes)
    free = {d: capacity[d] - reviews[d] for d in days}
    for goal in goals:
        _reserve_fixed_blocks(goal, free)
    _share_days(goals, days, free)
    left_out: list[LeftOut] = []
    shortfalls: list[Shortfall] = []
    for goal in goals:
        left_out += _allocate(goal)
        shortfall = _shortfall(request, goal, left_out)
        if shortfall is not None:
            shortfalls.append(shortfall)
    blocks = _lay_out(days, reviews, goals)
    return Plan(
        blocks=tuple(blocks),
        final_stretch=bool(left_out) or bool(shortfalls),
        left_out=tuple(left_out),
        shortfalls=tuple(shortfalls),
    )


def _read_goal(request: PlanRequest, source: GoalInput) -> _Goal:
    """A goal's days and its topics' weakness, priority, done work and remaining need."""
    days = calendar.days_between(request.today, source.exam_date)
    drill = allocation.drill_minutes(
        source.daily_questions, source.session_minutes, calendar.MIN_BLOCK
    )
    done: dict[UUID, int] = {}
    for work in request.done:
        if work.goal_id == source.id and work.topic_id is not None and _is_topic_work(work.kind):
            done[work.topic_id] = done.get(work.topic_id, 0) + max(work.minutes, 0)
    light = drill * max(1, len(days) // MASTERED_PRACTICE_EVERY_DAYS)
    topics = []
    for index, topic in enumerate(source.topics):
        weakness = allocation.weakness(topic.accuracy, topic.trend)
        priority = 0.0 if topic.mastered else allocation.priority(topic.weight, weakness)
        need = light if topic.mastered else max(topic.study_minutes, 0) + drill
        topics.append(_Topic(index, topic, weakness, priority, done.get(topic.id, 0), need))
    return _Goal(source=source, days=days, drill=drill, topics=topics)


def _is_topic_work(kind: BlockKind) -> bool:
    return kind in (BlockKind.STUDY, BlockKind.PRACTICE)


def _reserve_fixed_blocks(goal: _Goal, free: dict[date, int]) -> None:
    """Simulations, then weekly essays, take their days' free time before topic work."""
    exam = goal.source.exam_date
    minutes = max(goal.source.simulation_minutes, 0)
    for day in calendar.simulation_days(exam, goal.days, free, minutes):
        goal.fixed.setdefault(day, []).append((BlockKind.SIMULATION, minutes))
        free[day] -= minutes
    if goal.source.essay:
        essay = calendar.essay_minutes(goal.source.session_minutes)
        for day in calendar.essay_days(goal.days, free, essay):
            goal.fixed.setdefault(day, []).append((BlockKind.ESSAY, essay))
            free[day] -= essay


def _share_days(goals: list[_Goal], days: list[date], free: dict[date, int]) -> None:
    """Give each day's free minutes to the goals whose exam is still ahead that day.

    The share follows each goal's need per day left (nearer exams ask more per day). On a
    goal's last day it takes only a light drill and leaves the rest to the other goals.
    """
    demand = {id(g): max(g.topic_need, 1) / max(len(g.days), 1) for g in goals}
    for day in days:
        active = [g for g in goals if g.days and day <= g.days[-1]]
        if not active:
            continue
        parts = calendar.share_day(free[day], [demand[id(g)] for g in active])
        spare = 0
        for goal, part in zip(active, parts, strict=True):
            if day == goal.days[-1]:
                light = min(part, calendar.LIGHT_LAST_DAY_MINUTES)
                spare += part - light
                part = light
            goal.slots[day] = part
        busy = [g for g in active if day != g.days[-1]]
        if spare and busy:
            taker = max(busy, key=lambda g: g.slots[day])  # the first on ties: nearest exam
            if taker.slots[day] + spare >= calendar.MIN_BLOCK:
                taker.slots[day] += spare


def _allocate(goal: _Goal) -> list[LeftOut]:
    """Decide each topic's planned minutes; returns the topics the final stretch leaves out."""
    budget = sum(goal.slots.values())
    left_out: list[LeftOut] = []
    goal.kept = goal.topics
    if budget < goal.topic_need:
        goal.kept, left_out = _final_stretch(goal, budget)
    light = [t for t in goal.kept if t.source.mastered]
    studied = [t for t in goal.kept if not t.source.mastered]
    for topic in light:
        topic.planned = topic.need
    rest = max(budget - sum(t.need for t in light), 0)
    _share_topic_minutes(studied, rest)
    _choose_last_day(goal)
    return left_out


def _final_stretch(goal: _Goal, budget: int) -> tuple[list[_Topic], list[LeftOut]]:
    """Keep the topics with the most expected points per hour that fit; explain the others."""
    total_weight = sum(max(t.source.weight, 0.0) for t in goal.topics) or 1.0
    values = [
        allocation.points_per_hour(
            max(t.source.weight, 0.0) / total_weight,
            allocation.MIN_WEAKNESS if t.source.mastered else t.weakness,
            goal.source.target_score,
            t.need,
        )
        for t in goal.topics
    ]
    kept_indexes = allocation.keep_best(values, [t.need for t in goal.topics], budget)
    kept = [goal.topics[i] for i in kept_indexes]
    floor = min((values[i] for i in kept_indexes), default=None)
    left_out = []
    for i, topic in enumerate(goal.topics):
        if i in kept_indexes:
            continue
        needs = allocation.duration(topic.need)
        if floor is None:
            reason = f"no study time before the exam; it needs {needs}"
        else:
            reason = (
                f"{values[i]:.2f} expected points per hour, below the {floor:.2f} of the "
                f"topics kept; it needs {needs}"
            )
        left_out.append(LeftOut(goal.source.id, topic.source.id, reason))
    return kept, left_out


def _share_topic_minutes(topics: list[_Topic], budget: int) -> None:
    """Study and practice minutes per topic: weight x weakness shares over done + planned.

    Each topic first gets what it needs (first contact and a drill); the rest of the goal's
    time is shared so that done plus planned minutes follow weight x weakness. When even the
    needs do not fit (one topic larger than the time left), they are cut in proportion.
    """
    if not topics:
        return
    needs = [t.need for t in topics]
    if budget <= sum(needs):
        planned = allocation.round_to_total(
            [n * budget / max(sum(needs), 1) for n in needs], budget
        )
    else:
        weights = allocation.shares([t.priority for t in topics])
        done = sum(t.done for t in topics)
        totals = allocation.water_fill(
            [t.done + n for t, n in zip(topics, needs, strict=True)], weights, budget + done
        )
        planned = allocation.round_to_total(
            [max(total - t.done, 0.0) for t, total in zip(topics, totals, strict=True)], budget
        )
    for topic, minutes in zip(topics, _no_slivers(planned), strict=True):
        topic.planned = minutes


def _no_slivers(planned: list[int]) -> list[int]:
    """A topic is planned for a whole block or not at all: slivers go to the largest topic."""
    if sum(planned) < calendar.MIN_BLOCK:
        return planned
    result = list(planned)
    for i, minutes in enumerate(planned):
        if 0 < minutes < calendar.MIN_BLOCK:
            largest = max(range(len(result)), key=lambda j: (result[j], -j))
            result[largest] += minutes
            result[i] = 0
    return result


def _choose_last_day(goal: _Goal) -> None:
    """The day before the exam is light: one short drill of the topic that matters most."""
    if not goal.days or not goal.kept:
        return
    minutes = goal.slots.get(goal.days[-1], 0)
    topic = max(goal.kept, key=lambda t: (t.priority, t.planned, -t.index))
    take = min(minutes, topic.planned)
    if take >= min(calendar.MIN_BLOCK, minutes) and take > 0:
        goal.last_day_topic = topic
        goal.last_day_minutes = take
        topic.planned -= take


def _shortfall(request: PlanRequest, goal: _Goal, left_out: list[LeftOut]) -> Shortfall | None:
    """When a goal does not fit: needed against available minutes, and what would fit it."""
    fixed = goal.fixed_minutes
    needed = goal.topic_need + fixed
    available = sum(goal.slots.values()) + fixed
    if needed <= available and goal.days:
        return None
    if needed == 0:
        return None
    exam = goal.source.exam_date
    mine = [o for o in left_out if o.goal_id == goal.source.id]
    suggestions: list[str] = []
    if not goal.days:
        suggestions.append(
            f"the exam date {exam.isoformat()} is not after today ({request.today.isoformat()}):"
            " set the date of the next sitting"
        )
    else:
        gap = needed - available
        span = len(goal.days)
        if span >= 7:
            suggestions.append(f"study {allocation.duration(gap * 7 / span)} more a week")
        else:
            suggestions.append(f"study {allocation.duration(gap / span)} more a day")
        if available > 0:
            days_needed = -(-needed * span // available)
            later = request.today + timedelta(days=days_needed + 1)
            suggestions.append(f"move the exam to {later.isoformat()}")
        else:
            suggestions.append(
                f"no minutes are free in the {span} days before the exam: add some to a weekday"
            )
    if mine:
        left_ids = {o.topic_id for o in mine}
        cut = sum(t.need for t in goal.topics if t.source.id in left_ids)
        suggestions.append(
            f"or leave out the {len(mine)} topics listed ({allocation.duration(cut)} of work)"
        )
    return Shortfall(goal.source.id, needed, available, tuple(suggestions))


# --- Layout: sessions into days ----------------------------------------------------------------


@dataclass
class _Session:
    topic: _Topic
    kind: BlockKind
    left: int  # minutes not yet placed


class _Stream:
    """A goal's topic sessions in the order they are worked through.

    Sessions are interleaved by how far through its own minutes each topic is (stride
    order), so every topic advances at the same pace and a topic's study comes before its
    practice.
    """

    def __init__(self, goal: _Goal) -> None:
        self.queue: list[_Session] = []
        self.by_topic: dict[int, list[_Session]] = {}
        keyed: list[tuple[float, float, int, int, _Session]] = []
        for topic in goal.kept:
            sessions = _sessions(topic, goal.source.session_minutes, goal.drill)
            self.by_topic[topic.index] = sessions
            start = 0
            for order, session in enumerate(sessions):
                middle = (start + session.left / 2) / max(topic.planned, 1)
                keyed.append((middle, -topic.priority, topic.index, order, session))
                start += session.left
        keyed.sort(key=lambda k: k[:4])
        self.queue = [k[4] for k in keyed]
        self.position = 0

    def head(self) -> _Session | None:
        while self.position < len(self.queue) and self.queue[self.position].left <= 0:
            self.position += 1
        return self.queue[self.position] if self.position < len(self.queue) else None

    def charge(self, topic: _Topic, minutes: int) -> None:
        """Take minutes a block got beyond its session from the topic's last sessions."""
        for session in reversed(self.by_topic.get(topic.index, [])):
            if minutes <= 0:
                return
            cut = min(session.left, minutes)
            session.left -= cut
            minutes -= cut


def _sessions(topic: _Topic, session_minutes: int, drill: int) -> list[_Session]:
    """A topic's planned minutes as sessions: its first contact, then drills."""
    study = 0 if topic.source.mastered else min(max(topic.source.study_minutes, 0), topic.planned)
    practice = topic.planned - study
    return [
        _Session(topic, BlockKind.STUDY, m)
        for m in _chunks(study, max(session_minutes, calendar.MIN_BLOCK))
    ] + [_Session(topic, BlockKind.PRACTICE, m) for m in _chunks(practice, drill)]


def _chunks(total: int, size: int) -> list[int]:
    """`total` in pieces of `size`; a last piece too short for a block joins the one before."""
    if total <= 0:
        return []
    pieces = [size] * (total // size)
    rest = total - size * len(pieces)
    if rest and pieces and rest < calendar.MIN_BLOCK:
        pieces[-1] += rest
    elif rest:
        pieces.append(rest)
    return pieces


class _Day:
    """One day's blocks, laid end to end from minute 0."""

    def __init__(self, day: date) -> None:
        self.day = day
        self.cursor = 0
        self.blocks: list[Block] = []

    def add(
        self,
        minutes: int,
        kind: BlockKind,
        goal: UUID | None,
        topic: UUID | None = None,
    ) -> None:
        questions = allocation.questions_for(minutes) if kind is BlockKind.PRACTICE else 0
        self.blocks.append(Block(self.day, self.cursor, minutes, kind, goal, topic, questions))
        self.cursor += minutes

    def extend_last(self, minutes: int) -> None:
        last = self.blocks[-1]
        longer = last.minutes + minutes
        questions = allocation.questions_for(longer) if last.kind is BlockKind.PRACTICE else 0
        self.blocks[-1] = Block(
            last.day, last.start, longer, last.kind, last.goal_id, last.topic_id, questions
        )
        self.cursor += minutes


def _lay_out(days: list[date], reviews: dict[date, int], goals: list[_Goal]) -> list[Block]:
    """Each day: its reviews, then for each goal (nearest exam first) its fixed blocks and
    its share of topic sessions."""
    streams = {id(g): _Stream(g) for g in goals}
    blocks: list[Block] = []
    for day in days:
        today = _Day(day)
        if reviews.get(day, 0) > 0:
            today.add(reviews[day], BlockKind.REVIEW, None)
        for goal in goals:
            for kind, minutes in goal.fixed.get(day, []):
                today.add(minutes, kind, goal.source.id)
            if goal.days and day == goal.days[-1]:
                if goal.last_day_topic is not None:
                    topic_id = goal.last_day_topic.source.id
                    today.add(goal.last_day_minutes, BlockKind.PRACTICE, goal.source.id, topic_id)
                continue
            _fill(today, goal, streams[id(goal)], goal.slots.get(day, 0))
        blocks += today.blocks
    return blocks


def _fill(today: _Day, goal: _Goal, stream: _Stream, minutes: int) -> None:
    """Put the goal's next sessions into `minutes` of the day, splitting one at the end.

    No block is shorter than MIN_BLOCK unless the share itself is: a remainder too small for
    a block lengthens the block before it (and the topic's later sessions give it back).
    """
    last: _Topic | None = None
    while minutes > 0:
        session = stream.head()
        if session is None:
            return
        if minutes < calendar.MIN_BLOCK and last is not None:
            today.extend_last(minutes)
            stream.charge(last, minutes)
            return
        take = min(max(session.left, calendar.MIN_BLOCK), minutes)
        today.add(take, session.kind, goal.source.id, session.topic.source.id)
        extra = take - session.left
        session.left = max(session.left - take, 0)
        if extra > 0:
            stream.charge(session.topic, extra)
        minutes -= take
        last = session.topic
