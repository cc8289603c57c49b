"""Turning a track's syllabus into an exam: topic shares, question counts, the questions.

Three pure steps, each testable alone: `leaf_weights` multiplies the syllabus weights down to
the topics questions hang on; `allocate` turns those shares into whole question counts that
respect what the bank holds; `select_questions` draws the questions, sparing the ones a
learner saw recently. No database and no clock, so an exam is reproducible from its inputs
and a seeded `random.Random`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from fractions import Fraction
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
Q = TypeVar("Q", bound=Hashable)


@dataclass(frozen=True)
class TopicNode(Generic[K]):
    """A syllabus node: `weight` is its percent share among its siblings."""

    id: K
    parent_id: K | None
    weight: float


def leaf_weights(nodes: Sequence[TopicNode[K]]) -> dict[K, float]:
    """Each leaf topic's percent of the whole exam, in the order the nodes are given.

    A leaf's share is its weight times its ancestors' weights, each read as a percent of its
    level: 60% of a 40% topic is 24% of the exam. Weights are taken as written, not rescaled,
    so siblings summing to 100 (the track schema's rule) give leaves summing to 100.
    Every node counts, including weight-0 ones (their leaves get 0). Raises ValueError for a
    repeated id, an unknown parent, a cycle, or a negative or non-finite weight.
    """
    by_id: dict[K, TopicNode[K]] = {}
    for node in nodes:
        if node.id in by_id:
            raise ValueError(f"topic {node.id!r} appears twice")
        if not (math.isfinite(node.weight) and node.weight >= 0):
            raise ValueError(f"topic {node.id!r} has weight {node.weight!r}")
        by_id[node.id] = node
    parents = {n.parent_id for n in nodes if n.parent_id is not None}
    if unknown := [p for p in parents if p not in by_id]:
        raise ValueError(f"unknown parent topics {unknown!r}")

    percent: dict[K, float] = {}
    for node in nodes:
        _percent_of(node.id, by_id, percent)
    return {n.id: percent[n.id] for n in nodes if n.id not in parents}


def _percent_of(id_: K, by_id: Mapping[K, TopicNode[K]], known: dict[K, float]) -> float:
    """A node's percent of the exam, memoised in `known`; walks up without recursion."""
    path: list[K] = []
    on_path: set[K] = set()
    current: K | None = id_
    while current is not None and current not in known:
        if current in on_path:
            raise ValueError(f"topic {current!r} is its own ancestor")
        path.append(current)
        on_path.add(current)
        current = by_id[current].parent_id
    share = 100.0 if current is None else known[current]
    for node_id in reversed(path):
        share = share * by_id[node_id].weight / 100
        known[node_id] = share
    return known[id_]


def allocate(weights: Mapping[K, float], total: int, available: Mapping[K, int]) -> dict[K, int]:
    """How many questions to draw for each key (topic) of `weights`.

    The counts sum to min(total, questions available under keys of positive weight). A key
    whose proportional quota reaches what it has gets all of it; the rest is shared among the
    others by weight, again and again until every key fits, then rounded by largest remainder
    (Hamilton), so each count is within one question of its exact quota. Remainder ties go to
    the larger weight, then to the key given first. Weight-0 keys get 0; keys missing from
    `available` have nothing; keys only in `available` are ignored. Arithmetic is exact
    (fractions), so the same input always gives the same counts.
    """
    if total < 0:
        raise ValueError(f"total must not be negative, got {total}")
    for key, weight in weights.items():
        if not (math.isfinite(weight) and weight >= 0):
            raise ValueError(f"weight of {key!r} is {weight!r}")
        if available.get(key, 0) < 0:
            raise ValueError(f"availability of {key!r} is negative")

    order = {key: index for index, key in enumerate(weights)}
    exact = {key: Fraction(w) for key, w in weights.items() if w > 0}
    counts = dict.fromkeys(weights, 0)
    seats = min(total, sum(available.get(k, 0) for k in exact))
    while exact:
        whole = sum(exact.values())
        full = [k for k, w in exact.items() if seats * w / whole >= available.get(k, 0)]
        if not full:
            break
        for key in full:
            counts[key] = available.get(key, 0)
            seats -= counts[key]
            del exact[key]
    if exact:
        counts.update(_largest_remainder(seats, exact, order))
    return counts


def _largest_remainder(
    seats: int, weights: Mapping[K, Fraction], order: Mapping[K, int]
) -> dict[K, int]:
    whole = sum(weights.values())
    quotas = {key: seats * w / whole for key, w in weights.items()}
    counts = {key: math.floor(q) for key, q in quotas.items()}
    left = seats - sum(counts.values())
    ranked = sorted(weights, key=lambda k: (-(quotas[k] - counts[k]), -weights[k], order[k]))
    for key in ranked[:left]:
        counts[key] += 1
    return counts


def select_questions(
    allocation: Mapping[K, int],
    pool: Mapping[K, Sequence[Q]],
    avoid: AbstractSet[Q],
    rng: random.Random,
) -> list[Q]:
    """Draw `allocation[k]` distinct questions from `pool[k]` for each key, in shuffled order.

    Questions in `avoid` (seen recently) are drawn only when a key has too few others, and
    then only as many as it lacks. A question listed twice, or under two keys, is drawn at
    most once. Raises ValueError when a key's pool cannot fill its allocation: the allocation
    should come from `allocate` over the same pool, so a mismatch is a bug to surface, not
    an exam to shorten quietly.
    """
    chosen: list[Q] = []
    taken: set[Q] = set()
    for key, wanted in allocation.items():
        if wanted < 0:
            raise ValueError(f"allocation of {key!r} is negative")
        candidates = [q for q in dict.fromkeys(pool.get(key, ())) if q not in taken]
        if wanted > len(candidates):
            raise ValueError(f"{key!r} needs {wanted} questions, the pool has {len(candidates)}")
        fresh = [q for q in candidates if q not in avoid]
        stale = [q for q in candidates if q in avoid]
        picks = rng.sample(fresh, min(wanted, len(fresh)))
        picks += rng.sample(stale, wanted - len(picks))
        chosen += picks
        taken.update(picks)
    rng.shuffle(chosen)
    return chosen
