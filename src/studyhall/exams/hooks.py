"""Where domains above exams take part in attempts without exams importing them.

Spaced reviews (reviews/) register here when imported: which questions a `review` attempt
gets (the learner's due cards), what happens when a review attempt's answer is saved (its
card graded), and what happens in the submitting transaction (cards made from mistakes, the
cards not graded yet graded). Exams calls whatever is registered; with nothing
registered a review attempt has no questions and submitting does nothing more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from studyhall.bank.models import QuestionVersion
from studyhall.exams.models import Attempt, AttemptItem
from studyhall.kit.context import Context

# (ctx, org_id, user_id, track_id) -> the question ids a review attempt should ask, due first.
ReviewSource = Callable[[Context, UUID, UUID, UUID], Awaitable[list[UUID]]]
# (ctx, the attempt just submitted, its scored items with their versions) -> None
SubmitHook = Callable[
    [Context, Attempt, list[tuple[AttemptItem, QuestionVersion]]], Awaitable[None]
]

# (ctx, a review attempt, the item just answered and scored) -> None
AnswerHook = Callable[[Context, Attempt, AttemptItem], Awaitable[None]]

_review_sources: list[ReviewSource] = []
_after_submit: list[SubmitHook] = []
_after_answer: list[AnswerHook] = []


def review_source(source: ReviewSource) -> ReviewSource:
    """Register the function that chooses a review attempt's questions (one at a time)."""
    _review_sources[:] = [source]
    return source


def after_submit(hook: SubmitHook) -> SubmitHook:
    """Register `hook`, run inside the transaction that submits an attempt."""
    if hook not in _after_submit:
        _after_submit.append(hook)
    return hook


def after_answer(hook: AnswerHook) -> AnswerHook:
    """Register `hook`, run inside the transaction that saves a review attempt's answer (its
    instant feedback scored it), so a session left unfinished still counts what was done."""
    if hook not in _after_answer:
        _after_answer.append(hook)
    return hook


async def review_questions(ctx: Context, org_id: UUID, user_id: UUID, track_id: UUID) -> list[UUID]:
    if not _review_sources:
        return []
    return await _review_sources[0](ctx, org_id, user_id, track_id)


async def answered(ctx: Context, attempt: Attempt, item: AttemptItem) -> None:
    for hook in _after_answer:
        await hook(ctx, attempt, item)


async def submitted(
    ctx: Context, attempt: Attempt, pairs: list[tuple[AttemptItem, QuestionVersion]]
) -> None:
    for hook in _after_submit:
        await hook(ctx, attempt, pairs)
