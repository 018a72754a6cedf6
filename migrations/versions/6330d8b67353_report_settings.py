"""report settings: the official report's issuing body, number pattern, place, signatory and recipients
(Decree 30/2020), one row per save, the latest in force

Revision ID: 6330d8b67353
Revises: bd6f98777093
Create Date: 2026-11-28 13:38:57.922935

"""
from alembic import op
import sqlalchemy as sa

import roadmap.models


# revision identifiers, used by Alembic.
revision = '6330d8b67353'
down_revision = "bd6f98777093"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuing_body', sa.String(length=255), nullable=False),
    sa.Column('issuing_body_parent', sa.String(length=255), nullable=False),
    sa.Column('number_pattern', sa.String(length=128), nullable=False),
    sa.Column('place', sa.String(length=128), nullable=False),
    sa.Column('signatory_position', sa.String(length=255), nullable=False),
    sa.Column('signatory_name', sa.String(length=255), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.Column('saved_at', roadmap.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['saved_by_id'], ['users.id'], name=op.f('fk_report_settings_saved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_settings'))
    )


def downgrade():
    op.drop_table('report_settings')
