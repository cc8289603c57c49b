"""The event types Studyhall raises, with what each one's `data` holds (docs/events.md)."""

from __future__ import annotations

EVENT_TYPES: dict[str, str] = {
    "attempt.started": "attempt_id, track_id, user_id, mode",
    "answer.saved": "attempt_id, position, user_id",
    "attempt.submitted": "attempt_id, track_id, user_id, by (learner | deadline), score, passed",
    "question.published": "question_id, version, track_id",
    "question.retired": "question_id, version",
    "member.added": "user_id, role",
    "member.role_changed": "user_id, role (the new one), previous_role",
    "member.removed": "user_id",
    "plan.goal_set": "goal_id, user_id, track_id, status (a study goal added or changed)",
    "plan.generated": "plan_id, user_id, revision, blocks, final_stretch, shortfalls, reason",
    "plan.replanned": "plan_id, user_id, revision, blocks, final_stretch, shortfalls, reason",
    "review.done": "card_id, user_id, kind (question | topic), "
    "rating (again | hard | good | easy), due (the card's next due time)",
    "webhook.ping": "endpoint_id (sent by the test ping only)",
}
ALL = "*"
