"""study plans

Revision ID: 0009_study_plans
Revises: 0008
Create Date: 2026-12-07 23:08:25.268126

Study planning: a learner's profile (their week), goals (exams with dates), the one current
plan per learner and organisation, and its blocks. Only new tables: nothing existing changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import studyhall.kit.db

revision: str = "0009_study_plans"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "study_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("generated_at", studyhall.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("final_stretch", sa.Boolean(), nullable=False),
        sa.Column("left_out", sa.JSON(), nullable=False),
        sa.Column("shortfalls", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", studyhall.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_study_plans_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_study_plans_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_plans")),
        sa.UniqueConstraint("org_id", "user_id", name=op.f("uq_study_plans_org_id_user_id")),
    )
    with op.batch_alter_table("study_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_study_plans_org_id"), ["org_id"], unique=False)

    op.create_table(
        "study_profiles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("minutes_by_weekday", sa.JSON(), nullable=False),
        sa.Column("days_off", sa.JSON(), nullable=False),
        sa.Column("day_start", sa.Time(), nullable=False),
        sa.Column("session_minutes", sa.Integer(), nullable=False),
        sa.Column("daily_questions", sa.Integer(), nullable=False),
        sa.Column("created_at", studyhall.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", studyhall.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_study_profiles_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_study_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_profiles")),
        sa.UniqueConstraint("org_id", "user_id", name=op.f("uq_study_profiles_org_id_user_id")),
    )
    with op.batch_alter_table("study_profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_study_profiles_org_id"), ["org_id"], unique=False)

    op.create_table(
        "study_goals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("exam_date", sa.Date(), nullable=False),
        sa.Column("target_score", sa.Float(), nullable=False),
        sa.Column("essay", sa.Boolean(), nullable=False),
        sa.Column("mastered_topic_ids", sa.JSON(), nullable=False),
        sa.Column("excluded_topic_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", studyhall.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", studyhall.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_study_goals_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_study_goals_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_study_goals_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_goals")),
    )
    with op.batch_alter_table("study_goals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_study_goals_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_study_goals_org_user", ["org_id", "user_id", "status"], unique=False
        )

    op.create_table(
        "plan_blocks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=True),
        sa.Column("topic_id", sa.Uuid(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", studyhall.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_minutes", sa.Integer(), nullable=False),
        sa.Column("questions_solved", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("attempt_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", studyhall.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", studyhall.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_plan_blocks_attempt_id_attempts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["study_goals.id"],
            name=op.f("fk_plan_blocks_goal_id_study_goals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_plan_blocks_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["study_plans.id"],
            name=op.f("fk_plan_blocks_plan_id_study_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_plan_blocks_topic_id_topics"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_plan_blocks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_blocks")),
    )
    with op.batch_alter_table("plan_blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_blocks_goal_id"), ["goal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_blocks_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_plan_blocks_org_user_day", ["org_id", "user_id", "day"], unique=False
        )
        batch_op.create_index("ix_plan_blocks_plan_day", ["plan_id", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_blocks", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_blocks_plan_day")
        batch_op.drop_index("ix_plan_blocks_org_user_day")
        batch_op.drop_index(batch_op.f("ix_plan_blocks_org_id"))
        batch_op.drop_index(batch_op.f("ix_plan_blocks_goal_id"))

    op.drop_table("plan_blocks")
    with op.batch_alter_table("study_goals", schema=None) as batch_op:
        batch_op.drop_index("ix_study_goals_org_user")
        batch_op.drop_index(batch_op.f("ix_study_goals_org_id"))

    op.drop_table("study_goals")
    with op.batch_alter_table("study_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_study_profiles_org_id"))

    op.drop_table("study_profiles")
    with op.batch_alter_table("study_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_study_plans_org_id"))

    op.drop_table("study_plans")
