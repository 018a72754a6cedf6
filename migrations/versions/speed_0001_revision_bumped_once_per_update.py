"""assessment revision bumped once per updated row on PostgreSQL

An UPDATE of a row that stays with its assessment bumped the assessment's revision twice (once for the old
row, once for the new), two writes of the assessment row where one tells the same: every autosave paid for
it. The revision only has to change; SQLite's triggers already bump once.

Revision ID: speed_0001
Revises: evidence_0001
Create Date: 2026-12-06 09:40:00

"""

from alembic import op

revision = "speed_0001"
down_revision = "evidence_0001"
branch_labels = None
depends_on = None

ONCE = (
    "CREATE OR REPLACE FUNCTION assessments_bump_revision() RETURNS trigger AS $$ BEGIN "
    "IF TG_OP = 'UPDATE' AND OLD.assessment_id = NEW.assessment_id THEN "
    "UPDATE assessments SET revision = revision + 1 WHERE id = NEW.assessment_id; RETURN NULL; END IF; "
    "IF TG_OP <> 'INSERT' THEN "
    "UPDATE assessments SET revision = revision + 1 WHERE id = OLD.assessment_id; END IF; "
    "IF TG_OP <> 'DELETE' THEN "
    "UPDATE assessments SET revision = revision + 1 WHERE id = NEW.assessment_id; END IF; "
    "RETURN NULL; END; $$ LANGUAGE plpgsql"
)
TWICE = (
    "CREATE OR REPLACE FUNCTION assessments_bump_revision() RETURNS trigger AS $$ BEGIN "
    "IF TG_OP <> 'INSERT' THEN "
    "UPDATE assessments SET revision = revision + 1 WHERE id = OLD.assessment_id; END IF; "
    "IF TG_OP <> 'DELETE' THEN "
    "UPDATE assessments SET revision = revision + 1 WHERE id = NEW.assessment_id; END IF; "
    "RETURN NULL; END; $$ LANGUAGE plpgsql"
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(ONCE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TWICE)
