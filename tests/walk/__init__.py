"""Domain plugins of the tenancy walk (tests/test_tenancy.py).

Each module adds to the walk's world the objects its routes need (`extend`) and says, for each
of its routes, which access rule it must declare and how to call it (`ENTRIES`).
"""

from __future__ import annotations

from tests.walk import (
    attempts,
    bank,
    events,
    exams,
    interchange,
    notifications,
    plan_pages,
    planning,
    reviews,
    search_media,
    web,
)

PLUGINS = [
    exams, bank, attempts, reviews, search_media, events, interchange, planning, web,
    plan_pages, notifications,
]  # fmt: skip
