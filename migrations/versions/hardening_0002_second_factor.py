"""two-factor sign-in: the users' TOTP secret, last accepted step, grace period; single-use recovery codes

Revision ID: hardening_0002
Revises: hardening_0001
Create Date: 2026-12-05 00:50:00

"""

import sqlalchemy as sa
from alembic import op

from roadmap.models import UTCDateTime

revision = "hardening_0002"
down_revision = "hardening_0001"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE ADD COLUMN on both databases: a batch copy of `users` would drop the table, which the
    # append-only audit log refers to (its trigger refuses the cascade).
    op.add_column("users", sa.Column("totp_secret", sa.String(length=64), nullable=True))
    op.add_column("users", sa.Column("totp_pending_secret", sa.String(length=64), nullable=True))
    op.add_column("users", sa.Column("totp_enabled_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.add_column(
        "users", sa.Column("second_factor_required", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("users", sa.Column("second_factor_grace_until", UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    with op.batch_alter_table("recovery_codes") as batch:
        batch.create_index(batch.f("ix_recovery_codes_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("recovery_codes") as batch:
        batch.drop_index(batch.f("ix_recovery_codes_user_id"))
    op.drop_table("recovery_codes")
    # Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): a batch copy of `users` would drop the table, and the
    # append-only audit log refers to it.
    for column in (
        "second_factor_grace_until",
        "second_factor_required",
        "totp_last_step",
        "totp_enabled_at",
        "totp_pending_secret",
        "totp_secret",
    ):
        op.execute(f"ALTER TABLE users DROP COLUMN {column}")
