"""A track's syllabus from its exam notice (service): propose, preview, apply.

`propose_from_text` / `propose_from_pdf` read the notice and write nothing: they answer the
proposed tree, its warnings and what applying it would change. `apply_syllabus` writes the
(corrected) tree in the request's transaction, audited. Never commits.

Existing topics are merged by name, compared without case, accents or punctuation: a
matched topic keeps its id, so its questions, versions and attempts stay on it. A current
topic left out of the new tree is removed when no question ever used it; one that questions
use is never removed silently — the preview lists it under `in_use`, and applying is refused
(409, naming it) until it is back in the tree or its questions are moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import anyio.to_thread

from studyhall.config import Settings
from studyhall.exams import tracks
from studyhall.exams.models import Topic
from studyhall.exams.schemas import TopicIn
from studyhall.exams.syllabus_pdf import UnreadablePdf, pdf_text
from studyhall.exams.syllabus_schemas import (
    LineWarningOut,
    ProposedTopicOut,
    SyllabusApplyIn,
    SyllabusChanges,
    SyllabusProposalOut,
    SyllabusTopicIn,
    TopicInUseOut,
)
from studyhall.exams.syllabus_text import LineWarning, Proposal, ProposedTopic, name_key, propose
from studyhall.kit.context import Context
from studyhall.kit.errors import InvalidInput, PayloadTooLarge
from studyhall.orgs.models import Org

TEXT_FIELD = "body.text"
FILE_FIELD = "body.file"


class PdfTooLarge(PayloadTooLarge):
    slug = "syllabus-pdf-too-large"
    title = "The PDF is larger than allowed"


@dataclass(frozen=True)
class PdfLimits:
    max_bytes: int
    max_pages: int

    @classmethod
    def of(cls, settings: Settings) -> PdfLimits:
        return cls(settings.syllabus_pdf_max_bytes, settings.syllabus_pdf_max_pages)


async def propose_from_text(
    ctx: Context, org_id: UUID, track_id: UUID, text: str
) -> SyllabusProposalOut:
    """The tree the pasted text proposes for the track, and what applying it would change."""
    if not text.strip():
        raise InvalidInput(
            "The text is empty.", errors=[(TEXT_FIELD, "paste the syllabus of the notice")]
        )
    proposal = propose(text)
    _require_topics(proposal, TEXT_FIELD)
    return await _answer(ctx, org_id, track_id, proposal, text, source="text", pages=None)


async def propose_from_pdf(
    ctx: Context, org_id: UUID, track_id: UUID, data: bytes, limits: PdfLimits
) -> SyllabusProposalOut:
    """As `propose_from_text`, from the notice's PDF. Reading runs in a worker thread: a
    long notice takes a moment, which must not hold up other requests."""
    if len(data) > limits.max_bytes:
        raise PdfTooLarge(
            f"The PDF is {len(data)} bytes; at most {limits.max_bytes} are read "
            "(STUDYHALL_SYLLABUS_PDF_MAX_BYTES).",
            errors=[(FILE_FIELD, "upload only the syllabus pages, or paste the text")],
        )
    try:
        extracted = await anyio.to_thread.run_sync(
            lambda: pdf_text(data, max_pages=limits.max_pages)
        )
    except UnreadablePdf as refused:
        reason = str(refused)
        raise InvalidInput(
            reason[0].upper() + reason[1:] + ".", errors=[(FILE_FIELD, reason)]
        ) from refused
    proposal = propose(extracted.text)
    _require_topics(proposal, FILE_FIELD)
    if extracted.furniture:
        # The header and footer taken out are said too, as notes on the first line.
        notes = tuple(
            LineWarning(1, line, "repeated at the top or bottom of most pages: left out")
            for line in extracted.furniture
        )
        proposal = Proposal(proposal.topics, notes + proposal.warnings)
    return await _answer(
        ctx, org_id, track_id, proposal, extracted.text, source="pdf", pages=extracted.pages
    )


def _require_topics(proposal: Proposal, field: str) -> None:
    if not proposal.topics:
        reasons = "; ".join(f"line {w.line}: {w.message}" for w in proposal.warnings[:5])
        raise InvalidInput(
            "No topic was found in the notice.",
            errors=[(field, f"no topic found{' (' + reasons + ')' if reasons else ''}")],
        )


async def _answer(
    ctx: Context, org_id: UUID, track_id: UUID, proposal: Proposal, text: str, *,
    source: Literal["text", "pdf"], pages: int | None,
) -> SyllabusProposalOut:  # fmt: skip
    syllabus = await tracks.get_syllabus(ctx, org_id, track_id)
    names = [t.name for t in _walk_proposed(proposal.topics)]
    changes = await preview_changes(ctx, org_id, list(syllabus.topics), names)
    return SyllabusProposalOut(
        source=source,
        pages=pages,
        topic_count=proposal.count(),
        topics=[_topic_out(t) for t in proposal.topics],
        warnings=[
            LineWarningOut(line=w.line, text=w.text, message=w.message) for w in proposal.warnings
        ],
        text=text,
        changes=changes,
    )


def _walk_proposed(topics: Iterable[ProposedTopic]) -> Iterable[ProposedTopic]:
    for topic in topics:
        yield topic
        yield from _walk_proposed(topic.children)


def _topic_out(topic: ProposedTopic) -> ProposedTopicOut:
    return ProposedTopicOut(
        name=topic.name,
        weight=topic.weight,
        questions=topic.questions,
        lines=list(topic.lines),
        children=[_topic_out(child) for child in topic.children],
    )


def _matches(current: list[Topic], names: Iterable[str]) -> dict[int, Topic]:
    """Which current topic each new name (by position, parents first) takes over: the first
    current topic of the same name not taken yet."""
    free: dict[str, list[Topic]] = {}
    for topic in current:
        free.setdefault(name_key(topic.name), []).append(topic)
    taken: dict[int, Topic] = {}
    for index, name in enumerate(names):
        if candidates := free.get(name_key(name)):
            taken[index] = candidates.pop(0)
    return taken


async def preview_changes(
    ctx: Context, org_id: UUID, current: list[Topic], names: list[str]
) -> SyllabusChanges:
    """What a tree with these topic names (parents first) would do to `current`."""
    taken = _matches(current, names)
    kept_ids = {t.id for t in taken.values()}
    left = [t for t in current if t.id not in kept_ids]
    used = await tracks.questions_per_topic(ctx, org_id, [t.id for t in left])
    return SyllabusChanges(
        kept=[t.name for t in taken.values()],
        added=[name for index, name in enumerate(names) if index not in taken],
        removed=[t.name for t in left if t.id not in used],
        in_use=[TopicInUseOut(name=t.name, questions=used[t.id]) for t in left if t.id in used],
    )


async def apply_syllabus(
    ctx: Context, org: Org, track_id: UUID, body: SyllabusApplyIn, *, if_match: str | None
) -> tracks.Syllabus:
    """Make the tree the track's syllabus, in this transaction: weights scaled to 100 at each
    level, current topics kept by name (see the module's docstring), audited."""
    if errors := body.errors():
        raise InvalidInput("The syllabus is too large.", errors=errors)
    current = list((await tracks.get_syllabus(ctx, org.id, track_id)).topics)
    names = [t.name for t in _walk_given(body.topics)]
    taken = _matches(current, names)
    counter = iter(range(len(names)))
    given = _topics_in(body.topics, taken, counter)
    summary = {"source": "notice", "kept": len(taken), "added": len(names) - len(taken)}
    return await tracks.replace_syllabus(
        ctx, org, track_id, given, if_match=if_match, summary=summary
    )


def _walk_given(topics: list[SyllabusTopicIn]) -> Iterable[SyllabusTopicIn]:
    for topic in topics:
        yield topic
        yield from _walk_given(topic.children)


def _topics_in(
    level: list[SyllabusTopicIn], taken: dict[int, Topic], counter: Iterable[int]
) -> list[TopicIn]:
    """The tree as the track's topics: ids of the topics taken over, weights to percents.
    `counter` numbers the topics parents first, in step with `_walk_given`."""
    total = sum(t.weight for t in level)
    out = []
    numbers = iter(counter)
    for topic in level:
        index = next(numbers)
        match = taken.get(index)
        children = _topics_in(topic.children, taken, numbers)
        out.append(
            TopicIn(
                id=match.id if match else None,
                name=topic.name,
                weight=100 * topic.weight / total,
                children=children,
            )
        )
    return out
