"""The cycle progress board (`/review/progress`): every office of a cycle the viewer may see, where its
survey stands, sorted and filtered; reminders to chosen offices; CSV and XLSX exports of what is shown.
Thin: the figures are roadmap.services.review.progress's, the reminders roadmap.services.review.reminders'.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from forms.review import RemindForm
from roadmap.extensions import db
from roadmap.models import Cycle
from roadmap.policy import Action
from roadmap.services.review import progress, reminders
from roadmap.web.guard import authorize

bp = Blueprint("progress", __name__, url_prefix="/review/progress")

FILTERS = ("status", "q", "sort", "dir")
# Rows per page: a coordinator filters and sorts the whole cycle; a page of a thousand rows helps nobody
# (the exports carry every row).
PAGE_SIZE = 250


def _cycle(cycle_id: int | None) -> tuple[Cycle, list[Cycle]]:
    cycles = list(db.session.scalars(select(Cycle).order_by(Cycle.opens_on.desc())))
    if not cycles:
        abort(404)
    if cycle_id is None:
        return next((c for c in cycles if c.is_open), cycles[0]), cycles
    chosen = next((c for c in cycles if c.id == cycle_id), None)
    if chosen is None:
        abort(404)
    return chosen, cycles


def _rows(cycle: Cycle, args: Any) -> list[progress.OfficeProgress]:
    return progress.board(
        cycle,
        current_user,
        status=args.get("status") or None,
        search=args.get("q") or None,
        sort=args.get("sort") if args.get("sort") in progress.SORTS else "required",
        descending=args.get("dir") == "desc",
    )


@bp.route("")
@login_required
def board() -> str:
    authorize(Action.VIEW_CYCLE_PROGRESS)
    cycle, cycles = _cycle(request.args.get("cycle", type=int))
    every_row = _rows(cycle, request.args)
    pages = max(1, -(-len(every_row) // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = every_row[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    may_remind = {row.office_id for row in rows if row.may_remind and not row.submitted}
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))
    locale = str(get_locale() or "vi")
    statuses = [(value, str(progress.status_label(value))) for value in progress.STATUS_FILTERS]
    return render_template(
        "review/progress.html",
        # Made once for the page (a thousand rows): names of statuses, the assessments' address, the time.
        status_names=dict(statuses),
        overview=url_for("survey.overview", assessment_id=0).rsplit("/", 1)[0],
        percent_sign="\u00a0%" if locale == "vi" else "%",
        local_time=lambda moment: moment.astimezone(zone).strftime("%d/%m/%Y %H:%M"),
        cycle=cycle,
        cycles=cycles,
        rows=rows,
        shown=len(every_row),
        page=page,
        pages=pages,
        may_remind=may_remind,
        form=RemindForm(cycle=cycle.id),
        filters={name: request.args.get(name, "") for name in FILTERS},
        statuses=statuses,
        sorts=progress.SORTS,
        locale=locale,
    )


@bp.route("/remind", methods=["POST"])
@login_required
def remind() -> Response:
    """Remind the ticked offices now (each at most once a day; only those the user may remind)."""
    authorize(Action.VIEW_CYCLE_PROGRESS)
    form = RemindForm()
    if not form.validate_on_submit() or not (form.cycle.data or "").isdigit():
        abort(400)
    cycle, _cycles = _cycle(int(form.cycle.data))
    chosen = request.form.getlist("office", type=int)
    back = {name: request.form.get(name) for name in FILTERS if request.form.get(name)}
    if not chosen:
        flash(_("Tick the offices to remind first."), "error")
        return redirect(url_for("progress.board", cycle=cycle.id, **back))
    outcome = reminders.remind_from_board(cycle, chosen, actor=current_user)
    if outcome.reminded:
        flash(_("%(n)d office(s) reminded of the deadline.", n=len(outcome.reminded)), "success")
    if outcome.already_today:
        flash(
            _("%(n)d office(s) had already been reminded today: not again.", n=len(outcome.already_today)),
            "info",
        )
    if outcome.not_due:
        flash(
            _("%(n)d office(s) skipped: submitted, or not yours to remind.", n=len(outcome.not_due)), "info"
        )
    return redirect(url_for("progress.board", cycle=cycle.id, **back))


@bp.route("/export.<any(csv, xlsx):fmt>")
@login_required
def export(fmt: str) -> Response:
    """What the board shows, with its filters and order, as CSV or XLSX."""
    authorize(Action.VIEW_CYCLE_PROGRESS)
    cycle, _cycles = _cycle(request.args.get("cycle", type=int))
    rows = _rows(cycle, request.args)
    locale = str(get_locale() or "vi")
    if fmt == "csv":
        body, mimetype = progress.export_csv(rows, locale), "text/csv; charset=utf-8"
    else:
        body = progress.export_xlsx(rows, locale)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=progress-{cycle.id}.{fmt}"
    response.headers["Cache-Control"] = "no-store"
    return response
