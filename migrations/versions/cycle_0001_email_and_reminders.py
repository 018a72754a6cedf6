"""e-mail notifications (preferences, defaults, outbox), reminders given, per-cycle reminder settings

Revision ID: cycle_0001
Revises: jreport_0001
Create Date: 2026-12-05 00:40:00

"""
from alembic import op
import sqlalchemy as sa

import roadmap.models


revision = "cycle_0001"
down_revision = "jreport_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_days", sa.String(length=64), nullable=False, server_default="14,7,2"))
        batch_op.add_column(sa.Column("review_reminder_days", sa.Integer(), nullable=False, server_default="5"))

    op.create_table(
        "email_defaults",
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("by_email", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_email_defaults")),
    )
    op.create_table(
        "email_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("by_email", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_email_preferences_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_email_preferences")),
    )
    op.create_table(
        "outgoing_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=255), nullable=False),
        sa.Column("created_at", roadmap.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", roadmap.models.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name=op.f("ck_outgoing_emails_status_known")),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"], name=op.f("fk_outgoing_emails_notification_id_notifications"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_emails")),
        sa.UniqueConstraint("notification_id", name=op.f("uq_outgoing_emails_notification_id")),
    )
    with op.batch_alter_table("outgoing_emails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outgoing_emails_status"), ["status"], unique=False)

    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", roadmap.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_reminders_sent_cycle_id_cycles"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name=op.f("fk_reminders_sent_office_id_offices"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sent_by_id"], ["users.id"], name=op.f("fk_reminders_sent_sent_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders_sent")),
        sa.UniqueConstraint("kind", "cycle_id", "office_id", "day", name="uq_reminder_once_a_day"),
    )
    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_sent_cycle_id"), ["cycle_id"], unique=False)


def downgrade():
    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_sent_cycle_id"))
    op.drop_table("reminders_sent")
    with op.batch_alter_table("outgoing_emails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_emails_status"))
    op.drop_table("outgoing_emails")
    op.drop_table("email_preferences")
    op.drop_table("email_defaults")
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.drop_column("review_reminder_days")
        batch_op.drop_column("reminder_days")
