"""The review workflow (service): draft -> in_review -> published, sent back, retired.

Each step locks the question, checks the state it starts from (409 `invalid-transition`
naming the current state), writes a review event and an audit record, and moves the
question's revision. Approving publishes the head version: `published_version_id` is what
attempts draw, so it changes only here (approve sets it, retire clears it). An edit after
publication leaves the published version in place until a newer one is approved.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from studyhall import events
from studyhall.accounts.models import User
from studyhall.audit import service as audit
from studyhall.bank.models import Question, QuestionVersion, ReviewEvent
from studyhall.bank.schemas import QuestionStatus, ReviewAction
from studyhall.bank.service import QuestionView, acting_person, lock_question, touch, view_of
from studyhall.kit.context import Context
from studyhall.kit.errors import Conflict, Forbidden
from studyhall.kit.etag import check_if_match
from studyhall.kit.tenancy import scoped
from studyhall.orgs.models import Org

S = QuestionStatus


class InvalidTransition(Conflict):
    slug = "invalid-transition"
    title = "The question's state does not allow this step"


class SelfReview(Forbidden):
    slug = "self-review"
    title = "A version cannot be approved by its own author"


async def _step(
    ctx: Context,
    org: Org,
    question_id: UUID,
    *,
    action: ReviewAction,
    allowed_from: Sequence[QuestionStatus],
    if_match: str | None,
) -> QuestionView:
    """Lock, check the revision and the starting state; the caller then moves the question."""
    question = await lock_question(ctx, org.id, question_id)
    check_if_match(if_match, question.revision)
    if question.status not in allowed_from:
        wanted = " or ".join(s.value for s in allowed_from)
        raise InvalidTransition(
            f"The question is {question.status}; it must be {wanted} to be {action.value}."
        )
    return await view_of(ctx, question)


async def _record(
    ctx: Context,
    view: QuestionView,
    action: ReviewAction,
    *,
    comment: str | None = None,
    **summary: object,
) -> None:
    question, head = view.question, view.head
    ctx.session.add(
        ReviewEvent(
            org_id=question.org_id,
            question_id=question.id,
            version_id=head.id,
            action=action,
            comment=comment,
            actor_id=await acting_person(ctx, question.org_id),
            created_at=ctx.now(),
        )
    )
    touch(ctx, question)
    audit.record(
        ctx,
        f"question.{action.value}",
        org_id=question.org_id,
        target_type="question",
        target_id=question.id,
        summary={"version": head.number, **summary},
    )


async def submit(
    ctx: Context, org: Org, question_id: UUID, *, if_match: str | None
) -> QuestionView:
    """Draft -> in review: the head version goes to the reviewers' queue."""
    view = await _step(ctx, org, question_id, action=ReviewAction.SUBMITTED,
                       allowed_from=[S.DRAFT], if_match=if_match)  # fmt: skip
    view.question.status = S.IN_REVIEW
    await _record(ctx, view, ReviewAction.SUBMITTED)
    return view


async def approve(
    ctx: Context, org: Org, question_id: UUID, *, if_match: str | None
) -> QuestionView:
    """In review -> published: the head becomes the version attempts draw. Its author may not
    approve it (an API key acts for the person who made it)."""
    view = await _step(ctx, org, question_id, action=ReviewAction.APPROVED,
                       allowed_from=[S.IN_REVIEW], if_match=if_match)  # fmt: skip
    author = view.head.created_by
    if author is not None and author == await acting_person(ctx, org.id):
        raise SelfReview(f"You wrote version {view.head.number}; another reviewer must approve it.")
    question = view.question
    replaced = view.published_number
    question.status = S.PUBLISHED
    question.published_version_id = view.head.id
    view = QuestionView(question, view.head, view.head.number)
    await _record(ctx, view, ReviewAction.APPROVED, replaced_version=replaced)
    events.emit(
        ctx,
        "question.published",
        aggregate=("question", question.id),
        org_id=org.id,
        data={
            "question_id": str(question.id),
            "version": view.head.number,
            "track_id": str(question.track_id),
        },
    )
    return view


async def send_back(
    ctx: Context, org: Org, question_id: UUID, comment: str, *, if_match: str | None
) -> QuestionView:
    """In review -> draft, with the reviewer's comment for the author."""
    view = await _step(ctx, org, question_id, action=ReviewAction.SENT_BACK,
                       allowed_from=[S.IN_REVIEW], if_match=if_match)  # fmt: skip
    view.question.status = S.DRAFT
    await _record(ctx, view, ReviewAction.SENT_BACK, comment=comment, comment_length=len(comment))
    return view


async def retire(
    ctx: Context, org: Org, question_id: UUID, *, if_match: str | None
) -> QuestionView:
    """Published or draft -> retired: attempts stop drawing it (no published version). An
    edit brings it back as a draft."""
    view = await _step(ctx, org, question_id, action=ReviewAction.RETIRED,
                       allowed_from=[S.PUBLISHED, S.DRAFT], if_match=if_match)  # fmt: skip
    question = view.question
    withdrawn = view.published_number
    question.status = S.RETIRED
    question.published_version_id = None
    view = QuestionView(question, view.head, None)
    await _record(ctx, view, ReviewAction.RETIRED, withdrawn_version=withdrawn)
    events.emit(
        ctx,
        "question.retired",
        aggregate=("question", question.id),
        org_id=org.id,
        data={"question_id": str(question.id), "version": withdrawn},
    )
    return view


# --- the reviewers' queue -------------------------------------------------------------------


async def review_queue(
    ctx: Context,
    org_id: UUID,
    *,
    track_id: UUID | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> Sequence[tuple[Question, QuestionVersion, User | None]]:
    """Questions in review, oldest submission first, with the version and its author;
    `limit + 1` rows tell the caller more exist."""
    query = (
        scoped(Question, org_id)
        .add_columns(QuestionVersion, User)
        .join(
            QuestionVersion,
            (QuestionVersion.id == Question.head_version_id)
            & (QuestionVersion.org_id == Question.org_id),
        )
        .outerjoin(User, User.id == QuestionVersion.created_by)
        .where(Question.status == S.IN_REVIEW)
    )
    if track_id is not None:
        query = query.where(Question.track_id == track_id)
    if after is not None:
        at, last_id = after
        query = query.where(
            (Question.updated_at > at) | ((Question.updated_at == at) & (Question.id > last_id))
        )
    rows = await ctx.session.execute(
        query.order_by(Question.updated_at, Question.id).limit(limit + 1)
    )
    return [(q, v, u) for q, v, u in rows.all()]
