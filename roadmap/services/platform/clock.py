"""The service's clock: today where the service runs (ROADMAP_TIMEZONE), the one day that deadlines passed
and dates not yet come are judged against."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC") if has_app_context() else "UTC")


def local_today() -> dt.date:
    """Today in the service's time zone (UTC outside an application context)."""
    return dt.datetime.now(_zone()).date()


def local_date(moment: dt.datetime) -> dt.date:
    """The day a moment falls on where the service runs: an edit made at 23:30 UTC on 4 December is dated 5
    December in Hà Nội, as the report's date line is. A naive moment is taken as UTC (how it is stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(_zone()).date()
