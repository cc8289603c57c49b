"""HTTP for calendar apps: the learner's feed at its secret address (no session)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from studyhall.accounts.permissions import PublicContext
from studyhall.kit.errors import NotFound
from studyhall.kit.transaction import TransactionalRoute
from studyhall.notifications import feed, service
from studyhall.orgs.models import Org

router = APIRouter(tags=["calendar"], route_class=TransactionalRoute)

# Calendar apps poll; shared caches must never keep one learner's plan (the address is the
# only key), while the app itself may reuse its copy for a few minutes.
CACHE_CONTROL = "private, max-age=300"


@router.get("/calendar/{token}.ics", include_in_schema=False)
async def calendar_feed(request: Request, token: str, ctx: PublicContext) -> Response:
    """The learner's plan as iCalendar (RFC 5545); 404 for a token that is unknown or was
    rotated away, with no hint which."""
    found = await service.find_feed(ctx, token)
    org = await ctx.session.get(Org, found.org_id) if found is not None else None
    if found is None or org is None:
        raise NotFound("There is no calendar at this address.")
    body = await feed.calendar_of(ctx, org, found.user_id, request.app.state.settings.base_url)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": CACHE_CONTROL,
            "Content-Disposition": 'inline; filename="study-plan.ics"',
        },
    )
