"""open attempts by deadline

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 15:50:00.000000

Housekeeping asks every minute for attempts still in progress whose deadline has passed;
without this index that is a scan of every attempt ever taken.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_attempts_status_deadline", "attempts", ["status", "deadline_at"])


def downgrade() -> None:
    op.drop_index("ix_attempts_status_deadline", table_name="attempts")
