"""The service's clock: today where the service runs (ROADMAP_TIMEZONE), the one day that deadlines passed
and dates not yet come are judged against."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def local_today() -> dt.date:
    """Today in the service's time zone (UTC outside an application context)."""
    zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC") if has_app_context() else "UTC"
    return dt.datetime.now(ZoneInfo(zone)).date()
