"""Raising events (inside the caller's transaction) and dispatching them (after commit).

Dispatch runs in the worker, in a transaction of its own: it reads undispatched events in id
order, hands each to every subscriber (which adds jobs or deliveries in that same
transaction) and marks it dispatched. So an event either reaches all of its subscribers'
queues or none of them, and a crash between commit and dispatch only delays it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, text

from studyhall.events.models import OutboxEvent
from studyhall.jobs import wakeup
from studyhall.kit.context import Context
from studyhall.kit.tenancy import across_orgs, across_orgs_update

Subscriber = Callable[[Context, OutboxEvent], Awaitable[None]]
_subscribers: list[Subscriber] = []
_MEMO_KEY = "events.dispatch_pass_memo"

# Any 64-bit number: the advisory lock that lets one PostgreSQL dispatcher run at a time,
# so that events leave in id order however many workers there are.
DISPATCH_LOCK = 0x5354_4448_4556_4E54  # "STDHEVNT"


def emit(
    ctx: Context,
    type: str,
    *,
    aggregate: tuple[str, UUID | str],
    org_id: UUID | None,
    data: dict[str, Any] | None = None,
) -> OutboxEvent:
    """Raise `type` about `aggregate` (kind, id) in the caller's transaction.

    `data` is what subscribers and webhook receivers get: ids and facts, never personal data
    (emails, names) or secrets. Events of one aggregate are delivered in the order raised.
    """
    event = OutboxEvent(
        org_id=org_id,
        type=type,
        aggregate_type=aggregate[0],
        aggregate_id=str(aggregate[1]),
        data=data or {},
        actor_user_id=ctx.user_id,
        request_id=ctx.request_id,
        occurred_at=ctx.now(),
    )
    ctx.session.add(event)
    wakeup.event_raised(ctx.session)
    return event


def pass_memo(ctx: Context) -> dict[str, Any]:
    """Scratch space a subscriber may keep for the current dispatch pass (new for each pass):
    what it read for one event it need not read again for the next."""
    memo: dict[str, Any] = ctx.session.info.setdefault(_MEMO_KEY, {})
    return memo


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Register `subscriber(ctx, event)`, called once per committed event inside the dispatch
    transaction. It must only add rows (jobs, deliveries): slow work goes into a job."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


_EVERY_ORG = "the dispatcher serves every organisation"
# Built once: the worker asks these on every pass, and building them cost more than running.
_ANY_PENDING = (
    across_orgs(OutboxEvent, reason=_EVERY_ORG)
    .with_only_columns(OutboxEvent.id)
    .where(OutboxEvent.dispatched_at.is_(None))
    .limit(1)
)
_OLDEST_PENDING = (
    across_orgs(OutboxEvent, reason=_EVERY_ORG)
    .where(OutboxEvent.dispatched_at.is_(None))
    .order_by(OutboxEvent.id)
    .limit(bindparam("limit"))
)


async def has_pending(ctx: Context) -> bool:
    """Whether any event waits for dispatch (a cheap read, so an idle worker takes no lock)."""
    return await ctx.session.scalar(_ANY_PENDING) is not None


async def dispatch_pending(ctx: Context, *, limit: int = 500) -> int:
    """Hand the oldest undispatched events to the subscribers; returns how many.

    On PostgreSQL one worker dispatches at a time: another finds the lock taken and leaves
    (it polls again soon, or is woken by the next NOTIFY), so the order per aggregate holds."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        locked = await ctx.session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": DISPATCH_LOCK}
        )
        if not locked:  # another worker is dispatching; it keeps the order
            return 0
    pending = (await ctx.session.scalars(_OLDEST_PENDING, {"limit": limit})).all()
    ctx.session.info[_MEMO_KEY] = {}
    for event in pending:
        for subscriber in _subscribers:
            await subscriber(ctx, event)
    if pending:
        # One statement for the pass rather than a flushed change per event object.
        await ctx.session.execute(
            across_orgs_update(OutboxEvent, reason=_EVERY_ORG)
            .where(OutboxEvent.id.in_([event.id for event in pending]))
            .values(dispatched_at=ctx.now())
            .execution_options(synchronize_session=False)
        )
    return len(pending)
