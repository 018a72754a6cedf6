"""Request rate limits (Flask-Limiter): counted in Redis when REDIS_URL is set, so every host shares the
count, in the process otherwise (ProcessCounts). One table says which routes are limited, by which setting
and per what key; a refusal is 429 with Retry-After and a message in the user's language (JSON for the
page's script and the API, a page otherwise). The limits come from the environment (roadmap.config, README
"Configuration")."""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits.storage import Storage
from werkzeug.wrappers import Response


class ProcessCounts(Storage):
    """Fixed-window counts kept in this process (`process://`, the default without Redis), safe under
    gunicorn's threads.

    The `memory://` storage of limits 5.8 (the newest we can install) expires its counts from a timer thread
    that races the request threads: the timer dies with a KeyError when a request clears the same expired
    count (flask-limiter#130), and two requests can start the same timer ("threads can only be started
    once", limits#352), a 500 for the second. The soak's server log caught the first. Here one lock guards
    every count, and expired windows are swept while counting, without any thread. Only the fixed-window
    strategy is supported: the one init_app sets."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["process"]
    SWEEP_EVERY = 1024  # counts between two sweeps of the expired windows (each is also dropped when met)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, float]] = {}  # key → (count, end of its window)
        self._counted_since_sweep = 0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            self._counted_since_sweep += 1
            if self._counted_since_sweep >= self.SWEEP_EVERY:
                self._counted_since_sweep = 0
                self._windows = {k: window for k, window in self._windows.items() if window[1] > now}
            count, ends = self._windows.get(key, (0, 0.0))
            if ends <= now:  # a new window starts with this request
                count, ends = 0, now + expiry
            count += amount
            self._windows[key] = (count, ends)
            return count

    def get(self, key: str) -> int:
        now = time.time()
        with self._lock:
            count, ends = self._windows.get(key, (0, 0.0))
        return count if ends > now else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self._lock:
            _, ends = self._windows.get(key, (0, 0.0))
        return ends if ends > now else now

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            cleared = len(self._windows)
            self._windows = {}
        return cleared

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)


def limiter_of(app: Flask) -> Limiter:
    """The app's own limiter: one per app (a limiter keeps its storage and switch per instance)."""
    found: Limiter = app.extensions["roadmap_limiter"]
    return found


def by_address() -> str:
    return "address:" + get_remote_address()


def by_user() -> str:
    """The signed-in user (whatever address they come from), or the address of an anonymous caller."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return by_address()


def by_token() -> str:
    """The API token (each token its own count, as the token is the client), or else the user."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return "token:" + hashlib.sha256(header.removeprefix("Bearer ").encode()).hexdigest()[:32]
    return by_user()


# Which routes are limited: endpoint → ((setting, key), …), and the methods counted (None: every method).
# Login and the second-factor codes are counted per address and per account (the lockout counts failures
# per account name too); everything else per user, the API per token.
LIMITED: dict[str, tuple[tuple[tuple[str, Callable[[], str]], ...], list[str] | None]] = {
    "auth.login": ((("RATE_LIMIT_LOGIN", by_address),), ["POST"]),
    "auth.second_factor": (
        (("RATE_LIMIT_SECOND_FACTOR", by_address), ("RATE_LIMIT_SECOND_FACTOR", by_user)),
        ["POST"],
    ),
    "auth.enrol_second_factor": ((("RATE_LIMIT_SECOND_FACTOR", by_user),), ["POST"]),
    "survey.save_answer": ((("RATE_LIMIT_AUTOSAVE", by_user),), None),
    "survey.save_evidence": ((("RATE_LIMIT_AUTOSAVE", by_user),), None),
    "survey.upload_files": ((("RATE_LIMIT_UPLOADS", by_user),), None),
    "survey.save_section": ((("RATE_LIMIT_UPLOADS", by_user),), None),
    "reports.download": ((("RATE_LIMIT_REPORTS", by_user),), None),
    "roadmaps.export_csv": ((("RATE_LIMIT_EXPORTS", by_user),), None),
    "roadmaps.export_xlsx": ((("RATE_LIMIT_EXPORTS", by_user),), None),
    "roadmaps.export_json": ((("RATE_LIMIT_EXPORTS", by_user),), None),
    "review.portfolio_export": ((("RATE_LIMIT_EXPORTS", by_user),), None),
    "review.portfolio_export_job": ((("RATE_LIMIT_EXPORTS", by_user),), None),
    "admin.audit_export": ((("RATE_LIMIT_EXPORTS", by_user),), None),
    "tracking.follow_up_csv": ((("RATE_LIMIT_EXPORTS", by_user),), None),
    "tracking.follow_up_xlsx": ((("RATE_LIMIT_EXPORTS", by_user),), None),
    "tracking.progress_xlsx": ((("RATE_LIMIT_EXPORTS", by_user),), None),
    "tracking.progress_report": ((("RATE_LIMIT_REPORTS", by_user),), None),
    "api.assessments_list": ((("RATE_LIMIT_API", by_token),), None),
    "api.assessment": ((("RATE_LIMIT_API", by_token),), None),
    "api.scores": ((("RATE_LIMIT_API", by_token),), None),
    "api.roadmap": ((("RATE_LIMIT_API", by_token),), None),
}


def _setting(name: str) -> Callable[[], str]:
    # Read at each request, from the app's configuration.
    return lambda: str(current_app.config[name])


def retry_after_seconds() -> int:
    limit = limiter_of(current_app).current_limit
    if limit is None:
        return 60
    return max(1, math.ceil(limit.reset_at - time.time()))


def _refused(error: RateLimitExceeded) -> tuple[str | Response, int]:
    seconds = retry_after_seconds()
    message = _("Too many requests. Please wait %(seconds)d seconds and try again.", seconds=seconds)
    wants_json = (
        request.path.startswith("/api/")
        or request.is_json
        or request.accept_mimetypes.best == ("application/json")
    )
    view = current_app.view_functions.get(request.endpoint or "")
    if wants_json or getattr(view, "json_only", False):
        if request.path.startswith("/api/"):
            body = {"error": {"code": "rate_limited", "message": message, "retry_after": seconds}}
        else:
            body = {"status": "rate_limited", "message": message, "retry_after": seconds}
        response = jsonify(body)
    else:
        response = current_app.make_response(
            render_template("errors/error.html", status=429, message=message)
        )
    # Also set here: the limiter adds its headers after this, but only while limits are on.
    response.headers["Retry-After"] = str(seconds)
    return response, 429


def init_app(app: Flask) -> None:
    """Bind the limiter (after the blueprints: it wraps their views by endpoint, from the table)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "process://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "roadmap-limits")
    app.config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
    limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
    limiter.init_app(app)
    app.extensions["roadmap_limiter"] = limiter
    for endpoint, (limits, methods) in LIMITED.items():
        view = app.view_functions[endpoint]
        for setting, key in limits:
            view = limiter.limit(_setting(setting), key_func=key, methods=methods, per_method=False)(view)
        app.view_functions[endpoint] = view
    app.register_error_handler(RateLimitExceeded, _refused)
