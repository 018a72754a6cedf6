"""Every reviewed report of a cycle as PDF files, rendered by a pool of processes (one per core by default).

Workers are forked from the command's process: each drops the inherited database connections, opens its own,
and renders one assessment at a time with the same bounds as the web (time and memory limits per render).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import REVIEWED_STATUSES, Assessment, Cycle
from roadmap.services.reporting import model as report_model
from roadmap.services.reporting import pdf as report_pdf


@dataclass(frozen=True)
class BatchItem:
    assessment_id: int
    path: str  # "" when the render failed
    error: str  # "" when it worked
    seconds: float


def reviewed_assessments(cycle: Cycle) -> list[int]:
    return list(
        db.session.scalars(
            select(Assessment.id)
            .where(Assessment.cycle_id == cycle.id, Assessment.status.in_(REVIEWED_STATUSES))
            .order_by(Assessment.id)
        )
    )


_APP: Flask | None = None


def _start_worker(app: Flask) -> None:
    global _APP
    _APP = app
    with app.app_context():
        db.engine.dispose(close=False)  # the parent's connections stay the parent's


def _render_one(job: tuple[int, str, str]) -> BatchItem:
    assessment_id, locale, out_dir = job
    if _APP is None:
        raise RuntimeError("the worker was not started by render_all")
    started = time.perf_counter()
    with _APP.app_context():
        try:
            assessment = db.session.get(Assessment, assessment_id)
            if assessment is None:
                return BatchItem(assessment_id, "", "not found", 0.0)
            rendered = report_pdf.render_assessment(assessment, locale)
            path = Path(out_dir) / report_model.filename_for(assessment, locale, "pdf")
            path.write_bytes(rendered.pdf)
            return BatchItem(assessment_id, str(path), "", time.perf_counter() - started)
        except report_pdf.RenderFailed as error:
            return BatchItem(assessment_id, "", f"{error.reason} {error.detail}".strip(), 0.0)
        finally:
            db.session.remove()


def render_all(ids: list[int], locale: str, out_dir: Path, processes: int | None = None) -> list[BatchItem]:
    """Render the assessments' reports into `out_dir` with a pool of `processes` (default: the cores)."""
    report_model.check_locale(locale)
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = max(1, processes or os.cpu_count() or 1)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    jobs = [(assessment_id, locale, str(out_dir)) for assessment_id in ids]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(app,)) as pool:
        return list(pool.map(_render_one, jobs))
