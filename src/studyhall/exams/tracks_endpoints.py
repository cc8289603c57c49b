"""HTTP for exam tracks and their syllabus."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Response, status

from studyhall.exams import tracks
from studyhall.exams.schemas import TrackIn, TrackOut, TrackSummary
from studyhall.kit.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    Unauthenticated,
    responses,
)
from studyhall.kit.etag import etag
from studyhall.kit.transaction import TransactionalRoute
from studyhall.orgs.permissions import OrgReader, TracksManager

router = APIRouter(prefix="/api/v1", tags=["tracks"], route_class=TransactionalRoute)

IN_ORG = (Unauthenticated, Forbidden, NotFound)
IfMatch = Annotated[str | None, Header(description="The ETag you read; a stale one gets 412.")]


def _answer(syllabus: tracks.Syllabus, response: Response) -> TrackOut:
    response.headers["ETag"] = etag(syllabus.track.revision)
    return tracks.track_out(syllabus)


@router.post(
    "/orgs/{org}/tracks",
    summary="Create an exam track",
    status_code=status.HTTP_201_CREATED,
    response_model=TrackOut,
    responses=responses(*IN_ORG, InvalidInput, tracks.TrackSlugTaken),
)
async def create_track(body: TrackIn, caller: TracksManager, response: Response) -> TrackOut:
    """An exam: its syllabus as a tree of topics whose weights sum to 100 at each level, its
    length, time limit, pass mark, scoring (percent or a scaled range) and navigation."""
    syllabus = await tracks.create_track(caller.ctx, caller.org, body)
    return _answer(syllabus, response)


@router.get(
    "/orgs/{org}/tracks",
    summary="Exam tracks",
    response_model=list[TrackSummary],
    responses=responses(*IN_ORG),
)
async def list_tracks(caller: OrgReader) -> list[TrackSummary]:
    return [
        TrackSummary.model_validate(t) for t in await tracks.list_tracks(caller.ctx, caller.org.id)
    ]


@router.get(
    "/orgs/{org}/tracks/{track_id}",
    summary="An exam track and its syllabus",
    response_model=TrackOut,
    responses=responses(*IN_ORG),
)
async def get_track(track_id: UUID, caller: OrgReader, response: Response) -> TrackOut:
    """The track with its topic tree; each topic shows its share of the whole exam. The
    `ETag` header is what `If-Match` must carry when you replace it."""
    return _answer(await tracks.get_syllabus(caller.ctx, caller.org.id, track_id), response)


@router.put(
    "/orgs/{org}/tracks/{track_id}",
    summary="Replace an exam track",
    response_model=TrackOut,
    responses=responses(
        *IN_ORG, InvalidInput, PreconditionFailed, tracks.TrackSlugTaken, tracks.TopicInUse
    ),
)
async def replace_track(
    track_id: UUID,
    body: TrackIn,
    caller: TracksManager,
    response: Response,
    if_match: IfMatch = None,
) -> TrackOut:
    """Replace settings and syllabus. Give existing topics their `id` to keep them (and their
    questions); a topic left out is removed unless questions still use it."""
    syllabus = await tracks.replace_track(caller.ctx, caller.org, track_id, body, if_match=if_match)
    return _answer(syllabus, response)


@router.delete(
    "/orgs/{org}/tracks/{track_id}",
    summary="Delete an exam track",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(*IN_ORG, tracks.TrackInUse),
)
async def delete_track(track_id: UUID, caller: TracksManager) -> Response:
    """Delete a track that has no questions."""
    await tracks.delete_track(caller.ctx, caller.org, track_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
