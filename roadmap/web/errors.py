"""Error pages in the user's language; never a stack trace. A 500 shows an id that is also in the log."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from roadmap.extensions import db

log = logging.getLogger("roadmap.errors")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(status: int, error_id: str | None = None) -> tuple[str | Response, int]:
    if _wants_json():
        body: dict[str, object] = {"status": status}
        if error_id:
            body["error_id"] = error_id
        return jsonify(body), status
    return render_template("errors/error.html", status=status, error_id=error_id), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str | Response, int]:
        return _render(400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str | Response, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return _render(error.code)

    @app.errorhandler(InternalServerError)
    @app.errorhandler(Exception)
    def server_error(error: Exception) -> tuple[str | Response, int]:
        original = getattr(error, "original_exception", None) or error
        error_id = secrets.token_hex(6)
        log.error("error %s on %s %s", error_id, request.method, request.path, exc_info=original)
        db.session.rollback()
        return _render(500, error_id)
