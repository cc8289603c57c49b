"""HTTP for the job queue: statistics and dead letters (site administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from studyhall.jobs import service
from studyhall.jobs.permissions import InstanceAdmin
from studyhall.jobs.schemas import (
    CarrierStatsOut,
    DeadLetterOut,
    KindStatsOut,
    RequeuedOut,
    StatsOut,
)
from studyhall.kit.errors import BadRequest, Forbidden, NotFound, Unauthenticated, responses
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

router = APIRouter(prefix="/api/v1/admin/jobs", tags=["jobs"], route_class=TransactionalRoute)
ADMIN = (Unauthenticated, Forbidden)


@router.get(
    "/stats", summary="Job statistics", response_model=StatsOut, responses=responses(*ADMIN)
)
async def job_stats(caller: InstanceAdmin) -> StatsOut:
    """Jobs by kind and state, run times (p50/p95) and failures over the last 24 hours, queue
    depth and the age of the oldest runnable job."""
    found = await service.stats(caller.ctx)
    return StatsOut(
        window_hours=found.window_hours,
        queued=found.queued,
        scheduled=found.scheduled,
        running=found.running,
        dead=found.dead,
        oldest_queued_seconds=found.oldest_queued_seconds,
        kinds=[KindStatsOut(**vars(k)) for k in found.kinds],
        carrier=CarrierStatsOut(**vars(found.carrier)) if found.carrier else None,
    )


@router.get(
    "/dead-letters",
    summary="Dead letters",
    response_model=Page[DeadLetterOut],
    responses=responses(*ADMIN, BadRequest),
)
async def list_dead_letters(
    request: Request,
    caller: InstanceAdmin,
    include_requeued: Annotated[bool, Query(description="Also those re-queued already.")] = False,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[DeadLetterOut]:
    """Jobs that spent their retries, newest first, with the error and its traceback."""
    secret = request.app.state.settings.secret_key
    before_id = None
    if cursor is not None:
        key = decode_cursor(secret, cursor)
        if len(key) != 1 or not isinstance(key[0], int):
            raise InvalidCursor()
        before_id = key[0]
    rows = await service.dead_letters(
        caller.ctx, include_requeued=include_requeued, before_id=before_id, limit=limit
    )
    items = [DeadLetterOut.model_validate(r) for r in rows[:limit]]
    more = encode_cursor(secret, [items[-1].id]) if len(rows) > limit else None
    return Page[DeadLetterOut](items=items, next=next_link(request.url, more))


@router.post(
    "/dead-letters/{dead_letter_id}/requeue",
    summary="Re-queue a dead letter",
    response_model=RequeuedOut,
    responses=responses(*ADMIN, NotFound, service.AlreadyRequeued),
)
async def requeue_dead_letter(dead_letter_id: int, caller: InstanceAdmin) -> RequeuedOut:
    """Put the dead job back on the queue, now, with a fresh set of attempts."""
    job = await service.requeue(caller.ctx, dead_letter_id, by=caller.user.id)
    return RequeuedOut(job_id=job.id, state=job.state, run_at=job.run_at)
