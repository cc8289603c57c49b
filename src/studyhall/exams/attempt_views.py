"""Shaping attempts for the client: the exam screen's state, feedback, results and review.

The exam screen never receives an answer key before feedback is due: correctness, correct
answers and explanations appear only in instant-feedback modes after an answer is given, and
in the review after submitting.
"""

from __future__ import annotations

from typing import Any

from studyhall.bank.content import Numeric, TrueFalse
from studyhall.bank.models import QuestionVersion
from studyhall.exams import scoring, selection
from studyhall.exams.aliases import PREFIX, Aliases
from studyhall.exams.attempt_schemas import (
    AttemptResult,
    AttemptState,
    AttemptSummary,
    FeedbackView,
    Mode,
    OptionView,
    QuestionView,
    ReviewItem,
    TopicResult,
)
from studyhall.exams.attempts import content_of
from studyhall.exams.models import Attempt, AttemptItem
from studyhall.kit.clock import Clock


def _views(rendered: dict[str, Any], key: str, order: list[str], kind: str) -> list[OptionView]:
    texts = rendered.get(key, {})
    prefix = PREFIX[kind]
    return [
        OptionView(id=f"{prefix}{n}", html=_html(texts.get(i, "")))
        for n, i in enumerate(order, start=1)
    ]


def _html(value: Any) -> str:
    """Option texts are stored as {"text": html, "feedback": html}; items as plain html."""
    return str(value.get("text", "")) if isinstance(value, dict) else str(value)


def _shown(item: AttemptItem, version: QuestionVersion) -> dict[str, list[OptionView]]:
    rendered, presented = version.rendered, item.presented
    if "options" in presented:
        return {"options": _views(rendered, "options", presented["options"], "options")}
    if "items" in presented:
        return {"options": _views(rendered, "items", presented["items"], "items")}
    if "premises" in presented:
        return {
            "premises": _views(rendered, "premises", presented["premises"], "premises"),
            "responses": _views(rendered, "responses", presented["responses"], "responses"),
        }
    return {}


def _option_feedback(item: AttemptItem, version: QuestionVersion) -> dict[str, str]:
    """Feedback written for what the learner picked (choice options, or true/false), keyed by
    the names the learner saw."""
    answer = item.answer
    if answer is None:
        return {}
    rendered = version.rendered
    aliases = Aliases(item.presented)
    picked = [answer["choice"]] if "choice" in answer else answer.get("choices", [])
    out = {
        aliases.alias("options", i): str(rendered["options"][i]["feedback"])
        for i in picked
        if isinstance(rendered.get("options", {}).get(i), dict)
        and rendered["options"][i].get("feedback")
    }
    if isinstance(content_of(version).body, TrueFalse) and "value" in answer:
        key = "feedback_true" if answer["value"] else "feedback_false"
        if rendered.get(key):
            out[str(answer["value"]).lower()] = str(rendered[key])
    return out


def feedback(item: AttemptItem, version: QuestionVersion) -> FeedbackView | None:
    if item.score is None or item.answer is None:
        return None
    return FeedbackView(
        score=item.score, correct=bool(item.correct),
        correct_answer=key_shown(item, version),
        explanation_html=str(version.rendered.get("explanation", "")),
        option_feedback_html=_option_feedback(item, version),
    )  # fmt: skip


def key_shown(item: AttemptItem, version: QuestionVersion) -> dict[str, Any]:
    """The right answer, in the names the learner saw.

    A numeric key also carries its `tolerance` (when not 0) and `unit`: the key alone is an
    answer that scores, but a learner reading "Right answer: 9.81" must know that 9.8 was
    within ± 0.05 too, and cannot read the question's content to find out."""
    body = content_of(version).body
    key = Aliases(item.presented).to_alias(scoring.correct_answer(body))
    if isinstance(body, Numeric):
        if body.value is not None and body.tolerance:
            key["tolerance"] = body.tolerance
        if body.unit:
            key["unit"] = body.unit
    return key


def answer_shown(item: AttemptItem) -> dict[str, Any] | None:
    return Aliases(item.presented).to_alias(item.answer) if item.answer is not None else None


def seconds_left(attempt: Attempt, clock: Clock) -> int | None:
    if attempt.deadline_at is None or attempt.status != "in_progress":
        return None
    return max(0, int((attempt.deadline_at - clock.now()).total_seconds()))


def question_view(attempt: Attempt, item: AttemptItem, version: QuestionVersion) -> QuestionView:
    instant = attempt.options.get("feedback") == "instant"
    body = content_of(version).body
    return QuestionView(
        position=item.position, question_id=item.question_id, version_id=version.id,
        type=version.type, topic_id=item.topic_id,
        stem_html=str(version.rendered.get("stem", "")), unit=getattr(body, "unit", None),
        answer=answer_shown(item), flagged=item.flagged, time_spent_ms=item.time_spent_ms,
        feedback=feedback(item, version) if instant else None, **_shown(item, version),
    )  # fmt: skip


def result(attempt: Attempt, items: list[AttemptItem], passing_score: float) -> AttemptResult:
    assert attempt.submitted_at is not None
    return AttemptResult(
        submitted_at=attempt.submitted_at,
        submitted_by="deadline" if attempt.submitted_by == "deadline" else "learner",
        questions=len(items), answered=sum(1 for i in items if i.answer is not None),
        correct=sum(1 for i in items if i.correct), points=attempt.score_points or 0,
        percent=attempt.score_percent or 0, scaled=attempt.score_scaled,
        passing_score=passing_score, passed=bool(attempt.passed),
        topics=[TopicResult.model_validate(t) for t in attempt.breakdown or []],
        time_per_question_ms=[i.time_spent_ms for i in items],
    )  # fmt: skip


def state(
    attempt: Attempt,
    pairs: list[tuple[AttemptItem, QuestionVersion]],
    clock: Clock,
    passing_score: float,
) -> AttemptState:
    submitted = attempt.status == "submitted"
    return AttemptState(
        id=attempt.id, track_id=attempt.track_id, mode=Mode(attempt.mode),
        status="submitted" if submitted else "in_progress", navigation=attempt.navigation,
        feedback="instant" if attempt.options.get("feedback") == "instant" else "end",
        started_at=attempt.started_at, deadline_at=attempt.deadline_at,
        server_time=clock.now(), seconds_left=seconds_left(attempt, clock),
        furthest_position=attempt.furthest_position,
        questions=[question_view(attempt, i, v) for i, v in pairs],
        result=result(attempt, [i for i, _ in pairs], passing_score) if submitted else None,
    )  # fmt: skip


def review_item(item: AttemptItem, version: QuestionVersion) -> ReviewItem:
    shown = _shown(item, version)
    return ReviewItem(
        position=item.position, outcome=selection.outcome(item) or "unanswered",
        question_id=item.question_id, version_id=version.id,
        type=version.type, topic_id=item.topic_id,
        stem_html=str(version.rendered.get("stem", "")), options=shown.get("options", []),
        premises=shown.get("premises", []), responses=shown.get("responses", []),
        answer=answer_shown(item), flagged=item.flagged, time_spent_ms=item.time_spent_ms,
        score=item.score or 0, correct=bool(item.correct), correct_answer=key_shown(item, version),
        explanation_html=str(version.rendered.get("explanation", "")),
        option_feedback_html=_option_feedback(item, version),
    )  # fmt: skip


def summary(attempt: Attempt, questions: int, clock: Clock) -> AttemptSummary:
    return AttemptSummary(
        id=attempt.id, track_id=attempt.track_id, mode=Mode(attempt.mode), status=attempt.status,
        started_at=attempt.started_at, submitted_at=attempt.submitted_at,
        deadline_at=attempt.deadline_at, seconds_left=seconds_left(attempt, clock),
        questions=questions,
        percent=attempt.score_percent, scaled=attempt.score_scaled, passed=attempt.passed,
    )  # fmt: skip
