"""The progress report's documents (issue 22): its one model (roadmap.services.reporting.progress) laid out as
a PDF and as a Word document, with the official report's building blocks — the same print stylesheet, layout
table, fonts, fetcher and bounded render process for the PDF (roadmap.services.reporting.pdf), the same
Decree 30 first page and signature block (templates/report/_blocks.html; `docx.Layout`), so both documents
of the reporting package look alike and a change to a block changes both.

Rendered on demand: the document is short (a table and a few lines per initiative), and what it shows
changes with every progress update.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale

from roadmap.models import Assessment
from roadmap.services.reporting import docx, pdf, progress
from roadmap.services.reporting import model as report_model
from roadmap.services.reporting.progress import Period, ProgressData

log = logging.getLogger("roadmap.reports")


def html_for(data: ProgressData) -> tuple[str, str]:
    """The progress report's HTML and the official report's print CSS, in the report's own language."""
    layout = pdf.LAYOUT[data.locale]
    with force_locale(data.locale):
        css = render_template("report/report.css", layout=layout, asset_base=pdf.ASSET_BASE)
        html = render_template(
            "report/progress.html",
            report=data,
            layout=layout,
            decree30=report_model.DECREE30_TEXT,
            summary=progress.DECREE30_SUMMARY,
        )
    return html, css


def render_pdf(data: ProgressData) -> bytes:
    """The PDF, in the bounded render process of the official report (pdf.RenderFailed when stopped)."""
    html, css = html_for(data)
    rendered = pdf.render(html, css, pdf.limits())
    if rendered.refused:  # never expected: the templates reference only packaged assets
        log.warning("progress report %s: the fetcher refused %s", data.assessment_id, rendered.refused)
    return rendered.pdf


class _ProgressWriter(docx.Layout):
    def write(self) -> docx.DocumentObject:
        r, w = self.r, self.w
        self._setup()
        self._first_page(progress.DECREE30_SUMMARY, r.period_label)
        self._heading(w.overview, 1)
        for line in r.about:
            self._para(line)
        self._table(w.count_columns, r.counts)
        self._para(r.delivery)
        self._para(r.standing)
        self._heading(w.initiatives, 1)
        if r.initiatives:
            self._table(w.columns, [item.cells for item in r.initiatives], size=docx.SMALL_PT)
        else:
            self._para(w.no_initiative)
        self._heading(w.details, 2)
        for item in r.initiatives:
            self._heading(item.heading, 3)
            self._facts([(fact.label, fact.value) for fact in item.facts])
        self._heading(w.attention, 1)
        for heading, lines, none in (
            (w.late, r.late, w.no_late),
            (w.blocked, r.blocked, w.no_blocked),
            (w.at_risk, r.at_risk, w.no_at_risk),
        ):
            self._heading(heading, 2)
            for line in lines:
                self._bullet(line, docx.SMALL_PT)
            if not lines:
                self._para(none)
        self._signature()
        return self.doc


def render_docx(data: ProgressData) -> bytes:
    document = _ProgressWriter(data).write()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class ProgressFormat:
    kind: str
    mimetype: str
    render: Callable[[ProgressData], bytes]


FORMATS: dict[str, ProgressFormat] = {
    "pdf": ProgressFormat("pdf", pdf.MIME_TYPE, render_pdf),
    "docx": ProgressFormat("docx", docx.MIME_TYPE, render_docx),
}


def render(
    assessment: Assessment, period: Period, kind: str, locale: str, *, today: dt.date | None = None
) -> bytes:
    """The progress report in one format and language: the model built once, then laid out."""
    report_model.check_locale(locale)
    with force_locale(locale):
        data = progress.build(assessment, period, today=today)
        return FORMATS[kind].render(data)
