"""Numbers on the review and mistakes pages read as a person writes them."""

from __future__ import annotations

from studyhall.web.rendering import env


def test_whole_floats_lose_their_point_and_fractions_keep_their_digits() -> None:
    show = env.filters["number"]
    assert [show(v) for v in (5.0, -3.0, 0.25, 12, 1e20, "text")] == [
        "5", "-3", "0.25", "12", "1e+20", "text",
    ]  # fmt: skip
