"""This domain's jobs: send one email, and the quarter-hourly pass that enqueues reminders."""

from __future__ import annotations

import structlog

from studyhall.jobs.registry import JobRun, task
from studyhall.notifications import mail, reminders

log = structlog.get_logger(__name__)


# Six tries over about half an hour (30 s, 1, 2, 4, 8 min with jitter), then the dead letter:
# an SMTP server down for longer is an operator's matter, and a day's agenda sent hours late
# is worth less than a visible failure in the job queue.
@task(reminders.SEND_EMAIL, priority=5, max_attempts=6, timeout=60, backoff_base=30.0)
async def send_email(run: JobRun) -> None:
    """Compose the message from the plan as it is now and send it; an SMTP failure raises,
    so the job retries with backoff and ends in the dead letter when the tries are spent."""
    settings = run.runtime.settings
    async with run.unit(write=False) as ctx:
        message = await reminders.compose(ctx, settings, run.payload)
    if message is None:
        log.info("email.skipped", template=run.payload.get("template"))
        return
    await mail.send(settings, message)
    log.info("email.sent", template=run.payload.get("template"))  # never the address


@task("notifications.enqueue_reminders", priority=5, max_attempts=3, timeout=120)
async def enqueue_reminders(run: JobRun) -> None:
    """Enqueue the reminders whose local hour has come (each once per learner and day)."""
    async with run.unit() as ctx:
        count = await reminders.enqueue_due(ctx, run.runtime.settings)
        await run.complete_in(ctx)
    log.info("reminders.enqueued", count=count)
