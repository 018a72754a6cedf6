"""Administration: offices, users, assignments, cycles, framework versions, report settings, the audit log."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from forms import attach_problems
from forms.admin import (
    AssignmentForm,
    CycleForm,
    CycleRemindersForm,
    FrameworkImportForm,
    FrameworkUploadForm,
    OfficeForm,
    ReportSettingsForm,
    UserForm,
)
from forms.auth import ConfirmForm
from forms.notifications import email_choices_form, field_name
from roadmap.engine.diff import ChangeKind, Part
from roadmap.engine.loader import FrameworkError
from roadmap.extensions import db
from roadmap.models import ConsultantAssignment, Cycle, CycleStatus, FrameworkVersion, Office, User
from roadmap.policy import ASSIGNABLE_ROLES, Action
from roadmap.services import Invalid
from roadmap.services.directory import accounts, cycles, offices, second_factor
from roadmap.services.directory.accounts import UserDetails
from roadmap.services.directory.cycles import CycleDetails
from roadmap.services.directory.offices import OfficeDetails
from roadmap.services.platform import audit, notifications
from roadmap.services.platform.clock import local_today
from roadmap.services.reporting import jobs as report_jobs
from roadmap.services.reporting import settings as report_settings
from roadmap.services.survey import frameworks
from roadmap.services.survey.assessments import current_framework_version
from roadmap.web.guard import authorize

bp = Blueprint("admin", __name__)

AUDIT_PAGE_SIZE = 50
# An export is for a period or a question at hand; a filter narrows it, the limit keeps memory bounded.
AUDIT_EXPORT_LIMIT = 100_000


T = TypeVar("T")


def _get_or_404(model: type[T], object_id: int) -> T:
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


# --- offices -------------------------------------------------------------------------------------


@bp.route("/offices")
@login_required
def offices_list() -> str:
    authorize(Action.MANAGE_OFFICES)
    rows = db.session.scalars(select(Office).order_by(Office.code)).all()
    return render_template("admin/offices.html", offices=rows, confirm=ConfirmForm())


def _office_details(form: OfficeForm) -> OfficeDetails:
    return OfficeDetails(
        code=form.code.data or "",
        name_vi=form.name_vi.data or "",
        name_en=form.name_en.data or "",
        kind=form.kind.data or "",
        parent_code=form.parent_code.data or None,
    )


@bp.route("/offices/new", methods=["GET", "POST"])
@login_required
def office_new() -> str | Response:
    authorize(Action.MANAGE_OFFICES)
    form = OfficeForm()
    if form.validate_on_submit():
        try:
            office = offices.create_office(_office_details(form), actor=current_user)
        except Invalid as error:
            attach_problems(form, error)
        else:
            flash(_("Office %(code)s created.", code=office.code), "success")
            return redirect(url_for("admin.offices_list"))
    return render_template("admin/office_form.html", form=form, office=None)


@bp.route("/offices/<int:office_id>/edit", methods=["GET", "POST"])
@login_required
def office_edit(office_id: int) -> str | Response:
    authorize(Action.MANAGE_OFFICES)
    office = _get_or_404(Office, office_id)
    form = OfficeForm(obj=office)
    if request.method == "GET":
        form.parent_code.data = office.parent.code if office.parent else ""
    if form.validate_on_submit():
        try:
            offices.update_office(office, _office_details(form), actor=current_user)
        except Invalid as error:
            db.session.rollback()
            attach_problems(form, error)
        else:
            flash(_("Office %(code)s saved.", code=office.code), "success")
            return redirect(url_for("admin.offices_list"))
    return render_template("admin/office_form.html", form=form, office=office)


@bp.route("/offices/<int:office_id>/active", methods=["POST"])
@login_required
def office_toggle(office_id: int) -> Response:
    authorize(Action.MANAGE_OFFICES)
    office = _get_or_404(Office, office_id)
    if ConfirmForm().validate_on_submit():
        offices.set_office_active(office, not office.active, actor=current_user)
        flash(_("Office %(code)s updated.", code=office.code), "success")
    return redirect(url_for("admin.offices_list"))


# --- users ---------------------------------------------------------------------------------------


@bp.route("/users")
@login_required
def users_list() -> str:
    authorize(Action.MANAGE_USERS)
    rows = db.session.scalars(
        select(User).options(joinedload(User.office)).order_by(User.role, User.email)
    ).all()
    return render_template("admin/users.html", users=rows, confirm=ConfirmForm())


def _user_details(form: UserForm) -> UserDetails:
    return UserDetails(
        email=form.email.data or "",
        full_name=form.full_name.data or "",
        role=form.role.data or "",
        office_code=(form.office_code.data or "").strip() or None,
        locale=form.locale.data or "vi",
    )


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def user_new() -> str | Response:
    authorize(Action.MANAGE_USERS)
    form = UserForm()
    if form.validate_on_submit():
        try:
            user, password = accounts.create_user(_user_details(form), None, actor=current_user)
        except Invalid as error:
            db.session.rollback()
            attach_problems(form, error)
        else:
            second_factor.require_for(user, bool(form.second_factor_required.data), actor=current_user)
            return render_template("admin/one_time_password.html", user=user, password=password, created=True)
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
def user_edit(user_id: int) -> str | Response:
    authorize(Action.MANAGE_USERS)
    user = _get_or_404(User, user_id)
    form = UserForm(obj=user)
    if request.method == "GET":
        form.office_code.data = user.office.code if user.office else ""
    if form.validate_on_submit():
        try:
            accounts.update_user(user, _user_details(form), actor=current_user)
        except Invalid as error:
            db.session.rollback()
            attach_problems(form, error)
        else:
            second_factor.require_for(user, bool(form.second_factor_required.data), actor=current_user)
            flash(_("Account %(email)s saved.", email=user.email), "success")
            return redirect(url_for("admin.users_list"))
    return render_template("admin/user_form.html", form=form, user=user, confirm=ConfirmForm())


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@login_required
def user_toggle(user_id: int) -> Response:
    authorize(Action.MANAGE_USERS)
    user = _get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        try:
            accounts.set_active(user, not user.active, actor=current_user)
        except Invalid as error:
            for problem in error.problems:
                flash(str(problem.message), "danger")
        else:
            flash(_("Account %(email)s updated.", email=user.email), "success")
    return redirect(url_for("admin.users_list"))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@login_required
def user_reset_password(user_id: int) -> str | Response:
    authorize(Action.MANAGE_USERS)
    user = _get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.users_list"))
    password = accounts.reset_password(user, actor=current_user)
    return render_template("admin/one_time_password.html", user=user, password=password, created=False)


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
@login_required
def user_reset_second_factor(user_id: int) -> Response:
    """A lost phone: the user's second factor is removed (audited); they enrol again at their next login."""
    authorize(Action.MANAGE_USERS)
    user = _get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        second_factor.reset(user, actor=current_user)
        flash(
            _(
                "Two-factor sign-in of %(email)s reset: they turn it on again at their next login.",
                email=user.email,
            ),
            "success",
        )
    return redirect(url_for("admin.users_list"))


# --- consultant assignments ----------------------------------------------------------------------


@bp.route("/assignments", methods=["GET", "POST"])
@login_required
def assignments() -> str | Response:
    authorize(Action.MANAGE_ASSIGNMENTS)
    form = AssignmentForm()
    consultants = db.session.scalars(
        select(User)
        .where(User.role.in_([role.value for role in ASSIGNABLE_ROLES]), User.active.is_(True))
        .order_by(User.full_name)
    ).all()
    all_offices = db.session.scalars(
        select(Office).where(Office.active.is_(True)).order_by(Office.code)
    ).all()
    form.consultant_id.choices = [SelectChoice(c.id, f"{c.full_name} ({c.email})") for c in consultants]
    form.office_id.choices = [
        SelectChoice(o.id, f"{o.code} — {o.name(str(get_locale()))}") for o in all_offices
    ]
    if form.validate_on_submit():
        consultant = _get_or_404(User, form.consultant_id.data or 0)
        office = _get_or_404(Office, form.office_id.data or 0)
        try:
            offices.assign_consultant(consultant, office, actor=current_user)
        except Invalid as error:
            db.session.rollback()
            attach_problems(form, error)
        else:
            flash(_("Consultant assigned."), "success")
            return redirect(url_for("admin.assignments"))
    rows = db.session.scalars(
        select(ConsultantAssignment)
        .options(joinedload(ConsultantAssignment.consultant), joinedload(ConsultantAssignment.office))
        .join(User, User.id == ConsultantAssignment.consultant_id)
        .join(Office, Office.id == ConsultantAssignment.office_id)
        .order_by(User.full_name, Office.code)
    ).all()
    return render_template("admin/assignments.html", form=form, assignments=rows, confirm=ConfirmForm())


@bp.route("/assignments/<int:assignment_id>/remove", methods=["POST"])
@login_required
def assignment_remove(assignment_id: int) -> Response:
    authorize(Action.MANAGE_ASSIGNMENTS)
    assignment = _get_or_404(ConsultantAssignment, assignment_id)
    if ConfirmForm().validate_on_submit():
        offices.remove_assignment(assignment, actor=current_user)
        flash(_("Assignment removed."), "success")
    return redirect(url_for("admin.assignments"))


# --- cycles --------------------------------------------------------------------------------------


@bp.route("/cycles", methods=["GET", "POST"])
@login_required
def cycles_admin() -> str | Response:
    authorize(Action.MANAGE_CYCLES)
    form = CycleForm()
    locale = str(get_locale())
    form.framework_version.choices = [SelectChoice("", _("— choose a version —"))] + [
        SelectChoice(v.id, f"{v.title(locale)} — {v.framework_key} {v.version}")
        for v in reversed(frameworks.versions())
    ]
    if request.method == "GET":
        latest = current_framework_version()
        form.framework_version.data = latest.id if latest is not None else None
    if form.validate_on_submit():
        details = CycleDetails(
            code=form.code.data or "",
            name_vi=form.name_vi.data or "",
            name_en=form.name_en.data or "",
            opens_on=form.opens_on.data,
            closes_on=form.closes_on.data,
            framework_version_id=form.framework_version.data,
            reminder_days=form.reminder_days.data or "",
            review_reminder_days=form.review_reminder_days.data,
        )
        try:
            cycle = cycles.create_cycle(details, actor=current_user)
        except Invalid as error:
            db.session.rollback()
            attach_problems(form, error)
        else:
            flash(_("Cycle %(code)s created and open.", code=cycle.code), "success")
            return redirect(url_for("admin.cycles_admin"))
    rows = db.session.scalars(
        select(Cycle).options(joinedload(Cycle.framework_version)).order_by(Cycle.opens_on.desc())
    ).all()
    return render_template("admin/cycles.html", form=form, cycles=rows, confirm=ConfirmForm())


@bp.route("/cycles/<int:cycle_id>/<any(open, closed):status>", methods=["POST"])
@login_required
def cycle_status(cycle_id: int, status: str) -> Response:
    authorize(Action.MANAGE_CYCLES)
    cycle = _get_or_404(Cycle, cycle_id)
    if ConfirmForm().validate_on_submit():
        try:
            cycles.set_status(cycle, CycleStatus(status), actor=current_user)
        except Invalid as error:
            db.session.rollback()
            for problem in error.problems:
                flash(str(problem.message), "danger")
            return redirect(url_for("admin.cycles_admin"))
        if status == CycleStatus.OPEN:
            flash(_("Cycle %(code)s is open.", code=cycle.code), "success")
        else:
            flash(_("Cycle %(code)s is closed.", code=cycle.code), "success")
    return redirect(url_for("admin.cycles_admin"))


@bp.route("/cycles/<int:cycle_id>/reminders", methods=["GET", "POST"])
@login_required
def cycle_reminders(cycle_id: int) -> str | Response:
    """When an existing cycle's reminders go: the days before its closing and the days a submission may
    wait for review (what `flask reminders configure` sets)."""
    authorize(Action.MANAGE_CYCLES)
    cycle = _get_or_404(Cycle, cycle_id)
    form = CycleRemindersForm(obj=cycle)
    if form.validate_on_submit():
        try:
            cycles.set_reminders(
                cycle, form.reminder_days.data or "", form.review_reminder_days.data, actor=current_user
            )
        except Invalid as error:
            db.session.rollback()
            attach_problems(form, error)
        else:
            flash(_("Reminders of cycle %(code)s saved.", code=cycle.code), "success")
            return redirect(url_for("admin.cycles_admin"))
    elif request.method == "POST":
        # A number of days that is no number stops the form before the service: the list of days is
        # checked too, so that one answer names everything to correct.
        problems = cycles.reminder_days_problems(form.reminder_days.data or "")
        if problems and not form.reminder_days.errors:
            attach_problems(form, Invalid(*problems))
    return render_template("admin/cycle_reminders.html", form=form, cycle=cycle)


# --- framework versions --------------------------------------------------------------------------------

PART_LABELS = {
    Part.DIMENSION: _l("Dimensions"),
    Part.QUESTION: _l("Questions"),
    Part.OPTION: _l("Options"),
    Part.SCORING: _l("Scoring rules"),
    Part.GATE: _l("Gates"),
    Part.INITIATIVE: _l("Initiatives"),
}
KIND_LABELS = {
    ChangeKind.ADDED: _l("added"),
    ChangeKind.REMOVED: _l("removed"),
    ChangeKind.CHANGED: _l("changed"),
}
# The framework model's field names in words; a field a later format adds is shown by its own name.
FIELD_LABELS = {
    "name": _l("name"),
    "text": _l("text"),
    "label": _l("label"),
    "description": _l("description"),
    "weight": _l("weight"),
    "points": _l("points"),
    "dimension": _l("dimension"),
    "type": _l("question type"),
    "levels": _l("level descriptors"),
    "default_target": _l("default target level"),
    "group": _l("index group"),
    "critical": _l("critical"),
    "required": _l("required"),
    "allow_na": _l("“not applicable” allowed"),
    "allow_dont_know": _l("“don't know” allowed"),
    "show_if": _l("shown if"),
    "evidence_threshold": _l("evidence needed from"),
    "max_level": _l("highest level"),
    "when": _l("condition"),
    "message": _l("message"),
    "bands": _l("level bands"),
    "evidence_discount": _l("evidence discount"),
    "dont_know_points": _l("points of “don't know”"),
    "raises": _l("dimensions raised"),
    "trigger": _l("trigger"),
    "prerequisites": _l("prerequisites"),
    "duration_months": _l("duration (months)"),
    "effort_person_months": _l("effort (person-months)"),
    "cost_class": _l("cost class"),
    "mandatory": _l("mandatory"),
    "deadline": _l("deadline"),
    "exclusive": _l("exclusive"),
    "policy_refs": _l("policy references"),
    "kpis": _l("indicators"),
}
QUESTION_TYPE_LABELS = {
    "single_choice": _l("single choice"),
    "multi_choice": _l("multiple choice"),
    "scale": _l("scale"),
    "yes_no": _l("yes / no"),
    "number": _l("number"),
    "percent": _l("percentage"),
    "text": _l("text"),
    "date": _l("date"),
}


def _frameworks_page(
    form: FrameworkUploadForm, problems: tuple[object, ...] = (), status: int = 200
) -> tuple[str, int]:
    page = render_template(
        "admin/frameworks.html",
        form=form,
        uses=frameworks.usage(),
        problems=problems,
        max_kb=frameworks.MAX_UPLOAD_BYTES // 1024,
    )
    return page, status


@bp.route("/frameworks", methods=["GET", "POST"])
@login_required
def frameworks_admin() -> tuple[str, int] | Response:
    """The stored versions (and the cycles on each) and the upload of a new one: a file with problems is
    answered with every problem and its line, and nothing is kept."""
    authorize(Action.MANAGE_FRAMEWORKS)
    form = FrameworkUploadForm()
    if not form.validate_on_submit():
        return _frameworks_page(form, status=400 if request.method == "POST" else 200)
    upload = form.file.data
    content = upload.stream.read(frameworks.MAX_UPLOAD_BYTES + 1)
    try:
        held = frameworks.hold_upload(content, upload.filename or "upload.yaml")
    except FrameworkError as error:
        return _frameworks_page(form, problems=error.problems, status=400)
    except Invalid as error:
        attach_problems(form, error)
        return _frameworks_page(form, status=400)
    return redirect(url_for("admin.framework_review", key=held.key))


@bp.route("/frameworks/uploads/<key>")
@login_required
def framework_review(key: str) -> str | Response:
    """A valid upload before it is imported: what it is, what changed from a chosen earlier version, and
    its survey as respondents would see it (read only)."""
    authorize(Action.MANAGE_FRAMEWORKS)
    try:
        held = frameworks.held_upload(key)
    except Invalid as error:
        for problem in error.problems:
            flash(str(problem.message), "danger")
        return redirect(url_for("admin.frameworks_admin"))
    framework = held.framework
    stored = list(reversed(frameworks.versions()))
    base_id = request.args.get("base", type=int)
    base = db.session.get(FrameworkVersion, base_id) if base_id else frameworks.default_base(framework)
    changes = frameworks.compare(framework, base) if base is not None else None
    import_form = FrameworkImportForm(fingerprint=framework.fingerprint)
    return render_template(
        "admin/framework_review.html",
        key=key,
        framework=framework,
        stored=stored,
        base=base,
        changes=changes,
        parts=list(Part),
        kinds=list(ChangeKind),
        refusal=frameworks.import_problem(framework),
        import_form=import_form,
        part_labels=PART_LABELS,
        kind_labels=KIND_LABELS,
        field_labels=FIELD_LABELS,
        type_labels=QUESTION_TYPE_LABELS,
    )


@bp.route("/frameworks/uploads/<key>/import", methods=["POST"])
@login_required
def framework_import(key: str) -> Response:
    authorize(Action.MANAGE_FRAMEWORKS)
    form = FrameworkImportForm()
    if not form.validate_on_submit():
        flash(_("The form expired: please try again."), "danger")
        return redirect(url_for("admin.framework_review", key=key))
    try:
        result = frameworks.import_held(key, form.fingerprint.data or "", actor=current_user)
    except (Invalid, FrameworkError) as error:
        db.session.rollback()
        messages = [str(p.message) for p in error.problems] if isinstance(error, Invalid) else [str(error)]
        for message in messages:
            flash(message, "danger")
        return redirect(url_for("admin.framework_review", key=key))
    row = result.version
    if result.created:
        flash(
            _(
                "Framework %(id)s version %(version)s imported. Open cycles keep their own version; "
                "choose this one when you open a cycle.",
                id=row.framework_key,
                version=row.version,
            ),
            "success",
        )
    else:
        flash(_("This version was already imported: nothing changed."), "info")
    return redirect(url_for("admin.frameworks_admin"))


# --- report settings (Decree 30/2020) ------------------------------------------------------------------


@bp.route("/email-defaults", methods=["GET", "POST"])
@login_required
def email_defaults() -> Response | str:
    """Which kinds of notification go by e-mail to users who have not chosen themselves."""
    authorize(Action.MANAGE_EMAIL_DEFAULTS)
    form = email_choices_form(notifications.LABELS, notifications.defaults())
    if form.validate_on_submit():
        choices = form.choices()
        audit.record("email_defaults.saved", actor=current_user, details=choices)
        notifications.set_defaults(choices)
        flash(_("The e-mail defaults have been saved."), "success")
        return redirect(url_for("admin.email_defaults"))
    return render_template(
        "account/notifications.html",
        form=form,
        field_name=field_name,
        heading=_("E-mail defaults"),
        intro=_(
            "For users who have not chosen themselves: which notifications also go by e-mail. "
            "Each user may change their own choices."
        ),
    )


@bp.route("/report-settings", methods=["GET", "POST"])
@login_required
def report_settings_edit() -> str | Response | tuple[str, int]:
    """The official report's issuing body, number pattern, place, signatory and recipients. A rejected
    save keeps what was typed in the form, and the settings in force stay as they were."""
    authorize(Action.MANAGE_REPORT_SETTINGS)
    in_force = report_settings.current()
    form = ReportSettingsForm()
    if request.method == "GET":
        for name in report_settings.TEXT_FIELDS:
            getattr(form, name).data = getattr(in_force, name)
        for name in report_settings.LIST_FIELDS:
            getattr(form, name).data = "\n".join(getattr(in_force, name))
    status = 200
    if form.validate_on_submit():
        posted = report_settings.ReportSettings(
            **{name: getattr(form, name).data or "" for name in report_settings.TEXT_FIELDS},
            **{
                name: tuple((getattr(form, name).data or "").splitlines())
                for name in report_settings.LIST_FIELDS
            },
        )
        try:
            report_settings.save(posted, actor=current_user)
        except Invalid as error:
            db.session.rollback()
            attach_problems(form, error)
            status = 400
        else:
            db.session.commit()
            report_jobs.prerender_all(actor=current_user)  # every report shows the settings
            flash(_("Report settings saved. New reports use them from now on."), "success")
            return redirect(url_for("admin.report_settings_edit"))
    elif request.method == "POST":
        status = 400
    today = local_today()
    example = report_settings.document_number(in_force, seq=1, year=today.year, cycle_code=str(today.year))
    page = render_template(
        "admin/report_settings.html",
        form=form,
        in_force=in_force,
        example_number=example,
        example_date=report_settings.date_line(in_force.place, today),
        example_date_en=report_settings.date_line_en(in_force.place_en, today),
        saved_at=report_settings.saved_at(),
    )
    return (page, status) if status != 200 else page


# --- audit log -----------------------------------------------------------------------------------


def _audit_filter() -> audit.AuditFilter:
    def day(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(request.args.get(name) or "")
        except ValueError:
            return None

    return audit.AuditFilter(
        action=(request.args.get("action") or "").strip(),
        actor=(request.args.get("actor") or "").strip(),
        office_code=(request.args.get("office") or "").strip(),
        since=day("since"),
        until=day("until"),
    )


@bp.route("/audit")
@login_required
def audit_log() -> str:
    authorize(Action.VIEW_AUDIT)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    filters = _audit_filter()
    events = db.paginate(audit.events_query(filters), page=page, per_page=AUDIT_PAGE_SIZE, error_out=False)
    return render_template("admin/audit.html", events=events, filters=filters)


@bp.route("/audit.csv")
@login_required
def audit_export() -> Response:
    authorize(Action.VIEW_AUDIT)
    filters = _audit_filter()
    events = db.session.scalars(audit.events_query(filters).limit(AUDIT_EXPORT_LIMIT))
    body = audit.to_csv(events)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=audit-log.csv"
    response.headers["Cache-Control"] = "no-store"
    return response
