"""Probes for the load balancer and the orchestrator: `/healthz` (alive, database reachable, schema at the
migrations' head) and `/readyz` (ready to take traffic: the database, and Redis when configured).

No login, no session, no secret: the answer is a status and, when failing, a short reason — never a version,
a host name or an exception text.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from werkzeug.wrappers import Response

from roadmap.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def _answer(failure: str | None, ok: str) -> Response:
    body: dict[str, Any] = {"status": ok} if failure is None else {"status": "fail", "reason": failure}
    response = jsonify(body)
    response.status_code = 200 if failure is None else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def migration_heads() -> set[str]:
    """The heads of the migration scripts shipped with this code (read once per process)."""
    heads: set[str] | None = current_app.extensions.get("roadmap_migration_heads")
    if heads is None:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(Path(current_app.root_path) / "migrations"))
        heads = set(ScriptDirectory.from_config(config).get_heads())
        current_app.extensions["roadmap_migration_heads"] = heads
    return heads


def database_problem(*, check_schema: bool) -> str | None:
    """None when the database answers (and, if asked, its schema is at the head); else a short reason."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if not check_schema:
                return None
            try:
                current = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
            except Exception:  # no version table: the schema was never created
                return "migrations not applied"
    except Exception:  # whatever the driver raises, the answer is the same
        log.warning("health check: database unreachable", exc_info=True)
        return "database unreachable"
    if current != migration_heads():
        return "migrations not at head"
    return None


def redis_problem() -> str | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
    except Exception:  # refused, timed out, unknown host: all the same to a probe
        log.warning("readiness check: Redis unreachable", exc_info=True)
        return "redis unreachable"
    return None


@bp.route("/healthz")
def healthz() -> Response:
    """Liveness: the process answers, the database answers, and its schema matches this code."""
    return _answer(database_problem(check_schema=True), "ok")


@bp.route("/readyz")
def readyz() -> Response:
    """Readiness: everything a request may need is reachable (the database; Redis when configured)."""
    return _answer(database_problem(check_schema=False) or redis_problem(), "ready")
