"""Error pages in the user's language; never a stack trace. A 500 shows an id that is also in the log."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from roadmap.extensions import db

log = logging.getLogger("roadmap.errors")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _api_error(status: int, error_id: str | None) -> tuple[Response, int]:
    """The JSON API's errors: `{"error": {"code", "message"}}`, the message in the caller's language."""
    known = {
        400: ("bad_request", _l("The request could not be understood.")),
        401: ("unauthenticated", _l("Authentication required.")),
        403: ("forbidden", _l("You may not do this.")),
        404: ("not_found", _l("Nothing was found at this address.")),
        405: ("method_not_allowed", _l("This method is not allowed here: the API only reads.")),
        406: ("not_acceptable", _l("The API answers in JSON only.")),
    }
    code, message = known.get(status, ("server_error", _l("Something went wrong on our side.")))
    if status not in known and status < 500:
        code, message = "client_error", _l("The request could not be carried out.")
    body: dict[str, Any] = {"code": code, "message": str(message)}
    if error_id:
        body["error_id"] = error_id
    return jsonify({"error": body}), status


def _render(status: int, error_id: str | None = None) -> tuple[str | Response, int]:
    if request.path.startswith("/api/"):
        return _api_error(status, error_id)
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
