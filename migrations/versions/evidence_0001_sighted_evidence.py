"""sighted evidence: classified evidence a consultant saw on site instead of an upload (issue 19)

Revision ID: evidence_0001
Revises: living2_0001
Create Date: 2026-12-06 00:00:00

"""
from alembic import op
import sqlalchemy as sa

import roadmap.models


revision = "evidence_0001"
down_revision = "living2_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sighted_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("question_code", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("sighted_on", sa.Date(), nullable=False),
        sa.Column("sighted_by_id", sa.Integer(), nullable=True),
        sa.Column("sighted_by_name", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", roadmap.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(description) > 0", name=op.f("ck_sighted_evidence_description_given")),
        sa.CheckConstraint("length(place) > 0", name=op.f("ck_sighted_evidence_place_given")),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"], name=op.f("fk_sighted_evidence_assessment_id_assessments"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sighted_by_id"], ["users.id"], name=op.f("fk_sighted_evidence_sighted_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sighted_evidence")),
    )
    with op.batch_alter_table("sighted_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sighted_evidence_assessment_id"), ["assessment_id"], unique=False)
    # Like the other evidence, a change bumps the assessment's revision (pages and reports kept until it moves;
    # the function on PostgreSQL is the one migration 7a1c2e9b4d10 created).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER sighted_evidence_bump_revision AFTER INSERT OR UPDATE OR DELETE ON sighted_evidence "
            "FOR EACH ROW EXECUTE FUNCTION assessments_bump_revision()"
        )
    else:
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            op.execute(
                f"CREATE TRIGGER sighted_evidence_bump_revision_{event.lower()} AFTER {event} ON sighted_evidence "
                f"BEGIN UPDATE assessments SET revision = revision + 1 WHERE id = {row}.assessment_id; END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER sighted_evidence_bump_revision ON sighted_evidence")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER sighted_evidence_bump_revision_{event}")
    with op.batch_alter_table("sighted_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sighted_evidence_assessment_id"))
    op.drop_table("sighted_evidence")
