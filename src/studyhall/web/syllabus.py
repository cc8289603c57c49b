"""Track and syllabus editor: an exam's settings and its topic tree with weights.

The tree is edited as text, one topic a line, `Name | weight`, children indented by two
spaces under their parent; a topic keeps its id (and its questions) while its name stays.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from studyhall.exams import tracks
from studyhall.exams.models import Topic
from studyhall.exams.schemas import TrackIn
from studyhall.kit.errors import Problem
from studyhall.kit.etag import etag
from studyhall.orgs.permissions import OrgCaller
from studyhall.web.access import PageRoute, TracksPage, see_other
from studyhall.web.forms import field_errors, form_of, problem_errors
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
