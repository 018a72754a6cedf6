"""snapshot levels: each snapshot keeps its dimension levels apart from the full result, for overviews

Revision ID: d490f20c8ef4
Revises: 5b2f0c1d9e77
Create Date: 2026-11-28 13:06:00.148480

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd490f20c8ef4'
down_revision = '5b2f0c1d9e77'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('score_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('levels', sa.JSON(), nullable=True))
    # Existing snapshots: the levels are in their stored result.
    snapshots = sa.table(
        'score_snapshots', sa.column('id', sa.Integer), sa.column('result', sa.JSON), sa.column('levels', sa.JSON)
    )
    connection = op.get_bind()
    for snapshot_id, result in connection.execute(sa.select(snapshots.c.id, snapshots.c.result)).all():
        if isinstance(result, str):
            result = json.loads(result)
        levels = {entry['code']: entry['level'] for entry in (result or {}).get('dimensions', [])}
        connection.execute(snapshots.update().where(snapshots.c.id == snapshot_id).values(levels=levels))
    with op.batch_alter_table('score_snapshots', schema=None) as batch_op:
        batch_op.alter_column('levels', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('score_snapshots', schema=None) as batch_op:
        batch_op.drop_column('levels')
