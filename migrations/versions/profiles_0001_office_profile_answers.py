"""office profile answers: an office's answers to its framework's profile questions, once per office

Revision ID: profiles_0001
Revises: hardening_0002
Create Date: 2026-12-05 01:50:00

"""
from alembic import op
import sqlalchemy as sa

import roadmap.models


revision = "profiles_0001"
down_revision = "hardening_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "office_profile_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("question_code", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", roadmap.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name=op.f("fk_office_profile_answers_office_id_offices"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_office_profile_answers_updated_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_profile_answers")),
        sa.UniqueConstraint("office_id", "question_code", name="uq_office_profile_answers_office_question"),
    )
    with op.batch_alter_table("office_profile_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_office_profile_answers_office_id"), ["office_id"], unique=False)


def downgrade():
    with op.batch_alter_table("office_profile_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_office_profile_answers_office_id"))
    op.drop_table("office_profile_answers")
