"""Author and reviewer pages: the question list with full-text search and facets, the editor
for every question type with a live Markdown preview, version history with diffs, and the
review queue. They call the bank's services, as its API does."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from studyhall.bank import diff, search, service, workflow
from studyhall.bank.render import plain_text, render_markdown
from studyhall.bank.schemas import QuestionStatus
from studyhall.bank.search_query import Filters
from studyhall.exams import tracks
from studyhall.kit.context import Context
from studyhall.kit.errors import Problem
from studyhall.kit.etag import etag
from studyhall.orgs.permissions import OrgCaller
from studyhall.web import question_form
from studyhall.web.access import AuthorPage, BankPage, PageRoute, ReviewerPage, see_other
from studyhall.web.forms import form_of, person_text, sentence
from studyhall.web.rendering import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 25
FACET_NAMES = {
    "track": "Track", "topic": "Topic", "type": "Type", "status": "Status",
    "difficulty": "Difficulty", "tag": "Tag",
}  # fmt: skip
STATUS_LABELS = {
    "draft": "Draft", "in_review": "In review", "published": "Published", "retired": "Retired",
}  # fmt: skip
# Facets whose values have an order of their own (the workflow's, easy to hard) are shown in
# it; the others most frequent first, as the search serves them.
FACET_ORDER: dict[str, list[str | int]] = {
    "status": list(STATUS_LABELS), "difficulty": [1, 2, 3, 4, 5]
}  # fmt: skip
# How many earlier pages' cursors a list URL keeps for "Previous page" (each up to 512
# characters); past that, the way back is "First page".
PAGES_KEPT = 20


async def _names(ctx: Context, org_id: UUID) -> tuple[Any, dict[str, str], dict[str, str]]:
    """The organisation's tracks, and display names of track and topic ids."""
    all_tracks = await tracks.list_tracks(ctx, org_id)
    track_names = {str(t.id): t.name for t in all_tracks}
    topic_names: dict[str, str] = {}
    for track in all_tracks:
        for topic in (await tracks.get_syllabus(ctx, org_id, track.id)).topics:
            topic_names[str(topic.id)] = topic.name
    return all_tracks, track_names, topic_names


def _uuids(values: list[str]) -> frozenset[UUID]:
    out = set()
    for value in values:
        try:
            out.add(UUID(value))
        except ValueError:
            continue  # a stale link's filter is dropped, not an error page
    return frozenset(out)


@router.get("/o/{org}/questions")
async def question_list(
    request: Request,
    caller: BankPage,
    q: Annotated[str | None, Query(max_length=search.MAX_QUERY_LENGTH)] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """Search with facets; the form updates the results as you type (HTMX), and every
    state has its own URL."""
    params = request.query_params
    filters = Filters(
        track=_uuids(params.getlist("track")),
        topic=_uuids(params.getlist("topic")),
        tag=frozenset(t.strip().lower() for t in params.getlist("tag")[:20] if t.strip()),
        type=frozenset(t for t in params.getlist("type") if t in question_form.TYPE_FIELD),
        status=frozenset(
            s for s in params.getlist("status") if s in {v.value for v in QuestionStatus}
        ),
        difficulty=frozenset(int(d) for d in params.getlist("difficulty") if d in "12345" and d),
    )
    results = await search.search_questions(
        caller.ctx, caller.org.id, dialect=request.app.state.db.dialect, q=q, filters=filters,
        cursor=cursor, limit=PAGE_SIZE, with_facets=True,
    )  # fmt: skip
    all_tracks, track_names, topic_names = await _names(caller.ctx, caller.org.id)
    labels = {"track": track_names, "topic": topic_names, "status": STATUS_LABELS,
              "type": {t.value: label for t, label in question_form.TYPES}}  # fmt: skip
    facets = _in_their_order(results.facets or {})
    earlier = [c for c in params.getlist("prev") if len(c) <= 512][-PAGES_KEPT:]
    next_url = prev_url = first_url = None
    if results.next_cursor:
        kept = [*earlier, cursor or ""][-PAGES_KEPT:]
        next_url = _list_url(request, results.next_cursor, kept)
    if cursor and earlier:
        prev_url = _list_url(request, earlier[-1] or None, earlier[:-1])
    elif cursor:  # a page reached by a shared link or past the kept pages
        first_url = _list_url(request, None, [])
    return render(
        request, "author/questions.html", results=results, q=q or "", filters=filters,
        facet_names=FACET_NAMES, labels=labels, tracks=all_tracks, next_url=next_url,
        prev_url=prev_url, first_url=first_url, facets=facets,
        track_names=track_names, topic_names=topic_names,
    )  # fmt: skip


def _in_their_order(facets: dict[str, list[Any]]) -> dict[str, list[Any]]:
    ordered = {}
    for name, counts in facets.items():
        if name in FACET_ORDER:
            rank = {v: n for n, v in enumerate(FACET_ORDER[name])}
            counts = sorted(counts, key=lambda c: rank.get(c.value, len(rank)))
        ordered[name] = counts
    return ordered


def _list_url(request: Request, cursor: str | None, earlier: list[str]) -> str:
    """This list (same query and filters) at `cursor`, remembering the cursors before it."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("cursor", "prev")]
    kept += [("prev", c) for c in earlier]
    if cursor:
        kept.append(("cursor", cursor))
    return f"{request.url.path}?{urlencode(kept)}" if kept else request.url.path


async def _editor(
    request: Request, caller: OrgCaller, track_id: UUID, values: dict[str, str],
    errors: dict[str, str], status: int = 200, question: Any = None,
) -> Response:  # fmt: skip
    syllabus = await tracks.get_syllabus(caller.ctx, caller.org.id, track_id)
    return render(
        request, "author/editor.html", status, syllabus=syllabus, values=values, errors=errors,
        types=question_form.TYPES, question=question,
    )  # fmt: skip


@router.get("/o/{org}/tracks/{track_id}/questions/new")
async def new_question(request: Request, track_id: UUID, caller: AuthorPage) -> Response:
    return await _editor(request, caller, track_id, {"type": "single_choice"}, {})


@router.post("/o/{org}/tracks/{track_id}/questions/new")
async def create_question(request: Request, track_id: UUID, caller: AuthorPage) -> Response:
    form = await form_of(request)
    content, errors = question_form.parse(form)
    if content is None:
        return await _editor(request, caller, track_id, form, errors, 422)
    try:
        view = await service.create_question(caller.ctx, caller.org, track_id, content)
    except Problem as problem:  # the service refused before writing (a topic not of the track)
        return await _editor(request, caller, track_id, form, _problem(problem, form), 422)
    return see_other(request, f"/o/{caller.org.slug}/questions/{view.question.id}?saved=1")


def _problem(problem: Problem, form: dict[str, str]) -> dict[str, str]:
    if not problem.errors:
        return {"form": sentence(problem.detail or problem.title)}
    kind = form.get("type", "")
    return {
        question_form.problem_field(e.field, kind): person_text(e.message) for e in problem.errors
    }


@router.get("/o/{org}/questions/{question_id}")
async def question_page(
    request: Request, question_id: UUID, caller: BankPage, saved: bool = False
) -> Response:
    """The head version as learners will see it, its status and the workflow's next steps."""
    return await _question(request, caller, question_id, saved=saved)


async def _question(
    request: Request,
    caller: OrgCaller,
    question_id: UUID,
    status: int = 200,
    *,
    saved: bool = False,
    refused: dict[str, str] | None = None,
) -> Response:
    view = await service.get_question(caller.ctx, caller.org.id, question_id)
    versions = await service.list_versions(caller.ctx, caller.org.id, question_id)
    syllabus = await tracks.get_syllabus(caller.ctx, caller.org.id, view.question.track_id)
    return render(
        request, "author/question.html", status, view=view, head=view.head,
        rendered=view.head.rendered, content=view.head.content, versions=versions,
        topics={t.id: t.name for t in syllabus.topics}, track=syllabus.track, saved=saved,
        comment=next((r.comment for v in versions for r in v.reviews if r.comment), None),
        refused=refused or {},
    )  # fmt: skip


@router.get("/o/{org}/questions/{question_id}/edit")
async def edit_form(request: Request, question_id: UUID, caller: AuthorPage) -> Response:
    view = await service.get_question(caller.ctx, caller.org.id, question_id)
    values = question_form.form_from_content(view.head.content)
    values["revision"] = str(view.question.revision)
    return await _editor(request, caller, view.question.track_id, values, {}, question=view)


@router.post("/o/{org}/questions/{question_id}/edit")
async def edit(request: Request, question_id: UUID, caller: AuthorPage) -> Response:
    """A new version; a stale form (someone saved meanwhile) is refused with 412."""
    form = await form_of(request)
    view = await service.get_question(caller.ctx, caller.org.id, question_id)
    content, errors = question_form.parse(form)
    if content is None:
        return await _editor(
            request, caller, view.question.track_id, form, errors, 422, question=view
        )
    revision = form.get("revision", "")
    if_match = etag(int(revision)) if revision.isdigit() else None
    try:
        await service.edit_question(caller.ctx, caller.org, question_id, content, if_match=if_match)
    except Problem as problem:
        if problem.status >= 500:
            raise
        return await _editor(
            request, caller, view.question.track_id, form, _problem(problem, form),
            problem.status, question=view,
        )  # fmt: skip
    return see_other(request, f"/o/{caller.org.slug}/questions/{question_id}?saved=1")


@router.post("/o/{org}/preview")
async def preview(request: Request, caller: AuthorPage) -> Response:
    """Markdown as learners will see it (sanitised as stored), for the editor's preview."""
    form = await form_of(request)
    # HTMX sends the whole editor form; `field` says which text this preview is of.
    field = form.get("field", "stem")
    text = form.get(field, "") if field in ("stem", "explanation") else ""
    # render_markdown sanitises (nh3), as it does for stored versions.
    html = render_markdown(text[:20_000], caller.org.slug) if text.strip() else ""
    return HTMLResponse(html or '<p class="muted">Nothing to preview yet.</p>')


async def _step(request: Request, caller: OrgCaller, question_id: UUID, action: str) -> Response:
    form = await form_of(request)
    revision = form.get("revision", "")
    if_match = etag(int(revision)) if revision.isdigit() else None
    org = caller.org
    if action == "submit":
        await workflow.submit(caller.ctx, org, question_id, if_match=if_match)
    elif action == "retire":
        await workflow.retire(caller.ctx, org, question_id, if_match=if_match)
    elif action == "approve":
        await workflow.approve(caller.ctx, org, question_id, if_match=if_match)
    else:
        comment = form.get("comment", "").strip()
        back = form.get("back", "")
        if not comment:  # the page it came from again, the message beside its comment field
            refused = {str(question_id): "Write what the author should change."}
            if back == f"/o/{org.slug}/review":
                return await _review_queue(request, caller, 422, refused=refused)
            return await _question(request, caller, question_id, 422, refused=refused)
        await workflow.send_back(caller.ctx, org, question_id, comment[:2000], if_match=if_match)
    back = form.get("back", "")
    target = (
        back if back.startswith(f"/o/{org.slug}/") else f"/o/{org.slug}/questions/{question_id}"
    )
    return see_other(request, target)


@router.post("/o/{org}/questions/{question_id}/submit")
async def submit_for_review(request: Request, question_id: UUID, caller: AuthorPage) -> Response:
    return await _step(request, caller, question_id, "submit")


@router.post("/o/{org}/questions/{question_id}/retire")
async def retire(request: Request, question_id: UUID, caller: AuthorPage) -> Response:
    return await _step(request, caller, question_id, "retire")


@router.post("/o/{org}/questions/{question_id}/approve")
async def approve(request: Request, question_id: UUID, caller: ReviewerPage) -> Response:
    return await _step(request, caller, question_id, "approve")


@router.post("/o/{org}/questions/{question_id}/send-back")
async def send_back(request: Request, question_id: UUID, caller: ReviewerPage) -> Response:
    return await _step(request, caller, question_id, "send_back")


@router.get("/o/{org}/questions/{question_id}/versions")
async def versions(
    request: Request,
    question_id: UUID,
    caller: BankPage,
    a: Annotated[int | None, Query(ge=1)] = None,
    b: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Every version with its review steps, and what changed between two of them, side by
    side in an author's words."""
    view = await service.get_question(caller.ctx, caller.org.id, question_id)
    history = await service.list_versions(caller.ctx, caller.org.id, question_id)
    changes = None
    if len(history) > 1 or (a and b):
        syllabus = await tracks.get_syllabus(caller.ctx, caller.org.id, view.question.track_id)
        changes = await diff.readable_diff(
            caller.ctx, caller.org.id, question_id, from_number=a, to_number=b,
            topic_names={str(t.id): t.name for t in syllabus.topics},
        )  # fmt: skip
    return render(
        request, "author/versions.html", view=view, history=history, changes=changes,
        excerpt=plain_text(view.head.rendered.get("stem", ""))[:120],
    )  # fmt: skip


@router.get("/o/{org}/review")
async def review_queue(request: Request, caller: ReviewerPage) -> Response:
    """Questions waiting for review, longest waiting first."""
    return await _review_queue(request, caller)


async def _review_queue(
    request: Request, caller: OrgCaller, status: int = 200, *, refused: dict[str, str] | None = None
) -> Response:
    rows = await workflow.review_queue(
        caller.ctx, caller.org.id, track_id=None, after=None, limit=100
    )
    _, track_names, topic_names = await _names(caller.ctx, caller.org.id)
    items = [(q, v, u, plain_text(v.rendered.get("stem", ""))[:200]) for q, v, u in rows[:100]]
    me = caller.user.id if caller.user else None
    return render(
        request, "author/review.html", status, items=items, track_names=track_names,
        topic_names=topic_names, me=me, refused=refused or {},
    )  # fmt: skip
