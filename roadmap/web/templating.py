"""What every template may use: labels for stored codes, the policy (to show only what the user may use) and
the `do` statement for the form macros."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from forms.admin import OFFICE_KIND_LABELS, ROLE_LABELS
from roadmap.models import CycleStatus
from roadmap.policy import Action, permits

CYCLE_STATUS_LABELS = {CycleStatus.OPEN: _l("Open"), CycleStatus.CLOSED: _l("Closed")}


def _label(table: dict, code: str) -> str:  # type: ignore[type-arg]
    for key, label in table.items():
        if key.value == code:
            return str(label)
    return code


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        role_label=lambda code: _label(ROLE_LABELS, code),
        office_kind_label=lambda code: _label(OFFICE_KIND_LABELS, code),
        cycle_status_label=lambda code: _label(CYCLE_STATUS_LABELS, code),
        permits=permits,
        Action=Action,
    )
