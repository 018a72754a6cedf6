"""initiative tracking of published roadmaps and its versions (issue 22)

Revision ID: living_0001
Revises: profiles_0001
Create Date: 2026-12-05 01:40:00

"""
from alembic import op
import sqlalchemy as sa

import roadmap.models


revision = "living_0001"
down_revision = "profiles_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "initiative_tracking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("initiative_code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner_unit", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("percent_done", sa.Integer(), nullable=False),
        sa.Column("actual_start", sa.String(length=7), nullable=True),
        sa.Column("actual_finish", sa.String(length=7), nullable=True),
        sa.Column("progress_note", sa.Text(), nullable=False),
        sa.Column("blocked_reason", sa.Text(), nullable=False),
        sa.Column("drop_justification", sa.Text(), nullable=False),
        sa.Column("evidence_note", sa.Text(), nullable=False),
        sa.Column("evidence_document", sa.String(length=128), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", roadmap.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('not_started', 'in_progress', 'done', 'blocked', 'dropped')",
            name=op.f("ck_initiative_tracking_status_known"),
        ),
        sa.CheckConstraint(
            "percent_done >= 0 AND percent_done <= 100", name=op.f("ck_initiative_tracking_percent_in_range")
        ),
        sa.CheckConstraint(
            "verdict IN ('', 'accepted', 'questioned')", name=op.f("ck_initiative_tracking_verdict_known")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"],
            name=op.f("fk_initiative_tracking_assessment_id_assessments"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_initiative_tracking_owner_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"],
            name=op.f("fk_initiative_tracking_reviewed_by_id_users"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"],
            name=op.f("fk_initiative_tracking_updated_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative_tracking")),
        sa.UniqueConstraint("assessment_id", "initiative_code", name="uq_initiative_tracking_initiative"),
    )
    with op.batch_alter_table("initiative_tracking", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_initiative_tracking_assessment_id"), ["assessment_id"], unique=False)

    op.create_table(
        "initiative_tracking_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", roadmap.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"],
            name=op.f("fk_initiative_tracking_versions_changed_by_id_users"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tracking_id"], ["initiative_tracking.id"],
            name=op.f("fk_initiative_tracking_versions_tracking_id_initiative_tracking"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative_tracking_versions")),
        sa.UniqueConstraint("tracking_id", "version", name="uq_initiative_tracking_versions_version"),
    )
    with op.batch_alter_table("initiative_tracking_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_initiative_tracking_versions_tracking_id"), ["tracking_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("initiative_tracking_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiative_tracking_versions_tracking_id"))
    op.drop_table("initiative_tracking_versions")
    with op.batch_alter_table("initiative_tracking", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiative_tracking_assessment_id"))
    op.drop_table("initiative_tracking")
