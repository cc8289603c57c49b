"""sealed webhook secrets

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 23:00:00.000000

A webhook's signing secret is now stored sealed (kit/sealing.py), which is longer than the
secret itself. The secrets already stored stay readable as they are; the `reseal-secrets`
housekeeping job (or `studyhall secrets reseal`) seals them, since only the running
installation has the secret key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyhall.ops.migrations import MigrationRefused

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.alter_column(
            "secret", type_=sa.String(400), existing_type=sa.String(100), existing_nullable=False
        )


def downgrade() -> None:
    # The version before cannot open a sealed secret and would sign with the sealed text:
    # refuse rather than leave endpoints that fail every delivery or drop them unasked.
    sealed = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM webhook_endpoints WHERE secret LIKE 'sealed:%'")
    )
    if sealed:
        raise MigrationRefused(
            f"{sealed} webhook endpoint(s) hold sealed signing secrets, which the schema "
            "before 0008 cannot read: remove those endpoints first, then downgrade"
        )
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.alter_column(
            "secret", type_=sa.String(100), existing_type=sa.String(400), existing_nullable=False
        )
