"""calendar feeds and reminder preferences

Revision ID: 0010_notify
Revises: 0009_study_plans
Create Date: 2026-12-07 23:30:00.000000

A learner's secret calendar-feed address (hashed for lookup, sealed to show again) and their
reminder-email choices; both per membership, both new tables.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import studyhall.kit.db

revision: str = "0010_notify"
down_revision: str | None = "0009_study_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _membership_columns(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f(f"fk_{table}_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("org_id", "user_id", name=op.f(f"uq_{table}_org_id_user_id")),
    ]


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        *_membership_columns("calendar_feeds"),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_token", sa.String(length=400), nullable=False),
        sa.Column("created_at", studyhall.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", studyhall.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    op.create_table(
        "reminder_preferences",
        *_membership_columns("reminder_preferences"),
        sa.Column("daily_agenda", sa.Boolean(), nullable=False),
        sa.Column("behind_warning", sa.Boolean(), nullable=False),
        sa.Column("agenda_hour", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("created_at", studyhall.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", studyhall.kit.db.UTCDateTime(timezone=True), nullable=False),
    )
    for table in ("calendar_feeds", "reminder_preferences"):
        with op.batch_alter_table(table) as batch:
            batch.create_index(batch.f(f"ix_{table}_org_id"), ["org_id"], unique=False)
            batch.create_index(batch.f(f"ix_{table}_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    for table in ("reminder_preferences", "calendar_feeds"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(batch.f(f"ix_{table}_user_id"))
            batch.drop_index(batch.f(f"ix_{table}_org_id"))
        op.drop_table(table)
