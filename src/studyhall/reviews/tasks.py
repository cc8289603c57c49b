"""Review jobs: the weekly optimiser of each learner's FSRS parameters.

The schedule enqueues `reviews.optimise` with no payload; that run enqueues one job per
learner with enough review logs, so one learner's fit never holds up another's, and a fit
that fails is retried alone.
"""

from __future__ import annotations

from uuid import UUID

from studyhall.jobs import queue
from studyhall.jobs.registry import JobRun, task
from studyhall.reviews import rules, service

OPTIMISE = "reviews.optimise"


@task(OPTIMISE, timeout=600, max_attempts=3)
async def optimise(run: JobRun) -> None:
    """With `org_id` and `user_id`: fit that learner's parameters. Without: enqueue one such
    job per learner with at least rules.OPTIMISE_MIN_LOGS review logs."""
    payload = run.payload
    if "user_id" in payload:
        async with run.unit() as ctx:
            await service.optimise(ctx, UUID(payload["org_id"]), UUID(payload["user_id"]))
            await run.complete_in(ctx)
        return
    async with run.unit() as ctx:
        for org_id, user_id in await service.learners_with_logs(ctx, rules.OPTIMISE_MIN_LOGS):
            queue.enqueue(
                ctx, OPTIMISE, {"org_id": str(org_id), "user_id": str(user_id)},
                ordering_key=f"reviews.optimise:{user_id}",
            )  # fmt: skip
        await run.complete_in(ctx)
