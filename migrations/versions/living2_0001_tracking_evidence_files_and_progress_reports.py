"""completion evidence files of tracked initiatives, quarterly progress reports (issue 22)

Revision ID: living2_0001
Revises: living_0001
Create Date: 2026-12-05 23:50:00

"""
from alembic import op
import sqlalchemy as sa

import roadmap.models


revision = "living2_0001"
down_revision = "living_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tracking_evidence_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("initiative_code", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", roadmap.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"],
            name=op.f("fk_tracking_evidence_files_assessment_id_assessments"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"],
            name=op.f("fk_tracking_evidence_files_uploaded_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_evidence_files")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_tracking_evidence_files_storage_key")),
    )
    with op.batch_alter_table("tracking_evidence_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tracking_evidence_files_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "progress_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("confirmed_at", roadmap.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"],
            name=op.f("fk_progress_reports_assessment_id_assessments"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"],
            name=op.f("fk_progress_reports_confirmed_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_reports")),
        sa.UniqueConstraint("assessment_id", "quarter", name="uq_progress_reports_quarter"),
    )
    with op.batch_alter_table("progress_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_progress_reports_assessment_id"), ["assessment_id"], unique=False)


def downgrade():
    with op.batch_alter_table("progress_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_reports_assessment_id"))
    op.drop_table("progress_reports")
    with op.batch_alter_table("tracking_evidence_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracking_evidence_files_assessment_id"))
    op.drop_table("tracking_evidence_files")
