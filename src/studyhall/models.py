"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from studyhall.accounts.models import AuthSession, LoginFailure, User
from studyhall.audit.models import AuditEvent
from studyhall.bank.models import Media, Question, QuestionTag, QuestionVersion, ReviewEvent
from studyhall.events.models import OutboxEvent
from studyhall.exams.models import Attempt, AttemptItem, Topic, Track
from studyhall.interchange.models import ImportRun
from studyhall.jobs.models import DeadLetter, Job, JobSchedule
from studyhall.kit.db import Base
from studyhall.notifications.models import CalendarFeed, ReminderPreference
from studyhall.orgs.models import ApiKey, Invitation, Membership, Org
from studyhall.planning.models import PlanBlock, StudyGoal, StudyPlan, StudyProfile
from studyhall.reviews.models import ReviewCard, ReviewLog, ReviewSettings
from studyhall.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

metadata = Base.metadata

__all__ = [
    "ApiKey", "Attempt", "AttemptItem", "AuditEvent", "AuthSession", "CalendarFeed", "DeadLetter",
    "ImportRun", "Invitation", "Job", "JobSchedule", "LoginFailure", "Media", "Membership", "Org",
    "OutboxEvent", "PlanBlock", "Question", "QuestionTag", "QuestionVersion",
    "ReminderPreference", "ReviewCard", "ReviewEvent", "ReviewLog", "ReviewSettings",
    "StudyGoal", "StudyPlan", "StudyProfile", "Topic", "Track", "User", "WebhookAttempt",
    "WebhookDelivery", "WebhookEndpoint", "metadata",
]  # fmt: skip
