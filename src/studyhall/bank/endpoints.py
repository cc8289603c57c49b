"""HTTP for questions: authoring, immutable versions, diffs and the review workflow."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

from studyhall.bank import diff, service, workflow
from studyhall.bank.content import QuestionContent
from studyhall.bank.render import plain_text
from studyhall.bank.schemas import (
    PersonOut,
    QuestionOut,
    ReviewQueueItem,
    SendBack,
    VersionDiff,
    VersionOut,
    VersionSummary,
)
from studyhall.kit.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    Unauthenticated,
    responses,
)
from studyhall.kit.etag import etag
from studyhall.kit.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    InvalidCursor,
    Page,
    decode_cursor,
    encode_cursor,
    next_link,
)
from studyhall.kit.transaction import TransactionalRoute
from studyhall.orgs.permissions import QuestionsReader, QuestionsReviewer, QuestionsWriter

router = APIRouter(prefix="/api/v1", tags=["questions"], route_class=TransactionalRoute)

IN_ORG = (Unauthenticated, Forbidden, NotFound)
IfMatch = Annotated[str | None, Header(description="The ETag you read; a stale one gets 412.")]
QuestionId = Annotated[UUID, Path(description="The question's id.")]
STEP = (*IN_ORG, InvalidInput, PreconditionFailed, workflow.InvalidTransition)
EXCERPT_LENGTH = 200


def _answer(view: service.QuestionView, response: Response) -> QuestionOut:
    response.headers["ETag"] = etag(view.question.revision)
    return service.question_out(view)


@router.post(
    "/orgs/{org}/tracks/{track_id}/questions",
    summary="Write a question",
    status_code=status.HTTP_201_CREATED,
    response_model=QuestionOut,
    responses=responses(*IN_ORG, InvalidInput, Conflict),
)
async def create_question(
    track_id: UUID, body: QuestionContent, caller: QuestionsWriter, response: Response
) -> QuestionOut:
    """A new question of the track, in draft, with its first version. `topic_id` must be a
    leaf topic of this track's syllabus. Markdown is rendered to sanitised HTML (`rendered`);
    images come from the organisation's media as `![alt](media:<id>)`."""
    view = await service.create_question(caller.ctx, caller.org, track_id, body)
    return _answer(view, response)


@router.get(
    "/orgs/{org}/questions/{question_id}",
    summary="A question and its head version",
    response_model=QuestionOut,
    responses=responses(*IN_ORG, InvalidInput),
)
async def get_question(
    question_id: QuestionId, caller: QuestionsReader, response: Response
) -> QuestionOut:
    """The question with its newest version (content and rendered HTML) and the id of the
    published version attempts draw. The `ETag` is what `If-Match` carries on changes."""
    view = await service.get_question(caller.ctx, caller.org.id, question_id)
    return _answer(view, response)


@router.put(
    "/orgs/{org}/questions/{question_id}",
    summary="Edit a question (makes a new version)",
    response_model=QuestionOut,
    responses=responses(*IN_ORG, InvalidInput, PreconditionFailed, Conflict),
)
async def edit_question(
    question_id: QuestionId,
    body: QuestionContent,
    caller: QuestionsWriter,
    response: Response,
    if_match: IfMatch = None,
) -> QuestionOut:
    """Versions are never changed: an edit adds version n+1 as the head, in draft. A
    published version stays published until a newer one is approved. Sending the head's
    content again changes nothing."""
    view = await service.edit_question(caller.ctx, caller.org, question_id, body, if_match=if_match)
    return _answer(view, response)


@router.get(
    "/orgs/{org}/questions/{question_id}/versions",
    summary="A question's versions",
    response_model=list[VersionSummary],
    responses=responses(*IN_ORG, InvalidInput),
)
async def list_versions(question_id: QuestionId, caller: QuestionsReader) -> list[VersionSummary]:
    """Every version, newest first: which is the head, which is published, and the review
    steps taken on each (with send-back comments)."""
    return await service.list_versions(caller.ctx, caller.org.id, question_id)


@router.get(
    "/orgs/{org}/questions/{question_id}/versions/{number}",
    summary="One version of a question",
    response_model=VersionOut,
    responses=responses(*IN_ORG, InvalidInput),
)
async def get_version(
    question_id: QuestionId,
    number: Annotated[int, Path(ge=1, description="The version number (1, 2, …).")],
    caller: QuestionsReader,
) -> VersionOut:
    """A version exactly as it was written, with its rendered HTML."""
    version = await service.version_by_number(caller.ctx, caller.org.id, question_id, number)
    return service.version_out(version)


@router.get(
    "/orgs/{org}/questions/{question_id}/diff",
    summary="What changed between two versions",
    response_model=VersionDiff,
    responses=responses(*IN_ORG, InvalidInput),
)
async def diff_versions(
    question_id: QuestionId,
    caller: QuestionsReader,
    from_: Annotated[
        int | None, Query(alias="from", ge=1, description="Default: the version before `to`.")
    ] = None,
    to: Annotated[int | None, Query(ge=1, description="Default: the head version.")] = None,
) -> VersionDiff:
    """Every content field that differs (path, old, new), and unified diffs of the stem and
    explanation."""
    return await diff.diff_versions(
        caller.ctx, caller.org.id, question_id, from_number=from_, to_number=to
    )


@router.post(
    "/orgs/{org}/questions/{question_id}/submit",
    summary="Submit a question for review",
    response_model=QuestionOut,
    responses=responses(*STEP),
)
async def submit_question(
    question_id: QuestionId, caller: QuestionsWriter, response: Response, if_match: IfMatch = None
) -> QuestionOut:
    """Draft -> in review: the head version joins the review queue."""
    view = await workflow.submit(caller.ctx, caller.org, question_id, if_match=if_match)
    return _answer(view, response)


@router.post(
    "/orgs/{org}/questions/{question_id}/approve",
    summary="Approve and publish a question",
    response_model=QuestionOut,
    responses=responses(*STEP, workflow.SelfReview),
)
async def approve_question(
    question_id: QuestionId,
    caller: QuestionsReviewer,
    response: Response,
    if_match: IfMatch = None,
) -> QuestionOut:
    """In review -> published: attempts draw this version from now on. The version's author
    cannot approve it (403 `self-review`). Send `If-Match` to approve exactly what you read."""
    view = await workflow.approve(caller.ctx, caller.org, question_id, if_match=if_match)
    return _answer(view, response)


@router.post(
    "/orgs/{org}/questions/{question_id}/send-back",
    summary="Send a question back to its author",
    response_model=QuestionOut,
    responses=responses(*STEP),
)
async def send_back_question(
    question_id: QuestionId,
    body: SendBack,
    caller: QuestionsReviewer,
    response: Response,
    if_match: IfMatch = None,
) -> QuestionOut:
    """In review -> draft, with a comment saying what to change."""
    view = await workflow.send_back(
        caller.ctx, caller.org, question_id, body.comment, if_match=if_match
    )
    return _answer(view, response)


@router.post(
    "/orgs/{org}/questions/{question_id}/retire",
    summary="Retire a question",
    response_model=QuestionOut,
    responses=responses(*STEP),
)
async def retire_question(
    question_id: QuestionId,
    caller: QuestionsReviewer,
    response: Response,
    if_match: IfMatch = None,
) -> QuestionOut:
    """Published or draft -> retired: attempts stop drawing it. Its versions stay (past
    attempts point at them); an edit brings it back as a draft."""
    view = await workflow.retire(caller.ctx, caller.org, question_id, if_match=if_match)
    return _answer(view, response)


@router.get(
    "/orgs/{org}/review-queue",
    summary="Questions waiting for review",
    response_model=Page[ReviewQueueItem],
    responses=responses(*IN_ORG, InvalidInput, InvalidCursor),
)
async def review_queue(
    request: Request,
    caller: QuestionsReviewer,
    track_id: Annotated[UUID | None, Query(description="Only this track's questions.")] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[ReviewQueueItem]:
    """Questions in review, longest waiting first, with the version under review and its
    author."""
    secret = request.app.state.settings.secret_key
    after = None
    if cursor is not None:
        key = decode_cursor(secret, cursor)
        try:
            after = (datetime.fromisoformat(key[0]), UUID(key[1]))
        except (IndexError, TypeError, ValueError) as exc:
            raise InvalidCursor() from exc
    rows = await workflow.review_queue(
        caller.ctx, caller.org.id, track_id=track_id, after=after, limit=limit
    )
    items = [
        ReviewQueueItem(
            question_id=q.id,
            track_id=q.track_id,
            topic_id=q.topic_id,
            type=q.type,
            difficulty=q.difficulty,
            version_id=v.id,
            version_number=v.number,
            excerpt=plain_text(v.rendered["stem"])[:EXCERPT_LENGTH],
            author=PersonOut(id=u.id, display_name=u.display_name) if u else None,
            submitted_at=q.updated_at,
            revision=q.revision,
        )
        for q, v, u in rows[:limit]
    ]
    last = rows[limit - 1][0] if len(rows) > limit else None
    next_cursor = (
        encode_cursor(secret, [last.updated_at.isoformat(), str(last.id)]) if last else None
    )
    return Page[ReviewQueueItem](items=items, next=next_link(request.url, next_cursor))
