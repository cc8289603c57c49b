"""The exam screen's names for options translate both ways and hide the author's ids."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from studyhall.exams.aliases import Aliases

ids = st.lists(st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=8), min_size=2,
               max_size=8, unique=True)  # fmt: skip


@given(ids, ids)
def test_answers_round_trip_through_the_screen_names(
    premises: list[str], responses: list[str]
) -> None:
    aliases = Aliases({"premises": premises, "responses": responses})
    real = {"pairs": dict(zip(premises, reversed(responses), strict=False))}
    shown = aliases.to_alias(real)
    assert set(shown["pairs"]) == {f"p{n}" for n in range(1, len(shown["pairs"]) + 1)}
    assert all(r.startswith("r") for r in shown["pairs"].values())
    assert aliases.to_real(shown) == real


def test_names_follow_the_order_shown_not_the_authors_ids() -> None:
    aliases = Aliases({"items": ["step-3", "step-1", "step-2"]})
    assert aliases.to_alias({"order": ["step-1", "step-2", "step-3"]}) == {
        "order": ["i2", "i3", "i1"]
    }
    assert aliases.to_real({"order": ["i2", "i3", "i1"]}) == {
        "order": ["step-1", "step-2", "step-3"]
    }
    # Unknown names pass through, so the answer check can name them.
    assert aliases.to_real({"order": ["i9"]}) == {"order": ["i9"]}
