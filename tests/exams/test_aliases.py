"""The exam screen's names for options translate both ways and hide the author's ids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyhall.exams.aliases import Aliases
from studyhall.exams.scoring import InvalidAnswer

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


@given(ids, st.text(min_size=1, max_size=8))
def test_only_the_screens_names_are_taken(options: list[str], name: str) -> None:
    """Any name the screen did not show is refused the same way — the author's own ids
    included, or the reply would reveal which screen option each of them is."""
    aliases = Aliases({"options": options})
    screen = {f"o{n}" for n in range(1, len(options) + 1)}
    if name in screen:
        assert aliases.to_real({"choice": name})["choice"] in options
        return
    with pytest.raises(InvalidAnswer) as refused:
        aliases.to_real({"choice": name})
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("body.answer.choice", f"is not one of the options on the screen (o1 to o{len(options)})")
    ]
