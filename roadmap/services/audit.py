"""The audit log: who did what to which object, when (UTC) and from where."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from roadmap.extensions import db
from roadmap.models import AuditEvent, User


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
    return event
