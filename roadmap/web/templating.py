"""What every template may use: labels for stored codes, the policy (to show only what the user may use) and
the `do` statement for the form macros."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from forms.admin import OFFICE_KIND_LABELS, ROLE_LABELS
from roadmap.engine.text import scrub
from roadmap.models import CycleStatus
from roadmap.policy import Action, permits

CYCLE_STATUS_LABELS = {CycleStatus.OPEN: _l("Open"), CycleStatus.CLOSED: _l("Closed")}


# One form per locale for every date and time on the screens (in the user's time zone), so that a page never
# shows "1 thg 1, 2026" beside "01:49 5/12/26": Vietnamese administrative usage is day/month/year with a
# 24-hour clock; English spells the month, which no reader misreads.
DATE_FORMATS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
DATETIME_FORMATS = {"vi": "HH:mm dd/MM/yyyy", "en": "d MMM yyyy, HH:mm"}


def _locale() -> str:
    return str(get_locale() or "vi")


def local_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    return str(format_date(value, DATE_FORMATS.get(_locale(), DATE_FORMATS["vi"])))


def local_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return str(format_datetime(value, DATETIME_FORMATS.get(_locale(), DATETIME_FORMATS["vi"])))


def _label(table: dict, code: str) -> str:  # type: ignore[type-arg]
    for key, label in table.items():
        if key.value == code:
            return str(label)
    return code


def scrubbed(value: object) -> object:
    """Every value a template writes (the pages and the PDF) without the characters that no output may
    carry: text stored before the text boundary cannot make a page fail to encode (a lone surrogate did)."""
    if isinstance(value, str):
        clean = scrub(value)
        if clean is not value:
            return Markup(clean) if isinstance(value, Markup) else clean  # noqa: S704 (was Markup already)
    return value


def bdi(value: object) -> Markup:
    """User text isolated for the bidirectional algorithm: an override typed into it stays inside."""
    return Markup("<bdi>%s</bdi>") % scrubbed(value if value is not None else "")


def init_app(app: Flask) -> None:
    app.jinja_env.finalize = scrubbed  # before any template is compiled
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters.update(local_date=local_date, local_datetime=local_datetime)
    app.jinja_env.filters["bdi"] = bdi
    app.jinja_env.globals.update(
        role_label=lambda code: _label(ROLE_LABELS, code),
        office_kind_label=lambda code: _label(OFFICE_KIND_LABELS, code),
        cycle_status_label=lambda code: _label(CYCLE_STATUS_LABELS, code),
        permits=permits,
        Action=Action,
    )
