"""report settings in both languages: the issuing body's symbol for the document number, and the issuing
body, parent body, place, signatory's position and recipients of the English report (issue 23)

Rows saved before keep their values; their new columns get the defaults of
roadmap.services.reporting.settings, and a number pattern that placed the assessed office's code places the
issuing body's symbol instead (Decree 30/2020: the symbol names the issuing body).

Revision ID: jreport_0001
Revises: s18web_0001
Create Date: 2026-12-05 00:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "jreport_0001"
down_revision = "s18web_0001"
branch_labels = None
depends_on = None

TEXT_COLUMNS = (
    ("issuer_symbol", 32, "CBĐTW"),
    ("issuing_body_en", 255, "Central Post Office Department"),
    ("issuing_body_parent_en", 255, "Ministry of Science and Technology"),
    ("place_en", 128, "Hanoi"),
    ("signatory_position_en", 255, "Director General"),
)
RECIPIENTS_EN = ["As addressed above;", "Archived: Records."]


def upgrade():
    with op.batch_alter_table("report_settings") as batch:
        for name, length, _default in TEXT_COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length=length), nullable=True))
        batch.add_column(sa.Column("recipients_en", sa.JSON(), nullable=True))
    settings = sa.table(
        "report_settings",
        sa.column("number_pattern", sa.String()),
        sa.column("recipients_en", sa.JSON()),
        *(sa.column(name, sa.String()) for name, _length, _default in TEXT_COLUMNS),
    )
    op.execute(
        settings.update().values(
            recipients_en=RECIPIENTS_EN,
            **{name: default for name, _length, default in TEXT_COLUMNS},
            number_pattern=sa.func.replace(settings.c.number_pattern, "{office_code}", "{issuer_symbol}"),
        )
    )
    with op.batch_alter_table("report_settings") as batch:
        for name, length, _default in TEXT_COLUMNS:
            batch.alter_column(name, existing_type=sa.String(length=length), nullable=False)
        batch.alter_column("recipients_en", existing_type=sa.JSON(), nullable=False)


def downgrade():
    settings = sa.table("report_settings", sa.column("number_pattern", sa.String()))
    op.execute(
        settings.update().values(
            number_pattern=sa.func.replace(settings.c.number_pattern, "{issuer_symbol}", "{office_code}")
        )
    )
    with op.batch_alter_table("report_settings") as batch:
        for name in ("recipients_en", *(name for name, _length, _default in reversed(TEXT_COLUMNS))):
            batch.drop_column(name)
