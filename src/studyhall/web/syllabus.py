"""Track and syllabus editor: an exam's settings and its topic tree with weights.

The tree is edited as text, one topic a line, `Name | weight`, children indented by two
spaces under their parent; a topic keeps its id (and its questions) while its name stays.
A syllabus can also be read from the exam notice (pasted or its PDF), previewed and
corrected in the same text format, then applied (the API's propose and apply).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from studyhall.exams import syllabus_import, tracks
from studyhall.exams.models import Topic
from studyhall.exams.schemas import TrackIn
from studyhall.exams.syllabus_schemas import (
    ProposedTopicOut,
    SyllabusApplyIn,
    SyllabusChanges,
    SyllabusProposalOut,
    SyllabusTopicIn,
)
from studyhall.kit.errors import Problem
from studyhall.kit.etag import etag
from studyhall.orgs.permissions import OrgCaller
from studyhall.web.access import PageRoute, TracksPage, see_other
from studyhall.web.forms import field_errors, form_of, person_text, problem_errors
from studyhall.web.rendering import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
INDENT = 2


def tree_text(topics: list[Topic]) -> str:
    children: dict[UUID | None, list[Topic]] = {}
    for topic in topics:
        children.setdefault(topic.parent_id, []).append(topic)
    lines: list[str] = []

    def walk(parent: UUID | None, depth: int) -> None:
        for topic in children.get(parent, []):
            lines.append(f"{' ' * INDENT * depth}{topic.name} | {topic.weight:g}")
            walk(topic.id, depth + 1)

    walk(None, 0)
    return "\n".join(lines)


class TreeError(ValueError):
    pass


def parse_tree(text: str, existing: list[Topic]) -> list[dict[str, Any]]:
    ids: dict[str, UUID] = {}
    for topic in existing:
        ids.setdefault(topic.name, topic.id)
    roots: list[dict[str, Any]] = []
    stack: list[tuple[int, list[dict[str, Any]]]] = [(-1, roots)]
    last: dict[str, Any] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        depth = (len(raw) - len(raw.lstrip(" "))) // INDENT
        name, _, weight = raw.strip().rpartition("|")
        if not name.strip():
            raise TreeError(f"line {number}: write `Name | weight`")
        try:
            value = float(weight.strip())
        except ValueError:
            raise TreeError(f"line {number}: the weight must be a number") from None
        node: dict[str, Any] = {"name": name.strip(), "weight": value, "children": []}
        if name.strip() in ids:
            node["id"] = ids.pop(name.strip())
        if depth > stack[-1][0] + 1 and last is not None:
            depth = stack[-1][0] + 1
        while stack[-1][0] >= depth:
            stack.pop()
        if depth > stack[-1][0] + 1:
            raise TreeError(f"line {number}: indented deeper than its parent")
        stack[-1][1].append(node)
        stack.append((depth, node["children"]))
        last = node
    return roots


def _values_of(form: dict[str, str], existing: list[Topic]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "slug": form.get("slug", ""),
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "exam_length": form.get("exam_length") or None,
        "time_limit_minutes": form.get("time_limit_minutes") or None,
        "passing_score": form.get("passing_score") or None,
        "navigation": form.get("navigation", "free"),
        "topics": parse_tree(form.get("topics", ""), existing),
    }
    if form.get("scoring") == "scaled":
        values["scoring"] = {
            "kind": "scaled",
            "min": form.get("scaled_min") or None,
            "max": form.get("scaled_max") or None,
        }
    return values


@router.get("/o/{org}/tracks")
async def track_list(request: Request, caller: TracksPage) -> Response:
    return render(
        request, "author/tracks.html", tracks=await tracks.list_tracks(caller.ctx, caller.org.id)
    )


async def _form(
    request: Request, caller: OrgCaller, values: dict[str, str], errors: dict[str, str],
    status: int = 200, track_id: UUID | None = None,
) -> Response:  # fmt: skip
    return render(
        request, "author/track_form.html", status, values=values, errors=errors,
        track_id=track_id,
    )  # fmt: skip


@router.get("/o/{org}/tracks/new")
async def new_track(request: Request, caller: TracksPage) -> Response:
    # The syllabus starts empty: an example shows as a placeholder, never as topics to delete.
    defaults = {"exam_length": "20", "time_limit_minutes": "30", "passing_score": "70"}
    return await _form(request, caller, defaults, {})


@router.get("/o/{org}/tracks/{track_id}/edit")
async def edit_track(request: Request, track_id: UUID, caller: TracksPage) -> Response:
    syllabus = await tracks.get_syllabus(caller.ctx, caller.org.id, track_id)
    t = syllabus.track
    values = {
        "slug": t.slug, "name": t.name, "description": t.description,
        "exam_length": str(t.exam_length), "time_limit_minutes": str(t.time_limit_minutes),
        "passing_score": f"{t.passing_score:g}", "navigation": t.navigation,
        "scoring": t.scoring_kind, "scaled_min": f"{t.scaled_min:g}" if t.scaled_min else "",
        "scaled_max": f"{t.scaled_max:g}" if t.scaled_max else "",
        "topics": tree_text(list(syllabus.topics)), "revision": str(t.revision),
    }  # fmt: skip
    return await _form(request, caller, values, {}, track_id=track_id)


async def _save(request: Request, caller: OrgCaller, track_id: UUID | None) -> Response:
    form = await form_of(request)
    existing: list[Topic] = []
    if track_id is not None:
        existing = list((await tracks.get_syllabus(caller.ctx, caller.org.id, track_id)).topics)
    try:
        data = TrackIn.model_validate(_values_of(form, existing))
        if track_id is None:
            saved = await tracks.create_track(caller.ctx, caller.org, data)
        else:
            revision = form.get("revision", "")
            saved = await tracks.replace_track(
                caller.ctx, caller.org, track_id, data,
                if_match=etag(int(revision)) if revision.isdigit() else None,
            )  # fmt: skip
    except TreeError as exc:
        return await _form(request, caller, form, {"topics": str(exc)}, 422, track_id)
    except ValidationError as exc:
        return await _form(request, caller, form, field_errors(exc), 422, track_id)
    except Problem as problem:
        if problem.status >= 500:
            raise
        errors = problem_errors(problem)
        return await _form(request, caller, form, errors, problem.status, track_id)
    return see_other(request, f"/o/{caller.org.slug}/tracks?saved={saved.track.slug}")


@router.post("/o/{org}/tracks/new")
async def create_track(request: Request, caller: TracksPage) -> Response:
    return await _save(request, caller, None)


@router.post("/o/{org}/tracks/{track_id}/edit")
async def update_track(request: Request, track_id: UUID, caller: TracksPage) -> Response:
    return await _save(request, caller, track_id)


async def _delete_page(
    request: Request, caller: OrgCaller, track_id: UUID, status: int = 200, refused: str = ""
) -> Response:
    track = (await tracks.get_syllabus(caller.ctx, caller.org.id, track_id)).track
    return render(request, "author/track_delete.html", status, track=track, refused=refused)


@router.get("/o/{org}/tracks/{track_id}/delete")
async def confirm_delete(request: Request, track_id: UUID, caller: TracksPage) -> Response:
    """The confirmation step: a plain page, so it holds without JavaScript."""
    return await _delete_page(request, caller, track_id)


@router.post("/o/{org}/tracks/{track_id}/delete")
async def delete_track(request: Request, track_id: UUID, caller: TracksPage) -> Response:
    """As `DELETE /api/v1/orgs/{org}/tracks/{id}`: a track with questions is refused, and the
    refusal is said on the confirmation page."""
    try:
        track = (await tracks.get_syllabus(caller.ctx, caller.org.id, track_id)).track
        name = track.name
        await tracks.delete_track(caller.ctx, caller.org, track_id)
    except tracks.TrackInUse as refused:
        return await _delete_page(request, caller, track_id, 409, refused.detail or refused.title)
    return see_other(request, f"/o/{caller.org.slug}/tracks?deleted={quote(name)}")


# --- a syllabus from the exam notice: paste or upload, preview and correct, apply -----------
#
# The preview shows the proposed tree and lets the author correct it as text in the editor's
# own format (`Name | weight`, two spaces a level), then "Preview again" re-reads that text
# and shows the tree and what would change; "Apply" makes it the syllabus. Weights are
# relative among siblings (a count or a percent) and scaled to 100 when applied.


def proposal_text(topics: list[ProposedTopicOut], depth: int = 0) -> str:
    """A proposed tree in the editor's format, weights as percents."""
    lines = []
    for topic in topics:
        lines.append(f"{' ' * INDENT * depth}{topic.name} | {round(topic.weight, 2):g}")
        if topic.children:
            lines.append(proposal_text(topic.children, depth + 1))
    return "\n".join(lines)


def parse_import_tree(text: str) -> list[SyllabusTopicIn]:
    """The corrected tree from the preview's text; a line without `| weight` weighs 1."""
    roots: list[dict[str, Any]] = []
    stack: list[tuple[int, list[dict[str, Any]]]] = [(-1, roots)]
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        depth = (len(raw) - len(raw.lstrip(" "))) // INDENT
        name, bar, weight = raw.strip().rpartition("|")
        if not bar:
            name, weight = weight, "1"
        try:
            value = float(weight.strip().replace(",", "."))
        except ValueError:
            raise TreeError(f"line {number}: the weight after | must be a number") from None
        if not name.strip():
            raise TreeError(f"line {number}: write `Name | weight`")
        if value <= 0:
            raise TreeError(f"line {number}: the weight must be above 0")
        while stack[-1][0] >= depth:
            stack.pop()
        node: dict[str, Any] = {"name": name.strip(), "weight": value, "children": []}
        stack[-1][1].append(node)
        stack.append((depth, node["children"]))
    if not roots:
        raise TreeError("the syllabus is empty: give at least one topic")
    try:
        return SyllabusApplyIn.model_validate({"topics": roots}).topics
    except ValidationError as exc:
        raise TreeError(_tree_message(exc)) from None


def _tree_message(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{error['msg']} ({'.'.join(map(str, error['loc']))})"


def _in_tree(topics: list[SyllabusTopicIn]) -> list[ProposedTopicOut]:
    """The corrected tree shown as a proposal (weights scaled to percents among siblings)."""
    total = sum(t.weight for t in topics) or 1
    return [
        ProposedTopicOut(name=t.name, weight=round(100 * t.weight / total, 4), questions=None,
                         lines=[], children=_in_tree(t.children))
        for t in topics
    ]  # fmt: skip


async def _import_page(
    request: Request, caller: OrgCaller, track_id: UUID, *, status: int = 200,
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
    proposal: SyllabusProposalOut | None = None, tree: str = "",
    corrected: list[ProposedTopicOut] | None = None,
    changes: SyllabusChanges | None = None, stage: str = "read",
) -> Response:  # fmt: skip
    syllabus = await tracks.get_syllabus(caller.ctx, caller.org.id, track_id)
    settings = request.app.state.settings
    return render(
        request, "author/syllabus_import.html", status, track=syllabus.track,
        current=len(syllabus.topics), errors=errors or {}, values=values or {},
        proposal=proposal, tree=tree, shown=corrected or (proposal.topics if proposal else []),
        changes=changes or (proposal.changes if proposal else None),
        max_bytes=settings.syllabus_pdf_max_bytes, max_pages=settings.syllabus_pdf_max_pages,
        stage=stage,
    )  # fmt: skip


@router.get("/o/{org}/tracks/{track_id}/syllabus/import")
async def import_syllabus_form(request: Request, track_id: UUID, caller: TracksPage) -> Response:
    """Paste the notice's syllabus or upload its PDF."""
    return await _import_page(request, caller, track_id)


@router.post("/o/{org}/tracks/{track_id}/syllabus/import")
async def import_syllabus(request: Request, track_id: UUID, caller: TracksPage) -> Response:
    """One form, three steps by its `step`: read the notice, preview the corrected tree again,
    apply it. Every refusal comes back on the page beside its field."""
    form = await request.form(max_files=1, max_fields=16)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    step = fields.get("step", "read")
    try:
        if step == "read":
            return await _read_notice(request, caller, track_id, form.get("file"), fields)
        corrected = parse_import_tree(fields.get("tree", ""))
        if step == "apply":
            revision = fields.get("revision", "")
            await syllabus_import.apply_syllabus(
                caller.ctx, caller.org, track_id, SyllabusApplyIn(topics=corrected),
                if_match=etag(int(revision)) if revision.isdigit() else None,
            )  # fmt: skip
            return see_other(request, f"/o/{caller.org.slug}/tracks/{track_id}/edit?imported=1")
        current = (await tracks.get_syllabus(caller.ctx, caller.org.id, track_id)).topics
        names = [t.name for t in _walk_in(corrected)]
        changes = await syllabus_import.preview_changes(
            caller.ctx, caller.org.id, list(current), names
        )
        return await _import_page(
            request, caller, track_id, tree=fields.get("tree", ""),
            corrected=_in_tree(corrected), changes=changes, stage="preview",
        )  # fmt: skip
    except TreeError as exc:
        errors, status = {"tree": str(exc)}, 422
    except Problem as problem:
        if problem.status >= 500:
            raise
        errors, status = _all_errors(problem), problem.status
        if "topics" in errors:
            errors["tree"] = errors.pop("topics")
    return await _import_page(
        request, caller, track_id, status=status, errors=errors, values=fields,
        tree=fields.get("tree", ""), corrected=_safe_tree(fields.get("tree", "")),
        stage="read" if step == "read" else "preview",
    )  # fmt: skip


def _all_errors(problem: Problem) -> dict[str, str]:
    """Field errors by field, every message of a field kept (several topics in use)."""
    if not problem.errors:
        return problem_errors(problem)
    errors: dict[str, list[str]] = {}
    for error in problem.errors:
        field = error.field.removeprefix("body.").split(".")[0]
        errors.setdefault(field, []).append(person_text(error.message))
    return {field: "; ".join(messages) for field, messages in errors.items()}


def _safe_tree(text: str) -> list[ProposedTopicOut] | None:
    try:
        return _in_tree(parse_import_tree(text)) if text.strip() else None
    except TreeError:
        return None


def _walk_in(topics: list[SyllabusTopicIn]) -> list[SyllabusTopicIn]:
    return [node for t in topics for node in (t, *_walk_in(t.children))]


async def _read_notice(
    request: Request, caller: OrgCaller, track_id: UUID, upload: Any, fields: dict[str, str]
) -> Response:
    if isinstance(upload, UploadFile) and upload.filename:
        limits = syllabus_import.PdfLimits.of(request.app.state.settings)
        data = await upload.read(limits.max_bytes + 1)
        proposal = await syllabus_import.propose_from_pdf(
            caller.ctx, caller.org.id, track_id, data, limits
        )
    else:
        proposal = await syllabus_import.propose_from_text(
            caller.ctx, caller.org.id, track_id, fields.get("text", "")
        )
    return await _import_page(
        request, caller, track_id, proposal=proposal, tree=proposal_text(proposal.topics),
        values=fields, stage="preview",
    )  # fmt: skip
