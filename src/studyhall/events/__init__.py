"""Domain events: raised inside a transaction, written to the outbox, dispatched after commit.

`emit(ctx, "answer.saved", aggregate=("attempt", attempt.id), org_id=..., data={...})` is the
one call a service makes. The row commits or rolls back with the change; the worker's
dispatcher hands every committed event, in order, to the subscribers (jobs, webhooks).
"""

from studyhall.events.service import emit, subscribe

__all__ = ["emit", "subscribe"]
