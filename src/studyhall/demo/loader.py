"""Loads a track file (syllabus and questions, as in `demo/tracks/*.json`) into an organisation:
the track is created, every question written by the author, submitted and approved by a
reviewer — the same service calls a person's clicks make, audit records included."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from uuid import UUID

from studyhall.bank import service as bank
from studyhall.bank import workflow
from studyhall.bank.content import QuestionContent
from studyhall.exams import tracks
from studyhall.exams.schemas import TrackIn
from studyhall.kit.context import Context
from studyhall.orgs.models import Org


@dataclass(frozen=True)
class Loaded:
    track_id: UUID
    slug: str
    name: str
    questions: int


def bundled_tracks() -> list[dict[str, Any]]:
    """The demo tracks shipped inside the package."""
    folder = resources.files("studyhall.demo") / "tracks"
    return [
        json.loads(f.read_text(encoding="utf-8"))
        for f in sorted(folder.iterdir(), key=lambda f: f.name)
        if f.name.endswith(".json")
    ]


def read_track_file(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _topics_in(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"name": n["name"], "weight": n["weight"], "children": _topics_in(n.get("children", []))}
        for n in nodes
    ]


def _keys_in_order(nodes: list[dict[str, Any]]) -> list[str]:
    """Topic keys depth-first, parents before children: the order the track service writes."""
    return [key for n in nodes for key in (n["key"], *_keys_in_order(n.get("children", [])))]


async def load_track(
    ctx: Context, org: Org, data: dict[str, Any], *, author_id: UUID, reviewer_id: UUID
) -> Loaded:
    settings = {
        k: data[k]
        for k in (
            "slug",
            "name",
            "description",
            "exam_length",
            "time_limit_minutes",
            "passing_score",
            "scoring",
            "navigation",
        )
        if k in data
    }
    as_author = ctx.acting_as(user_id=author_id)
    syllabus = await tracks.create_track(
        as_author, org, TrackIn.model_validate({**settings, "topics": _topics_in(data["topics"])})
    )
    topic_ids = dict(
        zip(_keys_in_order(data["topics"]), (t.id for t in syllabus.topics), strict=True)
    )
    as_reviewer = ctx.acting_as(user_id=reviewer_id)
    for raw in data["questions"]:
        fields = {k: v for k, v in raw.items() if k != "topic"}
        content = QuestionContent.model_validate(
            {**fields, "topic_id": str(topic_ids[raw["topic"]])}
        )
        view = await bank.create_question(as_author, org, syllabus.track.id, content)
        await workflow.submit(as_author, org, view.question.id, if_match=None)
        await workflow.approve(as_reviewer, org, view.question.id, if_match=None)
    return Loaded(
        syllabus.track.id, syllabus.track.slug, syllabus.track.name, len(data["questions"])
    )
