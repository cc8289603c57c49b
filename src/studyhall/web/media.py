"""The organisation's images, for questions: upload one, see them all, and copy the Markdown
that puts one in a question (`![what it shows](media:<id>)`).

The upload goes to the media API (`POST /api/v1/orgs/{org}/media`) from `js/media.js` with
this browser's CSRF header: the API streams and checks the file before its transaction
starts, which a page reading the form could not do as well. The page itself only reads.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from studyhall.bank import media
from studyhall.web.access import BankPage, PageRoute
from studyhall.web.rendering import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SHOWN = 48


@router.get("/o/{org}/media")
async def images(
    request: Request,
    caller: BankPage,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """Newest first, a page at a time; the upload form for those who may write questions."""
    items, next_cursor = await media.list_media(
        caller.ctx, caller.org.id, cursor=cursor, limit=SHOWN
    )
    shown = [
        (item, media.media_out(caller.org, item), media.human_size(item.size)) for item in items
    ]
    next_url = str(request.url.include_query_params(cursor=next_cursor)) if next_cursor else None
    return render(
        request, "author/media.html", items=shown, next_url=next_url,
        limit=media.human_size(request.app.state.settings.media_max_bytes),
        uploaded=request.query_params.get("uploaded"),
    )  # fmt: skip
