"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from studyhall.accounts.models import AuthSession, LoginFailure, User
from studyhall.audit.models import AuditEvent
from studyhall.bank.models import Media, Question, QuestionTag, QuestionVersion, ReviewEvent
from studyhall.exams.models import Attempt, AttemptItem, Topic, Track
from studyhall.kit.db import Base
from studyhall.orgs.models import ApiKey, Invitation, Membership, Org

metadata = Base.metadata

__all__ = [
    "ApiKey", "Attempt", "AttemptItem", "AuditEvent", "AuthSession", "Invitation",
    "LoginFailure", "Media", "Membership", "Org", "Question", "QuestionTag", "QuestionVersion",
    "ReviewEvent", "Topic", "Track", "User", "metadata",
]  # fmt: skip
