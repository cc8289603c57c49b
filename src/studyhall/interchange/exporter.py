"""Exporting a track's questions (service): by topic, tag or search, in any export format.

What is exported is each question's head version (what authors see and edit), drafts too;
retired questions are left out. The media the questions show go with them. A topic takes its
subtopics in; `q` is the bank's own search.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from studyhall.bank.models import Question, QuestionVersion
from studyhall.bank.search import search_questions
from studyhall.bank.search_query import Filters
from studyhall.bank.storage import MediaStorage
from studyhall.exams import tracks
from studyhall.interchange.formats import EXPORT_FILES, ExportFormat, write
from studyhall.interchange.importer import TopicResolver
from studyhall.interchange.items import Exported
from studyhall.interchange.media_bundle import collect_media, zip_bundle
from studyhall.kit.context import Context
from studyhall.kit.errors import NotFound
from studyhall.kit.tenancy import scoped

PAGE = 500
ZIPPED_WITH_MEDIA = (ExportFormat.GIFT, ExportFormat.CSV, ExportFormat.JSON)


@dataclass(frozen=True)
class ExportFile:
    data: bytes
    filename: str
    media_type: str
    count: int
    skipped: list[str]  # `question <id> ("first words"): why`, see formats.left_out

    @property
    def skipped_ids(self) -> list[str]:
        return [why.split(" ", 2)[1] for why in self.skipped if why.startswith("question ")]


async def _matching_ids(
    ctx: Context, org_id: UUID, track_id: UUID, dialect: str, topic: UUID | None,
    tag: str | None, q: str | None,
) -> list[UUID]:  # fmt: skip
    filters = Filters(
        track=frozenset({track_id}),
        topic=frozenset({topic}) if topic else frozenset(),
        tag=frozenset({tag.strip().lower()}) if tag else frozenset(),
        status=frozenset({"draft", "in_review", "published"}),
    )
    found: list[UUID] = []
    cursor: str | None = None
    while True:
        page = await search_questions(
            ctx, org_id, dialect=dialect, q=q, filters=filters, cursor=cursor, limit=PAGE,
            with_facets=False,
        )  # fmt: skip
        found += [hit.id for hit in page.items]
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


async def export_questions(
    ctx: Context,
    org_id: UUID,
    track_id: UUID,
    fmt: ExportFormat,
    *,
    dialect: str,
    topic: UUID | None = None,
    tag: str | None = None,
    q: str | None = None,
    storage: MediaStorage | None = None,
) -> ExportFile:
    """The questions as a file of this format. With `storage`, the media they show go with
    them (see `media_bundle`): embedded in Moodle XML, and GIFT, CSV and JSON become a zip of
    the file and a `media/` folder when there is any."""
    syllabus = await tracks.get_syllabus(ctx, org_id, track_id)
    if topic is not None and topic not in {t.id for t in syllabus.topics}:
        raise NotFound("No such topic in this track.")
    resolver = TopicResolver(syllabus, None)
    ids = await _matching_ids(ctx, org_id, syllabus.track.id, dialect, topic, tag, q)
    position = {t.id: index for index, t in enumerate(syllabus.topics)}
    ordered: list[tuple[tuple[int, object, str], Exported]] = []
    for start in range(0, len(ids), PAGE):
        rows = await ctx.session.execute(
            scoped(Question, org_id)
            .with_only_columns(Question.id, Question.created_at, QuestionVersion.content)
            .join(
                QuestionVersion,
                (QuestionVersion.id == Question.head_version_id)
                & (QuestionVersion.org_id == Question.org_id),
            )
            .where(Question.id.in_(ids[start : start + PAGE]))
        )
        for question_id, created_at, content in rows:
            topic_id = UUID(content["topic_id"])
            order = (position.get(topic_id, 0), created_at, str(question_id))
            ordered.append((order, Exported(content, resolver.path(topic_id), str(question_id))))
    # Grouped by topic in syllabus order (one category block each), oldest first within one.
    ordered.sort(key=lambda pair: pair[0])
    questions = [item for _, item in ordered]
    media = await collect_media(ctx, org_id, storage, questions) if storage else {}
    data, skipped = write(fmt, iter(questions), media)
    filename, media_type = EXPORT_FILES[fmt]
    if media and fmt in ZIPPED_WITH_MEDIA:
        # The question file and a media folder, so the images go wherever the file goes.
        data = zip_bundle(filename, data, media.values())
        filename, media_type = f"questions-{fmt.value}.zip", "application/zip"
    return ExportFile(data, filename, media_type, len(questions) - len(skipped), skipped)
