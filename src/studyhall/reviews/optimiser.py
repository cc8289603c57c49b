"""Fitting a learner's FSRS parameters to their own review history.

The `fsrs` package's own Optimizer needs PyTorch (hundreds of megabytes for one small fit),
so the fit is done by `fsrs-rs-python`, the Python binding of fsrs-rs — the Rust
implementation Anki itself optimises with — which fits the same 21 FSRS-6 parameters from
review histories in milliseconds with no heavy dependency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import fsrs_rs_python as fsrs_rs

from studyhall.reviews.memory import DEFAULT_PARAMETERS

History = Sequence[tuple[datetime, int]]  # (reviewed at, rating), oldest first


def training_items(histories: Mapping[Any, History]) -> list[fsrs_rs.FSRSItem]:
    """fsrs-rs learns from every prefix of a card's history that ends in a later review:
    one item per review after the first, each with the whole-day gaps before it."""
    items = []
    for history in histories.values():
        reviews = []
        previous: datetime | None = None
        for reviewed_at, rating in sorted(history, key=lambda r: r[0]):
            gap = 0 if previous is None else (reviewed_at.date() - previous.date()).days
            reviews.append(fsrs_rs.FSRSReview(int(rating), gap))
            previous = reviewed_at
            if len(reviews) >= 2:
                items.append(fsrs_rs.FSRSItem(list(reviews)))
    return items


def fit(histories: Mapping[Any, History]) -> list[float]:
    """Parameters fitted to these histories (fsrs-rs starts from the defaults and keeps
    them where the data says nothing)."""
    items = training_items(histories)
    if not items:
        return list(DEFAULT_PARAMETERS)
    fitted = fsrs_rs.FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(items)
    return [round(float(p), 6) for p in fitted]
