"""signed reports: the signed versions of each report (superseded ones kept) and the signatures' images

Revision ID: signing_0001
Revises: cycle_0001
Create Date: 2026-12-05 01:00:00

"""

import sqlalchemy as sa
from alembic import op

import roadmap.models

revision = "signing_0001"
down_revision = "cycle_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signed_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_version", sa.String(length=64), nullable=False),
        sa.Column("signers", sa.JSON(), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", roadmap.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", roadmap.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("locale IN ('vi', 'en')", name=op.f("ck_signed_reports_locale_known")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_signed_reports_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"],
            ["users.id"],
            name=op.f("fk_signed_reports_signed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["signed_reports.id"],
            name=op.f("fk_signed_reports_superseded_by_id_signed_reports"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signed_reports")),
        sa.UniqueConstraint("assessment_id", "locale", "version", name="uq_signed_reports_version"),
    )
    with op.batch_alter_table("signed_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signed_reports_assessment_id"), ["assessment_id"], unique=False)
    op.create_table(
        "signing_appearance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seal_png", sa.LargeBinary(), nullable=True),
        sa.Column("signature_png", sa.LargeBinary(), nullable=True),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("saved_at", roadmap.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["saved_by_id"],
            ["users.id"],
            name=op.f("fk_signing_appearance_saved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_appearance")),
    )


def downgrade():
    op.drop_table("signing_appearance")
    with op.batch_alter_table("signed_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signed_reports_assessment_id"))
    op.drop_table("signed_reports")
