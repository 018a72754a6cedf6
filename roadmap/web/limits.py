"""Request rate limits: counted in Redis when REDIS_URL is set, so every host shares the count, in the process
otherwise (ProcessCounts). One table says which routes are limited, by which setting and per what key; a
refusal is 429 with Retry-After and a message in the user's language (JSON for the page's script and the API,
a page otherwise). The limits come from the environment (roadmap.config, README "Configuration").

The counting is the `limits` library's (its storages and limit strings). Flask-Limiter, which glued it to
Flask before, checked every request of the app for limits we never set — a few percent of every page's
processor time; here only the limited routes count, through a wrapper of their views."""

from __future__ import annotations

import functools
import hashlib
import math
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, cast

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from werkzeug.exceptions import TooManyRequests
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

    # The scheme this storage serves. Not a ClassVar: the base class declares it as an instance attribute.
    STORAGE_SCHEME = ["process"]  # noqa: RUF012
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


def by_address() -> str:
    return "address:" + (request.remote_addr or "127.0.0.1")


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


class RateLimited(TooManyRequests):
    """A request past one of its route's limits; `reset_at`: when that limit's window ends (epoch seconds)."""

    def __init__(self, reset_at: float) -> None:
        super().__init__()
        self.reset_at = reset_at


@functools.lru_cache(maxsize=64)
def _parsed(setting: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(setting))


class Counts(Protocol):
    """What RouteLimits asks of a storage. Ours are synchronous (`process://`, `redis://`); the `limits`
    library types its storages for its asynchronous ones too, hence the cast."""

    def incr(self, key: str, expiry: int, amount: int = 1) -> int: ...

    def get_expiry(self, key: str) -> float: ...


class RouteLimits:
    """The counting for the routes of LIMITED (fixed windows, as the `limits` library keys them).

    A limited route counts the request under each of its (setting, key) pairs once the hooks before every
    view (session, CSRF, login) have let it through, and refuses it with RateLimited as soon as one count
    passes its limit; what is left of the nearest limit goes out in the X-RateLimit headers."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.storage = cast(Counts, storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))
        self.prefix = str(app.config["RATELIMIT_KEY_PREFIX"])

    def wrap(self, endpoint: str, view: Callable[..., Any]) -> Callable[..., Any]:
        pairs, methods = LIMITED[endpoint]

        @functools.wraps(view)
        def counted(*args: Any, **kwargs: Any) -> Any:
            if self.app.config["RATELIMIT_ENABLED"] and (methods is None or request.method in methods):
                self.count(endpoint, pairs)
            return view(*args, **kwargs)

        return counted

    def count(self, endpoint: str, pairs: tuple[tuple[str, Callable[[], str]], ...]) -> None:
        nearest: tuple[int, int, str] | None = None  # (remaining, limit, storage key)
        for setting, identify in pairs:
            identity = identify()
            for item in _parsed(str(self.app.config[setting])):
                key = item.key_for(self.prefix, identity, endpoint)
                counted = self.storage.incr(key, item.get_expiry())
                if counted > item.amount:
                    raise RateLimited(self.storage.get_expiry(key))
                if nearest is None or item.amount - counted < nearest[0]:
                    nearest = (item.amount - counted, item.amount, key)
        g.rate_limit = nearest

    def add_headers(self, response: Response) -> Response:
        nearest = g.pop("rate_limit", None)
        if nearest is not None:
            remaining, amount, key = nearest
            response.headers["X-RateLimit-Limit"] = str(amount)
            response.headers["X-RateLimit-Remaining"] = str(remaining)
            response.headers["X-RateLimit-Reset"] = str(int(self.storage.get_expiry(key)))
        return response


def limiter_of(app: Flask) -> RouteLimits:
    """The app's own limits: one per app (each keeps its storage)."""
    found: RouteLimits = app.extensions["roadmap_limits"]
    return found


def _refused(error: RateLimited) -> tuple[str | Response, int]:
    seconds = max(1, math.ceil(error.reset_at - time.time()))
    message = _("Too many requests. Please wait %(seconds)d seconds and try again.", seconds=seconds)
    wants_json = (
        request.path.startswith("/api/")
        or request.is_json
        or request.accept_mimetypes.best == ("application/json")
    )
    view = current_app.view_functions.get(request.endpoint or "")
    if wants_json or getattr(view, "json_only", False):
        body: dict[str, Any]
        if request.path.startswith("/api/"):
            body = {"error": {"code": "rate_limited", "message": message, "retry_after": seconds}}
        else:
            body = {"status": "rate_limited", "message": message, "retry_after": seconds}
        response = jsonify(body)
    else:
        response = current_app.make_response(
            render_template("errors/error.html", status=429, message=message)
        )
    response.headers["Retry-After"] = str(seconds)
    return response, 429


def init_app(app: Flask) -> None:
    """Wrap the limited views (after the blueprints are registered: by endpoint, from the table)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "process://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "roadmap-limits")
    counting = RouteLimits(app)
    app.extensions["roadmap_limits"] = counting
    for endpoint in LIMITED:
        app.view_functions[endpoint] = counting.wrap(endpoint, app.view_functions[endpoint])
    app.after_request(counting.add_headers)
    app.register_error_handler(RateLimited, _refused)
