"""Exam tracks and their syllabus (service). Never commits; every write is audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import func

from studyhall.audit import service as audit
from studyhall.bank.models import Question, QuestionVersion
from studyhall.exams.models import Topic, Track
from studyhall.exams.schemas import (
    PercentScoring,
    ScaledScoring,
    TopicIn,
    TopicOut,
    TrackIn,
    TrackOut,
    level_errors,
    walk_topics,
)
from studyhall.kit.context import Context
from studyhall.kit.errors import Conflict, InvalidInput, NotFound
from studyhall.kit.etag import check_if_match
from studyhall.kit.ids import new_id
from studyhall.kit.tenancy import across_orgs, get_scoped, scoped, scoped_delete
from studyhall.orgs import service as orgs
from studyhall.orgs.models import Org


class TrackSlugTaken(Conflict):
    slug = "track-slug-taken"
    title = "A track with this slug exists in the organisation"


class TopicInUse(Conflict):
    slug = "topic-in-use"
    title = "A topic that still has questions cannot be removed"


class TrackInUse(Conflict):
    slug = "track-in-use"
    title = "A track that has questions cannot be deleted"


@dataclass(frozen=True)
class Syllabus:
    track: Track
    topics: Sequence[Topic]

    def leaves(self) -> list[Topic]:
        parents = {t.parent_id for t in self.topics}
        return [t for t in self.topics if t.id not in parents]

    def exam_shares(self) -> dict[UUID, float]:
        """Each topic's percent of the whole exam: weights multiplied down the tree."""
        by_id = {t.id: t for t in self.topics}
        shares: dict[UUID, float] = {}

        def share(topic: Topic) -> float:
            if topic.id not in shares:
                parent = by_id.get(topic.parent_id) if topic.parent_id else None
                shares[topic.id] = topic.weight * (share(parent) / 100 if parent else 1)
            return shares[topic.id]

        for topic in self.topics:
            share(topic)
        return shares


async def get_syllabus(ctx: Context, org_id: UUID, track_id: UUID) -> Syllabus:
    track = await get_scoped(ctx.session, Track, org_id, track_id, what="track")
    topics = (
        await ctx.session.scalars(
            scoped(Topic, org_id)
            .where(Topic.track_id == track.id, Topic.retired_at.is_(None))
            .order_by(Topic.position)
        )
    ).all()
    return Syllabus(track, topics)


async def track_for_member(ctx: Context, track_id: UUID, user_id: UUID) -> Track:
    """A track of an organisation the person belongs to; 404 for every other track."""
    query = across_orgs(Track, reason="a person's own view of a track, before its org is known")
    track = await ctx.session.scalar(query.where(Track.id == track_id))
    if track is None or await orgs.membership_of(ctx, track.org_id, user_id) is None:
        raise NotFound("No such track.")
    return track


async def list_tracks(ctx: Context, org_id: UUID) -> Sequence[Track]:
    return (await ctx.session.scalars(scoped(Track, org_id).order_by(Track.name))).all()


def _require_valid(data: TrackIn) -> None:
    if errors := data.errors():
        raise InvalidInput("The track is not consistent.", errors=errors)


def _apply_settings(track: Track, data: TrackIn) -> None:
    track.slug, track.name, track.description = data.slug, data.name, data.description
    track.exam_length, track.time_limit_minutes = data.exam_length, data.time_limit_minutes
    track.passing_score, track.navigation = data.passing_score, data.navigation
    track.scoring_kind = data.scoring.kind
    if isinstance(data.scoring, ScaledScoring):
        track.scaled_min, track.scaled_max = data.scoring.min, data.scoring.max
    else:
        track.scaled_min = track.scaled_max = None


def _settings_of(track: Track) -> dict[str, Any]:
    return {
        "slug": track.slug, "name": track.name, "exam_length": track.exam_length,
        "time_limit_minutes": track.time_limit_minutes, "passing_score": track.passing_score,
        "scoring": track.scoring_kind, "navigation": track.navigation,
    }  # fmt: skip


async def _slug_free(ctx: Context, org_id: UUID, slug: str, track_id: UUID | None) -> None:
    clash = await ctx.session.scalar(
        scoped(Track, org_id).where(Track.slug == slug, Track.id != track_id)
        if track_id
        else scoped(Track, org_id).where(Track.slug == slug)
    )
    if clash is not None:
        raise TrackSlugTaken(errors=[("body.slug", "is used by another track")])


async def create_track(ctx: Context, org: Org, data: TrackIn) -> Syllabus:
    _require_valid(data)
    await _slug_free(ctx, org.id, data.slug, None)
    now = ctx.now()
    track = Track(org_id=org.id, created_by=ctx.user_id, created_at=now, updated_at=now)
    _apply_settings(track, data)
    ctx.session.add(track)
    await ctx.session.flush()
    topics = await _write_topics(ctx, track, data.topics, existing={})
    audit.record(
        ctx,
        "track.created",
        org_id=org.id,
        target_type="track",
        target_id=track.id,
        summary={**_settings_of(track), "topics": len(topics)},
    )
    return Syllabus(track, topics)


async def replace_track(
    ctx: Context, org: Org, track_id: UUID, data: TrackIn, *, if_match: str | None
) -> Syllabus:
    """Replace settings and syllabus. Topics given with their id are kept (questions stay on
    them); topics left out are removed, unless questions still use them (409)."""
    # Lock the track so two replacements with the same ETag cannot both pass the check.
    await ctx.session.execute(scoped(Track, org.id).where(Track.id == track_id).with_for_update())
    current = await get_syllabus(ctx, org.id, track_id)
    track = current.track
    check_if_match(if_match, track.revision)
    _require_valid(data)
    await _slug_free(ctx, org.id, data.slug, track.id)
    before = _settings_of(track)
    _apply_settings(track, data)
    topics, dropped = await _swap_topics(ctx, org, current, data.topics)
    track.revision += 1
    track.updated_at = ctx.now()
    after = _settings_of(track)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    audit.record(
        ctx,
        "track.updated",
        org_id=org.id,
        target_type="track",
        target_id=track.id,
        summary={**changes, "topics": len(topics), "topics_removed": len(dropped)},
    )
    return Syllabus(track, topics)


async def replace_syllabus(
    ctx: Context, org: Org, track_id: UUID, given: list[TopicIn], *, if_match: str | None,
    summary: dict[str, Any],
) -> Syllabus:  # fmt: skip
    """Replace only the topic tree, settings untouched (a syllabus read from a notice).
    The same rules as `replace_track`: topics given with their id are kept, the others are
    removed unless questions use them (409). `summary` goes into the audit record."""
    await ctx.session.execute(scoped(Track, org.id).where(Track.id == track_id).with_for_update())
    current = await get_syllabus(ctx, org.id, track_id)
    track = current.track
    check_if_match(if_match, track.revision)
    if errors := level_errors(given, "body.topics"):
        raise InvalidInput("The syllabus is not consistent.", errors=errors)
    topics, dropped = await _swap_topics(ctx, org, current, given)
    track.revision += 1
    track.updated_at = ctx.now()
    audit.record(
        ctx,
        "track.syllabus_replaced",
        org_id=org.id,
        target_type="track",
        target_id=track.id,
        summary={**summary, "topics": len(topics), "topics_removed": len(dropped)},
    )
    return Syllabus(track, topics)


async def _swap_topics(
    ctx: Context, org: Org, current: Syllabus, given: list[TopicIn]
) -> tuple[list[Topic], list[Topic]]:
    """The new tree written, and the current topics it dropped (deleted)."""
    track = current.track
    existing = {t.id: t for t in current.topics}
    unknown = [str(t.id) for t in walk_topics(given) if t.id and t.id not in existing]
    if unknown:
        raise InvalidInput(
            errors=[("body.topics", f"not a topic of this track: {', '.join(unknown)}")]
        )
    kept = {t.id for t in walk_topics(given) if t.id}
    dropped = [t for t in current.topics if t.id not in kept]
    await _refuse_dropping_used_topics(ctx, org.id, dropped)
    # Kept topics move to their new parents first, so removing an old parent cannot cascade.
    topics = await _write_topics(ctx, track, given, existing=existing)
    if dropped:
        # One statement: the database cascades to children, which the ORM would then try to
        # delete a second time one by one.
        await ctx.session.execute(
            scoped_delete(Topic, org.id)
            .where(Topic.id.in_([t.id for t in dropped]))
            .execution_options(synchronize_session=False)
        )
        for topic in dropped:
            ctx.session.expunge(topic)
    return topics, dropped


async def delete_track(ctx: Context, org: Org, track_id: UUID) -> None:
    track = await get_scoped(ctx.session, Track, org.id, track_id, what="track")
    used = await ctx.session.scalar(
        scoped(Question, org.id)
        .with_only_columns(func.count())
        .where(Question.track_id == track.id)
    )
    if used:
        raise TrackInUse(f"It has {used} questions; retire or move them first.")
    await ctx.session.delete(track)
    audit.record(
        ctx,
        "track.deleted",
        org_id=org.id,
        target_type="track",
        target_id=track.id,
        summary={"slug": track.slug},
    )


async def questions_per_topic(ctx: Context, org_id: UUID, topic_ids: list[UUID]) -> dict[UUID, int]:
    """How many questions have ever used each topic (in any version); topics none used are
    left out."""
    if not topic_ids:
        return {}
    rows = (
        await ctx.session.execute(
            scoped(QuestionVersion, org_id)
            .with_only_columns(
                QuestionVersion.topic_id, func.count(QuestionVersion.question_id.distinct())
            )
            .where(QuestionVersion.topic_id.in_(topic_ids))
            .group_by(QuestionVersion.topic_id)
        )
    ).all()
    return {topic_id: count for topic_id, count in rows}


async def _refuse_dropping_used_topics(ctx: Context, org_id: UUID, dropped: list[Topic]) -> None:
    """Any version that ever used a topic keeps it: versions (and the attempts that showed
    them) are history, and removing the topic would take them with it."""
    used = await questions_per_topic(ctx, org_id, [t.id for t in dropped])
    if used:
        names = {t.id: t.name for t in dropped}
        raise TopicInUse(
            errors=[
                ("body.topics", f"{names[topic_id]!r} has {count} questions")
                for topic_id, count in used.items()
            ]
        )


async def _write_topics(
    ctx: Context,
    track: Track,
    given: list[TopicIn],
    *,
    existing: dict[UUID, Topic],
    parent: UUID | None = None,
) -> list[Topic]:
    written: list[Topic] = []
    for position, node in enumerate(given):
        topic = existing.get(node.id) if node.id else None
        if topic is None:
            topic = Topic(id=new_id(), org_id=track.org_id, track_id=track.id)
            ctx.session.add(topic)
        topic.parent_id, topic.name, topic.weight, topic.position = (
            parent,
            node.name,
            node.weight,
            position,
        )
        written.append(topic)
        await ctx.session.flush()
        written += await _write_topics(
            ctx, track, node.children, existing=existing, parent=topic.id
        )
    return written


def track_out(syllabus: Syllabus) -> TrackOut:
    track = syllabus.track
    shares = syllabus.exam_shares()
    children: dict[UUID | None, list[Topic]] = {}
    for topic in syllabus.topics:
        children.setdefault(topic.parent_id, []).append(topic)

    def tree(parent: UUID | None) -> list[TopicOut]:
        return [
            TopicOut(
                id=t.id,
                name=t.name,
                weight=t.weight,
                exam_share=round(shares[t.id], 4),
                children=tree(t.id),
            )
            for t in sorted(children.get(parent, []), key=lambda t: t.position)
        ]

    scoring = (
        ScaledScoring(kind="scaled", min=track.scaled_min or 0, max=track.scaled_max or 0)
        if track.scoring_kind == "scaled"
        else PercentScoring()
    )
    return TrackOut(
        id=track.id, slug=track.slug, name=track.name, description=track.description,
        exam_length=track.exam_length, time_limit_minutes=track.time_limit_minutes,
        passing_score=track.passing_score, scoring=scoring, navigation=track.navigation,
        topics=tree(None), revision=track.revision, created_at=track.created_at,
        updated_at=track.updated_at,
    )  # fmt: skip
