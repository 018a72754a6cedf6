"""The audit log: who did what to which object, when (UTC) and from where."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Select, String, func, or_, select
from sqlalchemy.orm import joinedload

from roadmap import security_log
from roadmap.extensions import db
from roadmap.models import Assessment, AuditEvent, Office, User
from roadmap.services.platform.spreadsheet import safe_cell


def record(
    action: str,
    *,
    actor: User | None = None,
    object_type: str | None = None,
    object_id: int | str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an event to the current transaction, so that it commits (or not) with the change it records."""
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        details=details or {},
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    security_log.queue(
        db.session(),
        {
            "event": action,
            "actor_id": event.actor_id,
            "actor": actor.email if actor is not None else None,
            "object_type": object_type,
            "object_id": event.object_id,
            "details": event.details,
        },
    )
    return event


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""  # prefix, e.g. "login." or "assessment.approved"
    actor: str = ""  # part of the actor's e-mail
    office_code: str = ""  # events on the office or on one of its assessments
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive


def events_query(filters: AuditFilter) -> Select[tuple[AuditEvent]]:
    """Newest first, filtered; the actor is loaded with each event (no query per row)."""
    query = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action))
    if filters.actor:
        query = query.where(
            AuditEvent.actor_id.in_(select(User.id).where(User.email.contains(filters.actor.strip().lower())))
        )
    if filters.office_code:
        office_ids = select(Office.id).where(func.upper(Office.code) == filters.office_code.strip().upper())
        assessment_ids = select(func.cast(Assessment.id, String)).where(Assessment.office_id.in_(office_ids))
        query = query.where(
            or_(
                (AuditEvent.object_type == "office")
                & AuditEvent.object_id.in_(
                    select(func.cast(Office.id, String)).where(Office.id.in_(office_ids))
                ),
                (AuditEvent.object_type == "assessment") & AuditEvent.object_id.in_(assessment_ids),
            )
        )
    if filters.since:
        query = query.where(AuditEvent.at >= dt.datetime.combine(filters.since, dt.time(), dt.UTC))
    if filters.until:
        query = query.where(
            AuditEvent.at < dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), dt.UTC)
        )
    return query


def _plain(value: object) -> str:
    """One line per event whatever the text holds: newlines are written as \\n, never as line breaks."""
    return str(value).replace("\r", "\\r").replace("\n", "\\n")


def to_csv(events: Iterable[AuditEvent]) -> bytes:
    """The log as CSV (UTF-8 with BOM, for spreadsheets), safe against formula and line injection."""

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["time_utc", "actor", "action", "object_type", "object_id", "details", "ip"])
    for event in events:
        row = [
            event.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            event.actor.email if event.actor else "",
            event.action,
            event.object_type or "",
            event.object_id or "",
            json.dumps(event.details or {}, ensure_ascii=False, sort_keys=True),
            event.ip or "",
        ]
        writer.writerow([safe_cell(_plain(cell)) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
