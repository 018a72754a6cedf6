"""cycles name their framework version: every assessment of a cycle uses it, and importing another version
never changes it. Existing cycles get the version their assessments use (the most used one if they mix),
else the latest imported; a database without any framework leaves them empty until their first assessment.
Score snapshots get a note: the consultant's reason for a re-score.

Revision ID: s18web_0001
Revises: answers_0001
Create Date: 2026-12-05 00:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = "s18web_0001"
down_revision = "answers_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("score_snapshots") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
    with op.batch_alter_table("cycles") as batch:
        batch.add_column(sa.Column("framework_version_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_cycles_framework_version_id_framework_versions"),
            "framework_versions",
            ["framework_version_id"],
            ["id"],
        )
        batch.create_index(batch.f("ix_cycles_framework_version_id"), ["framework_version_id"])
    connection = op.get_bind()
    latest = connection.execute(
        sa.text("SELECT id FROM framework_versions ORDER BY imported_at DESC, id DESC LIMIT 1")
    ).scalar()
    for (cycle_id,) in connection.execute(sa.text("SELECT id FROM cycles")).all():
        used = connection.execute(
            sa.text(
                "SELECT framework_version_id FROM assessments WHERE cycle_id = :cycle "
                "GROUP BY framework_version_id ORDER BY COUNT(*) DESC, framework_version_id DESC LIMIT 1"
            ),
            {"cycle": cycle_id},
        ).scalar()
        chosen = used if used is not None else latest
        if chosen is not None:
            connection.execute(
                sa.text("UPDATE cycles SET framework_version_id = :version WHERE id = :cycle"),
                {"version": chosen, "cycle": cycle_id},
            )


def downgrade():
    with op.batch_alter_table("score_snapshots") as batch:
        batch.drop_column("note")
    with op.batch_alter_table("cycles") as batch:
        batch.drop_index(batch.f("ix_cycles_framework_version_id"))
        batch.drop_constraint(batch.f("fk_cycles_framework_version_id_framework_versions"), type_="foreignkey")
        batch.drop_column("framework_version_id")
