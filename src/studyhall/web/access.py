"""Who may open a page: the API's access rules, with a browser's answers.

Pages declare the same rules as the API (`public`, `signed-in`, `org:<permission>`), so the
tenancy walk checks them against the same permission table. What differs is the refusal: a
person who is not signed in is sent to the sign-in page (303) instead of getting a 401, and
refusals are HTML pages (`PageRoute`). Every unsafe request is CSRF-checked after the caller
is known.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from studyhall.accounts import service as accounts
from studyhall.accounts.models import User
from studyhall.accounts.permissions import Caller, resolve_user, session_token
from studyhall.kit.access import AccessRule
from studyhall.kit.context import Context
from studyhall.kit.errors import Forbidden, InvalidInput, NotFound, Problem, Unauthenticated
from studyhall.kit.transaction import TransactionalRoute, request_context
from studyhall.orgs.models import Org
from studyhall.orgs.permissions import OrgAccess, OrgCaller
from studyhall.orgs.roles import Permission
from studyhall.web import csrf
from studyhall.web.rendering import render


@dataclass(frozen=True)
class Badge:
    """Who and where, as the page header shows them: plain values that outlive the request's
    transaction (an error page renders after a rollback has expired every ORM row)."""

    name: str
    slug: str = ""
    site_admin: bool = False


def _remember(request: Request, user: User | None, org: Org | None = None) -> None:
    if user is not None:
        request.state.page_user = Badge(user.display_name, site_admin=user.is_superuser)
    if org is not None:
        request.state.page_org = Badge(org.name, org.slug)


async def remember_signed_in(request: Request) -> None:
    """Who is signed in, for an error page answered before the page's access rule knew (an
    organisation that does not exist or that refuses them, an address that is no page): the
    header is then the signed-in one. Read in a unit of work of its own, since the request's
    transaction may have been rolled back, or never begun."""
    token = session_token(request)
    if token is None or getattr(request.state, "page_user", None) is not None:
        return
    state = request.app.state
    async with state.db.unit_of_work(write=False) as session:
        ctx = Context(session=session, clock=state.clock, request_id="-")
        found = await accounts.session_for_token(ctx, token)
        if found is not None:
            _remember(request, found[1])


async def error_page(request: Request, problem: Problem) -> Response:
    """A refusal as a page, with the header of whoever is signed in."""
    await remember_signed_in(request)
    return render(request, "error.html", status_code=problem.status, problem=problem)


class SignInRequired(Unauthenticated):
    """Raised by page rules; `PageRoute` answers it with a redirect to the sign-in page."""


class PagePublic(AccessRule):
    def describe(self) -> str:
        return "public"

    async def __call__(
        self, request: Request, ctx: Annotated[Context, Depends(request_context)]
    ) -> Context:
        caller = await resolve_user(request, ctx)
        if caller is not None:
            _remember(request, caller.user)
        await csrf.check_form(request)
        return caller.ctx if caller else ctx


class PageSignedIn(AccessRule):
    def describe(self) -> str:
        return "signed-in"

    async def __call__(
        self, request: Request, ctx: Annotated[Context, Depends(request_context)]
    ) -> Caller:
        caller = await resolve_user(request, ctx)
        if caller is None:
            raise SignInRequired()
        _remember(request, caller.user)
        await csrf.check_form(request)
        return caller


class PageSiteAdmin(PageSignedIn):
    """The job queue's rule (`InstanceAdmin`) for pages: site administrators only."""

    def describe(self) -> str:
        return "instance-admin"

    async def __call__(
        self, request: Request, ctx: Annotated[Context, Depends(request_context)]
    ) -> Caller:
        caller = await super().__call__(request, ctx)
        if not caller.user.is_superuser:
            raise Forbidden("Only site administrators may see and steer the job queue.")
        return caller


class PageOrgAccess(OrgAccess):
    async def __call__(
        self,
        request: Request,
        org: Annotated[str, Path(max_length=64)],
        ctx: Annotated[Context, Depends(request_context)],
    ) -> OrgCaller:
        try:
            caller = await super().__call__(request, org, ctx)
        except Unauthenticated as refused:
            raise SignInRequired() from refused
        _remember(request, caller.user, caller.org)
        request.state.page_permissions = caller.permissions
        await csrf.check_form(request)
        return caller


async def upload_caller(
    rule: OrgAccess,
    request: Request,
    org: str,
    ctx: Context,
    *,
    refused: bool,
    fields: dict[str, str] | None,
) -> OrgCaller:
    """A page's access rule for a multipart upload, which was read (streamed, size-limited)
    before the caller, as the API reads it. The body can be read only once, so the CSRF token
    comes from the fields read with it (or the `X-CSRF-Token` header), not `request.form()`.
    An upload `refused` before its fields were read (too large, not multipart) is answered
    only with the form and its message: nothing is done with it."""
    try:
        caller = await OrgAccess.__call__(rule, request, org, ctx)
    except Unauthenticated as refused_caller:
        raise SignInRequired() from refused_caller
    _remember(request, caller.user, caller.org)
    request.state.page_permissions = caller.permissions
    if not refused and csrf.needs_check(request.method, dict(request.headers)):
        given = request.headers.get(csrf.CSRF_HEADER) or (fields or {}).get(csrf.CSRF_FIELD)
        if not csrf.valid(request, given):
            raise csrf.CsrfRefused("Reload the page and try again.")
    return caller


def page_rule(permission: Permission) -> Any:
    return Depends(PageOrgAccess(permission))


AnyPage = Annotated[Context, Depends(PagePublic())]
SignedInPage = Annotated[Caller, Depends(PageSignedIn())]
SiteAdminPage = Annotated[Caller, Depends(PageSiteAdmin())]
LearnerPage = Annotated[OrgCaller, page_rule(Permission.ATTEMPTS_TAKE)]
MemberPage = Annotated[OrgCaller, page_rule(Permission.ORG_READ)]
BankPage = Annotated[OrgCaller, page_rule(Permission.QUESTIONS_READ)]
AuthorPage = Annotated[OrgCaller, page_rule(Permission.QUESTIONS_WRITE)]
ReviewerPage = Annotated[OrgCaller, page_rule(Permission.QUESTIONS_REVIEW)]
TracksPage = Annotated[OrgCaller, page_rule(Permission.TRACKS_MANAGE)]
OrgSettingsPage = Annotated[OrgCaller, page_rule(Permission.ORG_UPDATE)]
MembersPage = Annotated[OrgCaller, page_rule(Permission.MEMBERS_READ)]
MembersAdminPage = Annotated[OrgCaller, page_rule(Permission.MEMBERS_MANAGE)]
InvitationsPage = Annotated[OrgCaller, page_rule(Permission.INVITATIONS_MANAGE)]
ApiKeysPage = Annotated[OrgCaller, page_rule(Permission.API_KEYS_MANAGE)]
AuditPage = Annotated[OrgCaller, page_rule(Permission.AUDIT_READ)]
WebhooksPage = Annotated[OrgCaller, page_rule(Permission.WEBHOOKS_MANAGE)]


class PageRoute(TransactionalRoute):
    """A page in the request's transaction, whose refusals are pages too."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                if request.method != "GET":
                    target = "/"
                return see_other(request, f"/sign-in?next={quote(target, safe='')}")
            except Problem as problem:
                return await error_page(request, problem)
            except RequestValidationError as invalid:
                return await error_page(request, refusal_of(invalid))

        return page


def refusal_of(invalid: RequestValidationError) -> Problem:
    """A page's address that does not parse: an id that is not one names nothing (404, as an
    unknown one); a bad query parameter is named."""
    errors = [
        (".".join(str(p) for p in e.get("loc", ())), str(e.get("msg"))) for e in invalid.errors()
    ]
    if any(field.startswith("path.") for field, _ in errors):
        return NotFound("There is nothing at this address.")
    field, message = errors[0] if errors else ("", "invalid")
    name = field.split(".", 1)[-1]
    return InvalidInput(f"This address is not valid: {name}: {message}.", errors=errors)


def see_other(request: Request, url: str) -> Response:
    """After a form: go there. HTMX requests get `HX-Redirect` (a 303 would be followed
    inside the swap)."""
    if request.headers.get("hx-request"):
        return HTMLResponse("", headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)
