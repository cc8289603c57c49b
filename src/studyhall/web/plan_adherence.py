"""Instructors' view of study plans: each learner's adherence in the organisation (on track,
behind by how much, inactive since when), read-only; the API's `GET /plan/adherence` as a
page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from studyhall.orgs.permissions import OrgCaller
from studyhall.orgs.roles import Permission
from studyhall.planning import progress as plan_progress
from studyhall.web.access import PageRoute, page_rule
from studyhall.web.rendering import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PlansPage = Annotated[OrgCaller, page_rule(Permission.PLANS_READ)]
# Most worrying first: inactive, then behind (by most), then on track.
ORDER = {"inactive": 0, "behind": 1, "no_plan": 2, "on_track": 3}


@router.get("/o/{org}/learners/plans")
async def adherence(request: Request, caller: PlansPage) -> Response:
    """Every learner with a plan here and how they keep to it."""
    rows = await plan_progress.adherence(caller.ctx, caller.org)
    rows.sort(key=lambda r: (ORDER[r.status], -r.behind_minutes, r.display_name.casefold()))
    counts = {status: sum(r.status == status for r in rows) for status in ORDER}
    return render(request, "plans/adherence.html", rows=rows, counts=counts)
