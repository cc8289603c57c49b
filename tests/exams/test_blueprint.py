"""Exam assembly: syllabus shares, question counts per topic, and the draw itself."""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyhall.exams.blueprint import TopicNode, allocate, leaf_weights, select_questions

SETTINGS = settings(max_examples=150, deadline=None)

# --- allocate --------------------------------------------------------------------------------

weight_values = st.just(0.0) | st.floats(0.001, 100) | st.integers(1, 100).map(float)


@st.composite
def blueprints(
    draw: st.DrawFn, ample: bool = False
) -> tuple[dict[str, float], int, dict[str, int]]:
    """Weights per topic, an exam length, and what the bank holds per topic."""
    keys = [f"t{i}" for i in range(draw(st.integers(0, 12)))]
    weights = {k: draw(weight_values) for k in keys}
    total = draw(st.integers(0, 120))
    low = total if ample else 0
    available = {k: draw(st.integers(low, low + 40)) for k in keys if draw(st.booleans()) or ample}
    return weights, total, available


def quotas(weights: dict[str, float], total: int) -> dict[str, Fraction]:
    whole = sum(Fraction(w) for w in weights.values())
    return {k: total * Fraction(w) / whole if whole else Fraction(0) for k, w in weights.items()}


@SETTINGS
@given(blueprints())
def test_counts_sum_to_what_can_be_drawn(case: Any) -> None:
    weights, total, available = case
    counts = allocate(weights, total, available)
    drawable = sum(available.get(k, 0) for k, w in weights.items() if w > 0)
    assert list(counts) == list(weights)
    assert sum(counts.values()) == min(total, drawable)


@SETTINGS
@given(blueprints())
def test_no_topic_gives_more_than_it_has_and_weight_zero_gives_nothing(case: Any) -> None:
    weights, total, available = case
    for key, count in allocate(weights, total, available).items():
        assert 0 <= count <= available.get(key, 0)
        if weights[key] == 0:
            assert count == 0


@SETTINGS
@given(blueprints(ample=True))
def test_with_ample_questions_each_count_is_within_one_of_its_quota(case: Any) -> None:
    weights, total, available = case
    counts = allocate(weights, total, available)
    for key, quota in quotas(weights, total).items():
        assert abs(counts[key] - quota) < 1


@SETTINGS
@given(blueprints())
def test_a_short_topic_only_ever_adds_to_the_others(case: Any) -> None:
    """A topic that still has questions gets at least the floor of its own quota."""
    weights, total, available = case
    counts = allocate(weights, total, available)
    for key, quota in quotas(weights, total).items():
        if counts[key] < available.get(key, 0):
            assert counts[key] >= math.floor(quota)


@SETTINGS
@given(blueprints())
def test_allocation_is_deterministic(case: Any) -> None:
    weights, total, available = case
    assert allocate(weights, total, available) == allocate(dict(weights), total, dict(available))


def test_allocate_examples() -> None:
    # 25/35/40 of 10 is 2.5/3.5/4: the two halves tie, so the heavier topic gets the spare one
    # even though the lighter one is listed first.
    assert allocate({"a": 25, "b": 35, "c": 40}, 10, {"a": 9, "b": 9, "c": 9}) == {
        "a": 2,
        "b": 4,
        "c": 4,
    }
    # Equal weights, equal remainders: the topic listed first wins.
    assert allocate({"a": 1, "b": 1, "c": 1}, 2, {"a": 5, "b": 5, "c": 5}) == {
        "a": 1,
        "b": 1,
        "c": 0,
    }
    # `a` has only 2 of its 5; the other 8 are shared 30:20 -> 4.8 / 3.2 -> 5 / 3.
    assert allocate({"a": 50, "b": 30, "c": 20}, 10, {"a": 2, "b": 9, "c": 9}) == {
        "a": 2,
        "b": 5,
        "c": 3,
    }
    # The bank is smaller than the exam: everything it has, and a missing topic has nothing.
    assert allocate({"a": 50, "b": 50, "c": 1}, 10, {"a": 3, "b": 4}) == {"a": 3, "b": 4, "c": 0}
    assert allocate({"a": 0, "b": 0}, 10, {"a": 5, "b": 5}) == {"a": 0, "b": 0}
    assert allocate({}, 10, {}) == {}


@pytest.mark.parametrize(
    ("weights", "total", "available"),
    [({"a": -1.0}, 1, {"a": 1}), ({"a": math.nan}, 1, {"a": 1}), ({"a": 1.0}, -1, {"a": 1})],
)
def test_allocate_refuses_nonsense(weights: dict[str, float], total: int, available: Any) -> None:
    with pytest.raises(ValueError, match=r"must not be negative|weight of"):
        allocate(weights, total, available)


# --- select_questions ------------------------------------------------------------------------


@st.composite
def draws(draw: st.DrawFn) -> tuple[dict[str, int], dict[str, list[str]], set[str]]:
    """An allocation that the pools can fill, the pools, and the recently seen questions."""
    pools = {
        f"t{k}": [f"q{k}.{i}" for i in range(draw(st.integers(0, 15)))]
        for k in range(draw(st.integers(0, 6)))
    }
    allocation = {key: draw(st.integers(0, len(pool))) for key, pool in pools.items()}
    everything = [q for pool in pools.values() for q in pool]
    avoid = set(draw(st.lists(st.sampled_from(everything), unique=True))) if everything else set()
    return allocation, pools, avoid


@SETTINGS
@given(draws(), st.randoms(use_true_random=False))
def test_selection_fills_the_allocation_without_duplicates(case: Any, rng: random.Random) -> None:
    allocation, pools, avoid = case
    picked = select_questions(allocation, pools, avoid, rng)
    assert len(picked) == len(set(picked)) == sum(allocation.values())
    for key, wanted in allocation.items():
        assert len([q for q in picked if q in pools[key]]) == wanted


@SETTINGS
@given(draws(), st.randoms(use_true_random=False))
def test_recently_seen_questions_come_back_only_when_needed(case: Any, rng: random.Random) -> None:
    allocation, pools, avoid = case
    picked = set(select_questions(allocation, pools, avoid, rng))
    for key, wanted in allocation.items():
        fresh = len([q for q in pools[key] if q not in avoid])
        reused = len([q for q in pools[key] if q in avoid and q in picked])
        assert reused == max(0, wanted - fresh)


@SETTINGS
@given(draws(), st.integers(0, 2**32))
def test_the_same_seed_draws_the_same_exam(case: Any, seed: int) -> None:
    allocation, pools, avoid = case
    first = select_questions(allocation, pools, avoid, random.Random(seed))
    assert first == select_questions(allocation, pools, avoid, random.Random(seed))


def test_selection_never_takes_more_than_the_bank_holds() -> None:
    rng = random.Random(1)
    # Listed twice is still one question; shared between topics, it is drawn once.
    pools = {"a": ["q1", "q1", "q2"], "b": ["q2", "q3"]}
    assert sorted(select_questions({"a": 2, "b": 1}, pools, set(), rng)) == ["q1", "q2", "q3"]
    with pytest.raises(ValueError, match="needs 3 questions"):
        select_questions({"a": 3}, pools, set(), rng)
    with pytest.raises(ValueError, match="needs 1 questions, the pool has 0"):
        select_questions({"c": 1}, pools, set(), rng)


def test_selection_prefers_unseen_questions() -> None:
    pools = {"a": ["seen1", "new1", "seen2", "new2"]}
    for seed in range(20):
        picked = select_questions({"a": 3}, pools, {"seen1", "seen2"}, random.Random(seed))
        assert {"new1", "new2"} < set(picked)


# --- leaf_weights ----------------------------------------------------------------------------


@st.composite
def syllabi(draw: st.DrawFn) -> list[TopicNode[int]]:
    """A random forest of topics whose sibling weights sum to 100."""
    size = draw(st.integers(1, 30))
    parents: list[int | None] = [None]
    parents += [draw(st.none() | st.integers(0, i - 1)) for i in range(1, size)]
    weights = [0.0] * size
    for parent in set(parents):
        siblings = [i for i in range(size) if parents[i] == parent]
        raw = [draw(st.integers(1, 1000)) for _ in siblings]
        for i, r in zip(siblings, raw, strict=True):
            weights[i] = 100 * r / sum(raw)
    return [TopicNode(i, parents[i], weights[i]) for i in range(size)]


@SETTINGS
@given(syllabi())
def test_leaf_shares_sum_to_100(nodes: list[TopicNode[int]]) -> None:
    shares = leaf_weights(nodes)
    assert sum(shares.values()) == pytest.approx(100, abs=1e-9)
    parents = {n.parent_id for n in nodes}
    assert set(shares) == {n.id for n in nodes if n.id not in parents}


@SETTINGS
@given(syllabi(), st.randoms(use_true_random=False))
def test_leaf_shares_do_not_depend_on_the_order_of_nodes(
    nodes: list[TopicNode[int]], rng: random.Random
) -> None:
    shuffled = list(nodes)
    rng.shuffle(shuffled)
    assert leaf_weights(shuffled) == leaf_weights(nodes)


def test_leaf_shares_multiply_down_the_tree() -> None:
    nodes = [
        TopicNode("security", None, 40),
        TopicNode("networks", None, 60),
        TopicNode("crypto", "security", 75),
        TopicNode("access", "security", 25),
        TopicNode("ciphers", "crypto", 50),
        TopicNode("hashes", "crypto", 50),
    ]
    assert leaf_weights(nodes) == pytest.approx(
        {"networks": 60, "access": 10, "ciphers": 15, "hashes": 15}
    )
    assert leaf_weights([]) == {}


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ([TopicNode("a", "b", 50), TopicNode("b", "a", 50)], "its own ancestor"),
        ([TopicNode("a", None, 100), TopicNode("b", "b", 100)], "its own ancestor"),
        ([TopicNode("a", "ghost", 100)], "unknown parent"),
        ([TopicNode("a", None, 50), TopicNode("a", None, 50)], "appears twice"),
        ([TopicNode("a", None, -5)], "weight"),
    ],
)
def test_leaf_weights_refuses_broken_trees(nodes: list[TopicNode[str]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        leaf_weights(nodes)
