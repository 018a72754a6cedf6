"""The document formats of the official report, each a layout of the one report model.

A format is its extension (the download's address `/assessments/<id>/report.<kind>`, the cache's kind, the
job kind `report-<kind>`), its file type, the title of its background job, the version of its layout (part
of the cache key) and a renderer `ReportData -> bytes`. The download route, the report cache, the jobs and
the file names read this table; adding a format is writing its renderer and adding a row here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask_babel import force_locale

from roadmap import charts
from roadmap.models import Assessment
from roadmap.services.platform.jobs import N_
from roadmap.services.reporting import docx, model, pdf


@dataclass(frozen=True)
class ReportFormat:
    kind: str
    mimetype: str
    job_title: str  # an English msgid, translated when shown
    layout_version: str
    render: Callable[[model.ReportData], bytes]  # may raise pdf.RenderFailed


def _digest(*paths: str) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]


# What every format shows: a change of the model or of the charts renders every format anew.
MODEL_VERSION = _digest(model.__file__, charts.__file__)

FORMATS: dict[str, ReportFormat] = {
    "pdf": ReportFormat(
        "pdf", pdf.MIME_TYPE, N_("Report (PDF)"), f"{MODEL_VERSION}-{pdf.TEMPLATE_VERSION}", pdf.render_report
    ),
    "docx": ReportFormat(
        "docx",
        docx.MIME_TYPE,
        N_("Report (Word)"),
        f"{MODEL_VERSION}-{docx.TEMPLATE_VERSION}",
        docx.render_report,
    ),
}


def render(assessment: Assessment, kind: str, locale: str, *, today: dt.date | None = None) -> bytes:
    """The report of the assessment in one format and language: the model built once, then laid out."""
    model.check_locale(locale)
    with force_locale(locale):
        data = model.build(assessment, today=today)
        return FORMATS[kind].render(data)


def filename(assessment: Assessment, kind: str, locale: str) -> str:
    return model.filename_for(assessment, locale, kind)
