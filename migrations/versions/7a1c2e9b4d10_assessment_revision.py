"""assessment revision: bumped by triggers on every change of what the survey shows

Revision ID: 7a1c2e9b4d10
Revises: 5e6e6d9d9de4
Create Date: 2026-11-28 14:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "7a1c2e9b4d10"
down_revision = "5e6e6d9d9de4"
branch_labels = None
depends_on = None

# Every table whose rows belong to one assessment and show on its survey pages.
TABLES = (
    "answers",
    "evidence",
    "evidence_files",
    "target_levels",
    "score_overrides",
    "review_comments",
    "evidence_reviews",
)


def upgrade():
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION assessments_bump_revision() RETURNS trigger AS $$ BEGIN "
            "IF TG_OP <> 'INSERT' THEN "
            "UPDATE assessments SET revision = revision + 1 WHERE id = OLD.assessment_id; END IF; "
            "IF TG_OP <> 'DELETE' THEN "
            "UPDATE assessments SET revision = revision + 1 WHERE id = NEW.assessment_id; END IF; "
            "RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_bump_revision AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION assessments_bump_revision()"
            )
    else:
        for table in TABLES:
            for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                op.execute(
                    f"CREATE TRIGGER {table}_bump_revision_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN UPDATE assessments SET revision = revision + 1 WHERE id = {row}.assessment_id; END"
                )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_bump_revision ON {table}")
        op.execute("DROP FUNCTION assessments_bump_revision()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_bump_revision_{event}")
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("revision")
