"""The organisation's images, for questions: upload one, see them all, and copy the Markdown
that puts one in a question (`![what it shows](media:<id>)`).

With JavaScript, `js/media.js` sends the upload to the media API (`POST /api/v1/orgs/{org}/
media`) and shows a refusal beside the field without leaving the page. Without it, the form
posts here, and this route reads the upload exactly as the API does (streamed and
size-checked before the transaction starts) and calls the same service.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from studyhall.bank import media
from studyhall.bank.media_endpoints import Received, receive_upload
from studyhall.bank.storage import MediaStorage
from studyhall.kit.context import Context
from studyhall.kit.errors import InvalidInput
from studyhall.kit.transaction import request_context
from studyhall.orgs.permissions import OrgCaller
from studyhall.orgs.roles import Permission
from studyhall.web.access import BankPage, PageOrgAccess, PageRoute, see_other, upload_caller
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
    return await _page(request, caller, cursor=cursor)


async def _page(
    request: Request,
    caller: OrgCaller,
    *,
    cursor: str | None = None,
    status: int = 200,
    error: str | None = None,
) -> Response:
    items, next_cursor = await media.list_media(
        caller.ctx, caller.org.id, cursor=cursor, limit=SHOWN
    )
    shown = [
        (item, media.media_out(caller.org, item), media.human_size(item.size)) for item in items
    ]
    next_url = str(request.url.include_query_params(cursor=next_cursor)) if next_cursor else None
    return render(
        request, "author/media.html", status_code=status, items=shown, next_url=next_url,
        limit=media.human_size(request.app.state.settings.media_max_bytes),
        uploaded=request.query_params.get("uploaded"), error=error,
    )  # fmt: skip


async def _receive(request: Request) -> AsyncIterator[Received]:
    """The API's reading of the upload, with a file too large turned into the form's message
    instead of an error page."""
    try:
        received = await receive_upload(request)
    except media.MediaTooLarge as too_large:
        received = Received(problem=too_large)
    yield received


Upload = Annotated[Received, Depends(_receive)]


class MediaUploadAccess(PageOrgAccess):
    """The page rule for an image's upload (see `upload_caller`)."""

    async def __call__(  # type: ignore[override]
        self,
        request: Request,
        org: Annotated[str, Path(max_length=64)],
        ctx: Annotated[Context, Depends(request_context)],
        upload: Upload,
    ) -> OrgCaller:
        return await upload_caller(
            self, request, org, ctx, refused=upload.problem is not None, fields=upload.fields
        )


@router.post("/o/{org}/media")
async def upload(
    request: Request,
    received: Upload,
    caller: Annotated[OrgCaller, Depends(MediaUploadAccess(Permission.QUESTIONS_WRITE))],
) -> Response:
    """The form's upload, without JavaScript: the page again with the new image marked, or
    with what is wrong beside the field."""
    if received.problem is None and not received.data and not received.filename:
        return await _page(request, caller, status=422, error="Choose an image first.")
    try:
        if received.problem is not None:
            raise received.problem
        storage: MediaStorage = request.app.state.media_storage
        item, _ = await media.upload(
            caller.ctx, caller.org, storage, received.data, received.filename
        )
    except (InvalidInput, media.MediaTooLarge) as refused:
        return await _page(request, caller, status=refused.status, error=str(refused))
    return see_other(request, f"/o/{caller.org.slug}/media?uploaded={item.id}#media-{item.id}")
