"""answers: the idempotency key of the attempt that produced the current value

Revision ID: answers_0001
Revises: 7a1c2e9b4d10
Create Date: 2026-12-05 00:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "answers_0001"
down_revision = "7a1c2e9b4d10"
branch_labels = None
depends_on = None


def upgrade():
    # Adding a nullable column needs no copy of the table on SQLite: its triggers stay in place.
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("idempotency_key")
