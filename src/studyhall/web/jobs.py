"""The job queue's page for site administrators: jobs by kind and state with run times and
failures, queue depth, the oldest runnable job, and the dead letters, each of which can be put
back on the queue. It calls the jobs service, as the API does (`/api/v1/admin/jobs`), so the
rule (site administrators only) and the audit record are the API's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from studyhall.accounts import service as accounts
from studyhall.jobs import service
from studyhall.kit.errors import Conflict, NotFound
from studyhall.web.access import PageRoute, SiteAdminPage, see_other
from studyhall.web.rendering import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
LETTERS_SHOWN = 50
STATES = ("queued", "running", "done", "dead")


@router.get("/admin/jobs")
async def jobs_page(
    request: Request,
    caller: SiteAdminPage,
    before: Annotated[int | None, Query(ge=1)] = None,
    done: Annotated[str | None, Query(max_length=32)] = None,
    requeued: Annotated[bool, Query(alias="all")] = False,
) -> Response:
    """Statistics over the last 24 hours, then the newest dead letters not re-queued yet (with
    `?all=1`, the re-queued ones too: when and by whom, as `studyhall jobs dead-letters --all`)."""
    stats = await service.stats(caller.ctx)
    letters = list(
        await service.dead_letters(
            caller.ctx, include_requeued=requeued, before_id=before, limit=LETTERS_SHOWN
        )
    )
    next_url = None
    if len(letters) > LETTERS_SHOWN:
        letters = letters[:LETTERS_SHOWN]
        next_url = str(request.url.include_query_params(before=letters[-1].id))
    states = sorted({s for k in stats.kinds for s in k.states}, key=_state_order)
    return render(
        request, "site/jobs.html", stats=stats, letters=letters, states=states,
        next_url=next_url, done=done, refused=request.query_params.get("refused"),
        show_requeued=requeued,
        requeued_by=await accounts.display_names(caller.ctx, (d.requeued_by for d in letters)),
    )  # fmt: skip


def _state_order(state: str) -> tuple[int, str]:
    return (STATES.index(state) if state in STATES else len(STATES), state)


@router.post("/admin/jobs/dead-letters/{dead_letter_id}/requeue")
async def requeue(request: Request, dead_letter_id: int, caller: SiteAdminPage) -> Response:
    """Back on the queue now with a fresh set of attempts; one re-queued already (by someone
    else meanwhile) or gone is said on the page, not as an error page."""
    try:
        await service.requeue(caller.ctx, dead_letter_id, by=caller.user.id)
    except (Conflict, NotFound) as refused:
        reason = "requeued" if isinstance(refused, Conflict) else "gone"
        return see_other(request, f"/admin/jobs?refused={reason}")
    return see_other(request, f"/admin/jobs?done={dead_letter_id}")
