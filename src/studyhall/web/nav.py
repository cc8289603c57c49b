"""Which section of the header a page belongs to, in one table for every page.

The header used to guess from the address (`/o/<org>/tracks/…` lit up *Tracks*), so a
learner's start page (`/tracks/<id>/start`) and the new-question form
(`/tracks/<id>/questions/new`) lit up the wrong section. Pages are matched here by their
route's template, the most specific rule first; a test walks every page route and fails on
one no rule names.
"""

from __future__ import annotations

from typing import Literal

Section = Literal[
    "dashboard",
    "plan",
    "history",
    "mistakes",
    "reviews",
    "questions",
    "review",
    "tracks",
    "admin",
]

# (route template, section): a rule matches the template itself and everything under it.
RULES: list[tuple[str, Section]] = [
    ("/o/{org}/tracks/{track_id}/start", "dashboard"),  # a learner starting an attempt
    ("/o/{org}/tracks/{track_id}/questions", "questions"),  # writing a question for a track
    ("/o/{org}/tracks/{track_id}/review-session", "reviews"),  # starting a review session
    ("/o/{org}/tracks", "tracks"),
    ("/o/{org}/plan", "plan"),  # Today, the week, goals, re-planning
    ("/o/{org}/attempts", "history"),  # an attempt's screen, result and review
    ("/o/{org}/mistakes", "mistakes"),
    ("/o/{org}/reminders", "dashboard"),  # calendar feed and reminder emails
    ("/o/{org}/learners", "dashboard"),  # instructors: learners' plan adherence
    ("/o/{org}/reviews", "reviews"),  # spaced reviews due (not the reviewers' "review")
    ("/o/{org}/questions", "questions"),
    ("/o/{org}/media", "questions"),  # images, reached from the question editor
    ("/o/{org}/review", "review"),
    ("/o/{org}/admin", "admin"),
]
EXACT: dict[str, Section] = {"/o/{org}": "dashboard"}


def section_of(template: str | None) -> Section | None:
    """The header section of the page whose route has this template, or None (pages outside
    an organisation, and error pages with no route)."""
    if template is None:
        return None
    if template in EXACT:
        return EXACT[template]
    for prefix, section in RULES:
        if template == prefix or template.startswith(prefix + "/"):
            return section
    return None
