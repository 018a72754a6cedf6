"""Home, offices and cycles as every role sees them, and the language switch."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from forms.auth import ConfirmForm
from roadmap.extensions import db
from roadmap.models import Assessment, ConsultantAssignment, Cycle, Office, User
from roadmap.policy import Action, permits, visible_offices_query
from roadmap.services.survey import results
from roadmap.services.survey.assessments import EDITABLE
from roadmap.services.survey.lifecycle import STATUS_LABELS
from roadmap.web.auth import safe_next
from roadmap.web.guard import authorize, authorized_office

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home() -> str:
    authorize(Action.VIEW_HOME)
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.opens_on.desc())).all()
    offices = db.session.scalars(visible_offices_query(current_user).order_by(Office.code)).all()
    return render_template(
        "main/home.html", cycles=cycles, offices=offices, **_office_entries(current_user.office)
    )


def _office_entries(office: Office | None) -> dict[str, Any]:
    """A representative's way in: the assessments they can continue, with their progress, and the latest
    published result (the first thing an office looks for after a notification)."""
    if office is None or not permits(current_user, Action.EDIT_ASSESSMENT, office):
        return {"continuing": [], "published": None}
    summaries = results.office_assessments(office)
    continuing = [s for s in summaries if s.assessment.status_enum in EDITABLE]
    published = next((s.assessment for s in summaries if s.assessment.status == "published"), None)
    return {"continuing": continuing, "published": published}


@bp.route("/offices")
@login_required
def offices() -> str:
    authorize(Action.LIST_OFFICES)
    rows = db.session.scalars(visible_offices_query(current_user).order_by(Office.code)).all()
    return render_template("main/offices.html", offices=rows)


@bp.route("/offices/<int:office_id>")
@login_required
def office(office_id: int) -> str:
    office = authorized_office(office_id)
    respondents = db.session.scalars(
        select(User).where(User.office_id == office.id, User.active.is_(True)).order_by(User.full_name)
    ).all()
    consultants = db.session.scalars(
        select(User)
        .join(ConsultantAssignment, ConsultantAssignment.consultant_id == User.id)
        .where(ConsultantAssignment.office_id == office.id)
        .order_by(User.full_name)
    ).all()
    assessments = db.session.scalars(
        select(Assessment)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(Assessment.office_id == office.id)
        .order_by(Cycle.opens_on.desc())
    ).all()
    return render_template(
        "main/office.html",
        office=office,
        respondents=respondents,
        consultants=consultants,
        assessments=[(a, permits(current_user, Action.VIEW_ROADMAP, a)) for a in assessments],
        status_labels=STATUS_LABELS,
    )


@bp.route("/cycles")
@login_required
def cycles() -> str:
    authorize(Action.LIST_CYCLES)
    rows = db.session.scalars(select(Cycle).order_by(Cycle.opens_on.desc())).all()
    return render_template("main/cycles.html", cycles=rows)


@bp.route("/locale/<code>", methods=["POST"])
def set_locale(code: str) -> Response:
    """Remember the language: on the account when logged in, in the session otherwise."""
    form = ConfirmForm()
    if form.validate_on_submit() and code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))
