"""HTTP for search."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import Field

from studyhall.bank import search
from studyhall.bank.content import QuestionType, Tag
from studyhall.bank.search_query import Filters
from studyhall.kit.errors import Forbidden, InvalidInput, NotFound, Unauthenticated, responses
from studyhall.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, InvalidCursor, next_link
from studyhall.kit.transaction import TransactionalRoute
from studyhall.orgs.permissions import QuestionsReader

router = APIRouter(prefix="/api/v1", tags=["search"], route_class=TransactionalRoute)

IN_ORG = (Unauthenticated, Forbidden, NotFound)
MAX_VALUES = 20
Difficulty = Annotated[int, Field(ge=1, le=5)]


def _filter(description: str) -> object:
    return Query(max_length=MAX_VALUES, description=description + " Repeat for alternatives.")


@router.get(
    "/orgs/{org}/questions",
    summary="Search the question bank",
    response_model=search.SearchPage,
    response_model_exclude_none=True,
    responses=responses(*IN_ORG, InvalidInput, InvalidCursor),
)
async def search_questions(
    request: Request,
    caller: QuestionsReader,
    q: Annotated[
        str | None,
        Query(
            max_length=search.MAX_QUERY_LENGTH,
            description=(
                "Words to find in stems, options and explanations (stemmed: `partitions` finds "
                "`partitioning`). Without it, newest first."
            ),
        ),
    ] = None,
    track: Annotated[list[UUID] | None, _filter("A track id.")] = None,
    topic: Annotated[list[UUID] | None, _filter("A topic id (its subtopics too).")] = None,
    tag: Annotated[list[Tag] | None, _filter("A tag.")] = None,
    type: Annotated[list[QuestionType] | None, _filter("A question type.")] = None,
    status: Annotated[list[search.QuestionStatus] | None, _filter("A workflow status.")] = None,
    difficulty: Annotated[list[Difficulty] | None, _filter("A difficulty, 1 to 5.")] = None,
    facets: Annotated[bool, Query(description="Count facets and the total.")] = True,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> search.SearchPage:
    """Questions of the organisation that contain every word of `q` (the last one may be the
    start of a word), best match first, and match every filter given. Each facet counts its
    values under all the other filters. Follow `next` for more (later pages come without
    facets, which are the same for every page)."""
    filters = Filters(
        track=frozenset(track or ()),
        topic=frozenset(topic or ()),
        tag=frozenset(tag or ()),
        type=frozenset(t.value for t in type or ()),
        status=frozenset(status or ()),
        difficulty=frozenset(difficulty or ()),
    )
    results = await search.search_questions(
        caller.ctx, caller.org.id, dialect=request.app.state.db.dialect, q=q, filters=filters,
        cursor=cursor, limit=limit, with_facets=facets,
    )  # fmt: skip
    return search.SearchPage(
        items=results.items,
        # Facets are the same on every page: the next link does not ask for them again.
        next=next_link(request.url.include_query_params(facets="false"), results.next_cursor),
        total=results.total,
        facets=results.facets,
    )
