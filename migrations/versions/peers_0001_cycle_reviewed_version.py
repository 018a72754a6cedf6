"""cycle reviewed version: moved by the database whenever a reviewed result of the cycle may have changed

A cached report's key and a result page's key read the peers' figures of the cycle. They counted the
cycle's reviewed (approved or published) assessments, summed their status versions and took their newest
snapshot at every request: three scans of the cycle's assessments, about 2 ms of PostgreSQL's time per
cached download at 1,000 offices. Triggers now move `cycles.reviewed_version` whenever one of those could
change: an assessment entering, leaving or moving within the reviewed statuses (or another cycle), a
reviewed assessment inserted or deleted, a snapshot of a reviewed assessment taken or removed. The keys read
that one value of the row they load. Signed reports keep their digest's form (reporting.cache).

Revision ID: peers_0001
Revises: speed_0001
Create Date: 2026-12-06 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "peers_0001"
down_revision = "speed_0001"
branch_labels = None
depends_on = None

# Constants only, written into the triggers' text below (no value from outside reaches these statements).
REVIEWED = "('approved', 'published')"
BUMP = "UPDATE cycles SET reviewed_version = reviewed_version + 1 WHERE id"


def changed(differs: str) -> str:
    """An assessment's change that can move its cycle's reviewed results (UPDATE OF lists the columns that
    can); `differs`: the dialect's null-safe "not equal"."""
    return (
        f"(OLD.status IN {REVIEWED} OR NEW.status IN {REVIEWED}) AND (OLD.status {differs} NEW.status "
        f"OR OLD.status_version {differs} NEW.status_version OR OLD.cycle_id {differs} NEW.cycle_id)"
    )


SQLITE_TRIGGERS = {
    "assessments_reviewed_insert": (
        f"AFTER INSERT ON assessments WHEN NEW.status IN {REVIEWED} BEGIN {BUMP} = NEW.cycle_id; END"
    ),
    "assessments_reviewed_update": (
        f"AFTER UPDATE OF status, status_version, cycle_id ON assessments WHEN {changed('IS NOT')} "
        f"BEGIN {BUMP} IN (OLD.cycle_id, NEW.cycle_id); END"
    ),
    "assessments_reviewed_delete": (
        f"AFTER DELETE ON assessments WHEN OLD.status IN {REVIEWED} BEGIN {BUMP} = OLD.cycle_id; END"
    ),
    "score_snapshots_reviewed_insert": (
        f"AFTER INSERT ON score_snapshots BEGIN {BUMP} = "  # noqa: S608 (constants only)
        f"(SELECT cycle_id FROM assessments WHERE id = NEW.assessment_id AND status IN {REVIEWED}); END"
    ),
    "score_snapshots_reviewed_delete": (
        f"AFTER DELETE ON score_snapshots BEGIN {BUMP} = "  # noqa: S608 (constants only)
        f"(SELECT cycle_id FROM assessments WHERE id = OLD.assessment_id AND status IN {REVIEWED}); END"
    ),
}
POSTGRESQL_FUNCTIONS = {
    "cycles_assessment_reviewed_changed": (
        "BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {BUMP} = OLD.cycle_id; END IF; "
        "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.cycle_id IS DISTINCT FROM OLD.cycle_id) THEN "
        f"{BUMP} = NEW.cycle_id; END IF; "
        "RETURN NULL; END;"
    ),
    "cycles_snapshot_reviewed_changed": (
        "DECLARE snapshot_of integer; BEGIN "  # noqa: S608 (constants only)
        "IF TG_OP = 'DELETE' THEN snapshot_of := OLD.assessment_id; "
        "ELSE snapshot_of := NEW.assessment_id; END IF; "
        f"{BUMP} = (SELECT cycle_id FROM assessments WHERE id = snapshot_of AND status IN {REVIEWED}); "
        "RETURN NULL; END;"
    ),
}
POSTGRESQL_TRIGGERS = {
    "assessments_reviewed_insert": (
        f"AFTER INSERT ON assessments FOR EACH ROW WHEN (NEW.status IN {REVIEWED}) "
        "EXECUTE FUNCTION cycles_assessment_reviewed_changed()",
        "assessments",
    ),
    "assessments_reviewed_update": (
        "AFTER UPDATE OF status, status_version, cycle_id ON assessments FOR EACH ROW "
        f"WHEN ({changed('IS DISTINCT FROM')}) "
        "EXECUTE FUNCTION cycles_assessment_reviewed_changed()",
        "assessments",
    ),
    "assessments_reviewed_delete": (
        f"AFTER DELETE ON assessments FOR EACH ROW WHEN (OLD.status IN {REVIEWED}) "
        "EXECUTE FUNCTION cycles_assessment_reviewed_changed()",
        "assessments",
    ),
    "score_snapshots_reviewed_changed": (
        "AFTER INSERT OR DELETE ON score_snapshots FOR EACH ROW "
        "EXECUTE FUNCTION cycles_snapshot_reviewed_changed()",
        "score_snapshots",
    ),
}


def upgrade():
    with op.batch_alter_table("cycles") as batch:
        batch.add_column(sa.Column("reviewed_version", sa.Integer(), server_default="0", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        for name, body in POSTGRESQL_FUNCTIONS.items():
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger AS $$ {body} $$ LANGUAGE plpgsql")
        for name, (definition, _table) in POSTGRESQL_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {definition}")
    else:
        for name, definition in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {definition}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, (_definition, table) in POSTGRESQL_TRIGGERS.items():
            op.execute(f"DROP TRIGGER {name} ON {table}")
        for name in POSTGRESQL_FUNCTIONS:
            op.execute(f"DROP FUNCTION {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35 and later): a batch copy of the table would drop `cycles` while assessments
        # refer to it, which the foreign keys refuse.
        op.execute("ALTER TABLE cycles DROP COLUMN reviewed_version")
    else:
        op.drop_column("cycles", "reviewed_version")
