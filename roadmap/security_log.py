"""The structured security log: one JSON object per line for every audit event, once it is committed.

Who (actor id and e-mail), what (the action), when (UTC, ISO 8601), where (client address, method and path)
and on which object. JSON escapes every control character, and the line separators Python and some log
viewers also break lines on are escaped too, so a value can never forge a line. Passwords, tokens and
cookies are never passed to the audit log, so they cannot reach this one; a test greps a whole session's
logs for them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("roadmap.security")

_PENDING = "security_log_pending"
# Characters that str.splitlines() and some viewers treat as line breaks, beyond those JSON escapes.
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


def line(entry: dict[str, Any]) -> str:
    text = json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str)
    for char, escaped in _LINE_BREAKS.items():
        text = text.replace(char, escaped)
    return text


def queue(session: Session, entry: dict[str, Any]) -> None:
    """Called by audit.record: the entry is written when (and only if) the transaction commits."""
    entry.setdefault("time", dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"))
    if has_request_context():
        entry.setdefault("ip", request.remote_addr)
        entry.setdefault("method", request.method)
        entry.setdefault("path", request.path)
    session.info.setdefault(_PENDING, []).append(entry)


@event.listens_for(Session, "after_commit")
def _write(session: Session) -> None:
    for entry in session.info.pop(_PENDING, []):
        log.info(line(entry))


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(_PENDING, None)


def init_app(app: Flask) -> None:
    """JSON lines on stderr (gunicorn's error log) unless the deployment configured the logger itself."""
    log.setLevel(logging.INFO)
    if not log.handlers and not app.testing:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.propagate = False
