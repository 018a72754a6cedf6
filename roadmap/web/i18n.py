"""Language choice and locale-aware formatting (Flask-Babel)."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale
from flask_login import current_user

from roadmap.extensions import babel

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def select_locale() -> str:
    """The user's saved choice, else the session's (anonymous pages), else the service default."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        # The command line and background jobs speak the service's default language.
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in languages:
        return str(chosen)
    # A forced query parameter is handy for links in e-mails; it is not remembered.
    asked = request.args.get("lang")
    if asked in languages:
        return str(asked)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path) + "/translations",
    )
    app.jinja_env.globals.update(
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
        format_percent=format_percent,
        get_locale=get_locale,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
