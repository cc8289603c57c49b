"""What `studyhall import` and `studyhall export` do, given a unit of work (the command line
makes it and commits it)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Protocol
from uuid import UUID

from studyhall.accounts import service as accounts
from studyhall.bank.storage import MediaStorage
from studyhall.exams import tracks
from studyhall.exams.models import Track
from studyhall.interchange import exporter, importer
from studyhall.interchange.formats import ExportFormat, ImportFormat
from studyhall.kit.context import Context
from studyhall.kit.errors import Forbidden, InvalidInput, NotFound
from studyhall.kit.tenancy import scoped
from studyhall.orgs import service as orgs
from studyhall.orgs.models import Org
from studyhall.orgs.roles import Permission, Role, permissions_of


class ImportProgress(Protocol):
    async def checked(self, count: int) -> None: ...
    async def planned(self, total: int) -> None: ...
    async def written(self, count: int) -> None: ...


async def _org_and_track(ctx: Context, org_slug: str, track_slug: str) -> tuple[Org, Track]:
    org = await orgs.get_org_by_slug(ctx, org_slug)
    if org is None:
        raise NotFound(f"No organisation {org_slug!r}.")
    track: Track | None = await ctx.session.scalar(
        scoped(Track, org.id).where(Track.slug == track_slug)
    )
    if track is None:
        raise NotFound(f"No track {track_slug!r} in {org_slug!r}.")
    return org, track


async def _topic(ctx: Context, org: Org, track: Track, given: str | None) -> UUID | None:
    """A topic named by its id or its path of names (`Section/Subsection`)."""
    if not given:
        return None
    syllabus = await tracks.get_syllabus(ctx, org.id, track.id)
    resolver = importer.TopicResolver(syllabus, None)
    wanted = [importer.topic_key(part) for part in given.split("/") if part.strip()]
    for topic in syllabus.topics:
        names = resolver.path(topic.id)
        if str(topic.id) == given or [importer.topic_key(n) for n in names] == wanted:
            return topic.id
    raise InvalidInput(f"No topic {given!r} in this track.", errors=[("topic", "not found")])


async def import_file(
    ctx: Context,
    *,
    org_slug: str,
    track_slug: str,
    author_email: str,
    path: Path,
    fmt: ImportFormat,
    options: importer.Options,
    default_topic: str | None,
    storage: MediaStorage,
    progress: ImportProgress | None = None,
) -> importer.Report:
    org, track = await _org_and_track(ctx, org_slug, track_slug)
    author = await accounts.get_user_by_email(ctx, author_email)
    membership = await orgs.membership_of(ctx, org.id, author.id) if author else None
    if author is None or membership is None:
        raise NotFound(f"{author_email} is not a member of {org_slug!r}.")
    if Permission.QUESTIONS_WRITE not in permissions_of(Role(membership.role)):
        raise Forbidden(f"{author_email} may not write questions in {org_slug!r}.")
    options = dataclasses.replace(
        options, default_topic=await _topic(ctx, org, track, default_topic)
    )
    as_author = dataclasses.replace(ctx, user_id=author.id)
    report = await importer.plan(
        as_author, org, track.id, path, fmt, path.name, options,
        progress=progress.checked if progress else None,
    )  # fmt: skip
    if progress is not None:
        counts = report.counts()
        writes = counts["create"] + counts["update"]
        allowed = not (
            report.refused or options.dry_run or (counts["reject"] and not options.partial)
        )
        await progress.planned(writes if allowed else 0)
    return await importer.write(
        as_author, org, track.id, path, fmt, path.name, options, report, storage,
        progress=progress.written if progress else None,
    )  # fmt: skip


async def export_file(
    ctx: Context,
    *,
    org_slug: str,
    track_slug: str,
    fmt: ExportFormat,
    dialect: str,
    topic: str | None,
    tag: str | None,
    q: str | None,
    storage: MediaStorage | None = None,
) -> exporter.ExportFile:
    org, track = await _org_and_track(ctx, org_slug, track_slug)
    return await exporter.export_questions(
        ctx, org.id, track.id, fmt, dialect=dialect,
        topic=await _topic(ctx, org, track, topic), tag=tag, q=q, storage=storage,
    )  # fmt: skip
