"""review cards, review logs and review settings (FSRS spaced reviews)

Revision ID: 0011_review_cards
Revises: 0010_notify
Create Date: 2026-12-07 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import studyhall.kit.db

revision: str = "0011_review_cards"
down_revision: str | None = "0010_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = studyhall.kit.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "review_cards",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("topic_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", UTC, nullable=False),
        sa.Column("last_review", UTC, nullable=True),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_review_cards_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_review_cards_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_review_cards_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_review_cards_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_cards")),
        sa.UniqueConstraint(
            "org_id", "user_id", "kind", "subject_id",
            name=op.f("uq_review_cards_org_id_user_id_kind_subject_id"),
        ),
    )  # fmt: skip
    with op.batch_alter_table("review_cards") as batch:
        batch.create_index(batch.f("ix_review_cards_org_id"), ["org_id"], unique=False)
        batch.create_index("ix_review_cards_user_due", ["user_id", "due"], unique=False)

    op.create_table(
        "review_logs",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
            nullable=False,
        ),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", UTC, nullable=False),
        sa.Column("elapsed_days", sa.Float(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("attempt_id", sa.Uuid(), nullable=True),
        sa.Column("due_after", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_review_logs_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["review_cards.id"], name=op.f("fk_review_logs_card_id_review_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_review_logs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], name=op.f("fk_review_logs_attempt_id_attempts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_logs")),
    )  # fmt: skip
    with op.batch_alter_table("review_logs") as batch:
        batch.create_index(batch.f("ix_review_logs_org_id"), ["org_id"], unique=False)
        batch.create_index(batch.f("ix_review_logs_card_id"), ["card_id"], unique=False)
        batch.create_index("ix_review_logs_user", ["user_id", "id"], unique=False)

    op.create_table(
        "review_settings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("desired_retention", sa.Float(), nullable=False),
        sa.Column("daily_limit", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=True),
        sa.Column("optimised_at", UTC, nullable=True),
        sa.Column("optimised_logs", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_review_settings_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_review_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_settings")),
        sa.UniqueConstraint("org_id", "user_id", name=op.f("uq_review_settings_org_id_user_id")),
    )  # fmt: skip
    with op.batch_alter_table("review_settings") as batch:
        batch.create_index(batch.f("ix_review_settings_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    op.drop_table("review_logs")
    op.drop_table("review_cards")
    op.drop_table("review_settings")
