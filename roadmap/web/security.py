"""Sessions, the user loader and the headers every response carries."""

from __future__ import annotations

import time

from flask import (
    Flask,
    Request,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response as BaseResponse

from roadmap.engine.text import ForbiddenCharacter, normalise, normalise_tree, texts_of
from roadmap.extensions import login_manager
from roadmap.models import User
from roadmap.policy import second_factor_pending
from roadmap.services.directory import second_factor
from roadmap.services.platform import notifications
from roadmap.services.platform.text import refusal
from roadmap.web.guard import MAX_ID, get_by_id

# No inline script or style anywhere: everything the pages need comes from static/.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


# How stale the idle clock may be: the idle limit is counted in minutes.
SEEN_AT_GRANULARITY_SECONDS = 60


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Accept a session only while it carries the user's current session version."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit() or not 0 < int(user_id) <= MAX_ID:
        return None
    if _renders_page():
        # The page shows the unread count in its navigation: read with the user, in the same statement.
        user, g.unread_count = notifications.user_with_unread_count(int(user_id))
    else:
        user = get_by_id(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    # Signed in by password only (the code is still to come), or out of time to enrol: the policy grants
    # such a user nothing, and _require_second_factor leads them to the one page they may use.
    user.second_factor_pending = bool(session.get(SECOND_FACTOR_PENDING)) or second_factor.enrolment_overdue(
        user
    )
    return user


def _renders_page() -> bool:
    """Whether this request is likely to answer with a page (a GET of a view that is not the page script's
    JSON or the API): its navigation shows the user's unread notifications."""
    if request.method != "GET" or request.blueprint == "api":
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return view is not None and not getattr(view, "json_only", False)


def unread_count() -> int:
    """The signed-in user's unread notifications, counted once a request (with the user, for a page).
    Marking them read is a POST that redirects: no page of the same request shows an older count."""
    if "unread_count" not in g:
        g.unread_count = notifications.unread_count(current_user) if current_user.is_authenticated else 0
    return int(g.unread_count)


# In the session between the password and the code of a user with a second factor.
SECOND_FACTOR_PENDING = "second_factor_pending"
# What a user whose second factor is pending may still reach, besides the code or the enrolment page.
SECOND_FACTOR_OPEN = {"auth.logout", "static", "main.set_locale", "health.healthz", "health.readyz"}


def _require_second_factor() -> BaseResponse | tuple[BaseResponse, int] | None:
    if _token_request() or _static_request():
        return None
    if not current_user.is_authenticated or not second_factor_pending(current_user):
        return None
    page = "auth.second_factor" if session.get(SECOND_FACTOR_PENDING) else "auth.enrol_second_factor"
    if request.endpoint == page or request.endpoint in SECOND_FACTOR_OPEN:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    json_only = getattr(view, "json_only", False)  # the page script's endpoints (survey.json_login_required)
    if (
        json_only
        or request.blueprint == "api"
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    ):
        message = _l("Please finish signing in with your second factor.")
        return jsonify({"status": "second_factor", "message": str(message)}), 401
    return redirect(url_for(page, next=request.full_path if request.method == "GET" else None))


def start_session() -> None:
    """Called right after a successful login: timestamps for the idle and absolute limits."""
    now = int(time.time())
    session["login_at"] = now
    session["seen_at"] = now
    session.permanent = True


def _token_request() -> bool:
    """A JSON API request carrying a token: no session is read, refreshed or made for it."""
    return request.blueprint == "api" and "Authorization" in request.headers


def _static_request() -> bool:
    """A static file (styles, scripts, fonts): public, the same for everyone, and five or more a page. The
    session's checks neither protect nor change anything there, and would load the user from the database
    for each of them."""
    return request.endpoint == "static"


def _enforce_session_limits() -> BaseResponse | None:
    if _token_request() or _static_request() or not current_user.is_authenticated:
        return None
    now = int(time.time())
    idle_limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
    absolute_limit = current_app.config["SESSION_MAX_HOURS"] * 3600
    login_at = session.get("login_at", 0)
    seen_at = session.get("seen_at", 0)
    if now - seen_at > idle_limit or now - login_at > absolute_limit:
        logout_user()
        session.clear()
        if request.blueprint == "api":
            return None  # the API answers an anonymous caller itself (401, in JSON)
        flash(_l("Your session has expired. Please log in again."), "warning")
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    # Activity is noted to the minute: a changed session is a re-signed cookie, and autosave sends requests
    # by the second. (Static files never get here: they do not count as activity.)
    if now - seen_at >= SEEN_AT_GRANULARITY_SECONDS:
        session["seen_at"] = now
    return None


def _force_password_change() -> BaseResponse | None:
    allowed = {
        "auth.change_password",
        "auth.logout",
        "static",
        "main.set_locale",
        "health.healthz",
        "health.readyz",
    }
    if request.blueprint == "api" or _static_request():
        return None  # the API refuses such a session itself (in JSON)
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in allowed
    ):
        flash(_l("Please choose a new password before you continue."), "warning")
        return redirect(url_for("auth.change_password"))
    return None


# The routes that receive files may take the whole MAX_CONTENT_LENGTH; every other one much less.
UPLOAD_ENDPOINTS = {
    "survey.upload_files",
    "survey.save_section",
    "signing.verify",
    "signing.appearance",
    "api.verify_report",
}


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: no larger than an id column holds (2^31 − 1), so that a huge id in an address is
    a plain 404 at routing instead of a database error (a fuzzing finding: it was a server error)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


class LimitedRequest(Request):
    """A request whose body limit depends on its route, known from URL matching, before anything (the CSRF
    check included) reads the body: larger than the limit is refused with 413."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None:
            return self._max_content_length
        if not current_app:
            return None
        config = current_app.config
        if self.endpoint in UPLOAD_ENDPOINTS:
            return int(config["MAX_CONTENT_LENGTH"])
        return int(config["MAX_JSON_BYTES"] if self.is_json else config["MAX_FORM_BYTES"])

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def _contains_nul(value: object) -> bool:
    return any("\x00" in text for _, text in texts_of(value))


# The names of the JSON fields that people type into, as the page labels them.
JSON_FIELD_LABELS = {
    "value": _l("Answer"),
    "note": _l("Note"),
    "document_number": _l("Document number"),
    "text": _l("Text"),
    "reason": _l("Reason"),
    "justification": _l("Justification"),
    "name": _l("Name"),
}


def _refusal(problem: ForbiddenCharacter) -> BaseResponse | tuple[BaseResponse, int]:
    name = problem.path.rsplit(".", 1)[-1] or problem.path
    message = refusal(JSON_FIELD_LABELS.get(name, problem.path or name), problem)
    if request.is_json or request.accept_mimetypes.best == "application/json":
        body: dict[str, object] = {"status": "invalid", "field": problem.path, "message": str(message)}
        payload = request.get_json(silent=True)
        if isinstance(payload, dict) and isinstance(payload.get("question"), str):
            body["question"] = payload["question"][:64]
        return jsonify(body), 400
    return abort(400, description=str(message))


def _text_boundary() -> BaseResponse | tuple[BaseResponse, int] | None:
    """Every text a request carries outside a form passes the one text boundary (roadmap.engine.text) before
    any view sees it: a JSON body is refused (400, naming the field) or replaced by its NFC form; so are the
    query's parameters and the uploads' names. Forms are checked field by field, beside their fields
    (forms.BoundaryForm, the services); here only NUL, which PostgreSQL cannot store, is refused for them."""
    try:
        for name, value in request.args.items(multi=True):
            normalise(value, name)
        for upload in request.files.values():
            normalise(upload.filename or "", "files")
        if request.is_json:
            payload = request.get_json(silent=True)
            if payload is not None:
                clean = normalise_tree(payload)
                request._cached_json = (clean, clean)  # what every later get_json() returns
    except ForbiddenCharacter as problem:
        return _refusal(problem)
    if _contains_nul(list(request.form.listvalues())):
        message = _l("The text contains a character that cannot be saved. Remove it and try again.")
        return abort(400, description=str(message))
    return None


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint != "static":
        # Pages show an office's weaknesses: no shared or back-button cache of them.
        response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    # "strong" would drop the session on an address change, which mobile office networks do often;
    # session versions and the idle limit protect us instead.
    login_manager.session_protection = "basic"
    app.permanent_session_lifetime = app.config["SESSION_MAX_HOURS"] * 3600
    # The cookie already lasts the absolute limit, and the limits are kept inside it: an unchanged session
    # needs no new cookie on every response.
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    app.request_class = LimitedRequest
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.before_request(_text_boundary)
    app.before_request(_enforce_session_limits)
    app.before_request(_require_second_factor)
    app.before_request(_force_password_change)
    app.after_request(_security_headers)
