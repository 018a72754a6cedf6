"""stored text through the text boundary: characters it refuses removed, NFC; every change reported

Text stored before the boundary (issue 20) may hold controls, lone surrogates (JSON keeps them as escapes)
or non-characters, which broke the spreadsheet exports, a section page and the report. Each is removed, each
text put in NFC, and every changed value is reported (table, column, row, the characters removed) in the
migration's log. The audit log is append-only and is only reported, never changed. Not reversible: the
removed characters are not kept (the report names them).

Revision ID: hardening_0001
Revises: signing_0001
Create Date: 2026-12-05 00:40:00

"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections import Counter
from typing import Any

import sqlalchemy as sa
from alembic import op

from roadmap.engine.text import scrub, texts_of

revision = "hardening_0001"
down_revision = "signing_0001"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

APPEND_ONLY = {"audit_events"}


def _clean_text(text: str) -> str:
    return unicodedata.normalize("NFC", scrub(text))


def _clean_tree(value: Any) -> Any:
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, list):
        return [_clean_tree(item) for item in value]
    if isinstance(value, dict):
        return {(_clean_text(k) if isinstance(k, str) else k): _clean_tree(v) for k, v in value.items()}
    return value


def _removed(before: Any) -> str:
    found: Counter[str] = Counter()
    for _, text in texts_of(before):
        found.update(ch for ch in text if ch not in scrub(ch))
    if not found:
        return "NFC only"
    return ", ".join(f"U+{ord(ch):04X} ×{count}" for ch, count in sorted(found.items()))


def clean_stored_text(bind: sa.engine.Connection) -> list[str]:
    """Clean every text and JSON column of every table; the report's lines, one per changed value."""
    report: list[str] = []
    inspector = sa.inspect(bind)
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        keys = inspector.get_pk_constraint(table).get("constrained_columns") or []
        columns = [
            (column["name"], isinstance(column["type"], sa.JSON))
            for column in inspector.get_columns(table)
            if isinstance(column["type"], sa.String | sa.Text | sa.JSON) and column["name"] not in keys
        ]
        if not keys or not columns:
            continue
        names = [*keys, *(name for name, _ in columns)]
        meta = sa.Table(table, sa.MetaData(), *(sa.Column(name) for name in names))
        json_columns = {name for name, is_json in columns if is_json}
        for row in bind.execute(sa.select(meta)).mappings():
            changes: dict[str, Any] = {}
            for name, is_json in columns:
                stored = row[name]
                if stored is None:
                    continue
                value = json.loads(stored) if is_json and isinstance(stored, str) else stored
                clean = _clean_tree(value)
                if clean == value:
                    continue
                where = ", ".join(f"{k}={row[k]}" for k in keys)
                report.append(f"text cleaned: {table}.{name} ({where}): {_removed(value)}")
                changes[name] = json.dumps(clean, ensure_ascii=False) if is_json else clean
            if changes and table not in APPEND_ONLY:
                bind.execute(
                    sa.text(
                        f"UPDATE {table} SET "  # noqa: S608 (names from the database's own catalogue)
                        + ", ".join(f"{name} = {_parameter(bind, name, json_columns)}" for name in changes)
                        + " WHERE "
                        + " AND ".join(f"{k} = :key_{k}" for k in keys)
                    ),
                    {**changes, **{f"key_{k}": row[k] for k in keys}},
                )
            elif changes:
                report[-1] += " (append-only: left as it is; every output scrubs it)"
    return report


def _parameter(bind: sa.engine.Connection, name: str, json_columns: set[str]) -> str:
    # PostgreSQL takes a JSON column's new value as text only through a cast; SQLite stores the text itself.
    if name in json_columns and bind.dialect.name == "postgresql":
        return f"CAST(:{name} AS JSON)"
    return f":{name}"


def upgrade() -> None:
    report = clean_stored_text(op.get_bind())
    for line in report:
        log.info(line)
    log.info("text boundary: %d stored values cleaned", len(report))


def downgrade() -> None:
    pass  # nothing to restore: the removed characters are what no output could carry
