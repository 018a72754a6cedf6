"""The roadmap screens: the roadmap of an assessment (phases, Gantt, initiative cards, trajectory), the
what-if panel, the proposed-vs-approved changes, the consultants' edit tools and the exports.

Views parse, authorise (VIEW_ROADMAP: the office only once published; EDIT_ROADMAP: the consultants),
call roadmap.services.plans.roadmaps and render. Charts are drawn here from the service's values with
roadmap.charts (server-side SVG, labels escaped there); every word comes from roadmap.services.plans.wording.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forms.roadmap import EDIT_FORMS, OFFICE_SIZE_LABELS, PlanningForm, choices, edit_form
from roadmap.engine.overlay import EffectiveItem
from roadmap.models import Assessment, RoadmapEditKind
from roadmap.policy import Action, permits
from roadmap.services import Invalid
from roadmap.services.plans import exports as roadmap_exports
from roadmap.services.plans import roadmaps
from roadmap.services.plans import wording as text
from roadmap.services.plans.figures import gantt_svg, trajectory_svg
from roadmap.services.plans.roadmaps import Conflict, Locked, Roadmap
from roadmap.services.reporting import jobs as report_jobs
from roadmap.services.survey import assessments, lifecycle
from roadmap.web.guard import authorized_assessment

bp = Blueprint("roadmaps", __name__)


def _roadmap_or_404(assessment: Assessment) -> Roadmap:
    roadmap = roadmaps.load(assessment)
    if roadmap is None:
        abort(404)
    return roadmap


# The catalogue's cost classes in words: a bare "S" explains nothing to a reader.
COST_CLASS_LABELS = {
    "S": _l("small (S)"),
    "M": _l("medium (M)"),
    "L": _l("large (L)"),
    "XL": _l("very large (XL)"),
}


def _common(assessment: Assessment) -> dict[str, Any]:
    return {
        "assessment": assessment,
        "can_edit": permits(current_user, Action.EDIT_ROADMAP, assessment),
        "status_labels": lifecycle.STATUS_LABELS,
        "rt": text,
        "quarter_span": quarter_span,
        "cost_class_labels": COST_CLASS_LABELS,
    }


@dataclass(frozen=True)
class LevelRow:
    dimension: str
    name: str
    now: int
    target: int
    approved: list[int]
    proposed: list[int]


def level_rows(roadmap: Roadmap) -> list[LevelRow]:
    locale = text.locale()
    rows = []
    for dimension in roadmap.result.dimensions:
        rows.append(
            LevelRow(
                dimension.code,
                roadmap.framework.dimension(dimension.code).name.get(locale),
                dimension.level,
                dimension.target,
                [p.levels()[dimension.code] for p in roadmap.effective.trajectory],
                [p.levels()[dimension.code] for p in roadmap.plan.trajectory],
            )
        )
    return rows


# --- reading -------------------------------------------------------------------------------------------


@bp.route("/assessments/<int:assessment_id>/roadmap")
@login_required
def page(assessment_id: int) -> str:
    assessment = authorized_assessment(assessment_id, Action.VIEW_ROADMAP)
    roadmap = roadmaps.load(assessment)
    context = _common(assessment)
    if roadmap is not None:
        context.update(
            gantt=gantt_svg(roadmap),
            trajectory=trajectory_svg(roadmap),
            levels=level_rows(roadmap),
            warnings=text.roadmap_warnings(roadmap.framework, roadmap.effective),
        )
    return render_template("roadmap/page.html", roadmap=roadmap, **context)


@bp.route("/assessments/<int:assessment_id>/roadmap/what-if")
@login_required
def what_if(assessment_id: int) -> str:
    """A GET form: tick initiatives, see the levels and index they would give (no script needed)."""
    assessment = authorized_assessment(assessment_id, Action.ANALYSE_ROADMAP)
    roadmap = _roadmap_or_404(assessment)
    if "shown" in request.args:
        ticked = set(request.args.getlist("initiative"))
    else:  # first visit: the whole approved roadmap done
        ticked = {item.code for item in roadmap.effective.counted()}
    projection = roadmap.what_if(ticked)
    in_roadmap = [item for item in roadmap.effective.items if not item.removed]
    listed = {item.code for item in in_roadmap}
    others = [i for i in roadmap.framework.initiatives if i.code not in listed]
    return render_template(
        "roadmap/what_if.html",
        roadmap=roadmap,
        projection=projection,
        ticked=ticked,
        in_roadmap=in_roadmap,
        others=others,
        **_common(assessment),
    )


@bp.route("/assessments/<int:assessment_id>/roadmap/changes")
@login_required
def changes(assessment_id: int) -> str:
    """Proposed vs approved: every edit with its reason, author and date, and what it changed."""
    assessment = authorized_assessment(assessment_id, Action.VIEW_ROADMAP)
    roadmap = _roadmap_or_404(assessment)
    changed = [item for item in roadmap.effective.items if item.changed]
    return render_template("roadmap/changes.html", roadmap=roadmap, changed=changed, **_common(assessment))


def _download(data: bytes, mimetype: str, name: str) -> Response:
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/assessments/<int:assessment_id>/roadmap.csv")
@login_required
def export_csv(assessment_id: int) -> Response:
    roadmap = _roadmap_or_404(authorized_assessment(assessment_id, Action.ANALYSE_ROADMAP))
    return _download(roadmap_exports.to_csv(roadmap), "text/csv", roadmap_exports.filename(roadmap, "csv"))


@bp.route("/assessments/<int:assessment_id>/roadmap.xlsx")
@login_required
def export_xlsx(assessment_id: int) -> Response:
    roadmap = _roadmap_or_404(authorized_assessment(assessment_id, Action.VIEW_ROADMAP))
    return _download(
        roadmap_exports.to_xlsx(roadmap),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        roadmap_exports.filename(roadmap, "xlsx"),
    )


@bp.route("/assessments/<int:assessment_id>/roadmap.json")
@login_required
def export_json(assessment_id: int) -> Response:
    roadmap = _roadmap_or_404(authorized_assessment(assessment_id, Action.ANALYSE_ROADMAP))
    data = json.dumps(roadmap_exports.to_json(roadmap), ensure_ascii=False, indent=2).encode("utf-8")
    return _download(data, "application/json", roadmap_exports.filename(roadmap, "json"))


# --- editing -------------------------------------------------------------------------------------------


def quarter_span(item: EffectiveItem) -> str:
    """'Q1 2027', or 'Q1 2027 to Q2 2027' when it runs over several quarters; '' when not scheduled."""
    if item.removed or not item.placed:
        return ""
    start, end = text.quarter_label(item.start_quarter), text.quarter_label(item.end_quarter)
    return start if start == end else _("%(start)s to %(end)s", start=start, end=end)


def _item_label(roadmap: Roadmap, item: EffectiveItem) -> str:
    """An initiative as the edit lists show it: name, when, and whether the law requires it."""
    parts = [text.initiative_name(roadmap.framework, item.code)]
    if item.removed:
        parts.append(_("removed"))
    else:
        parts.append(quarter_span(item) or _("not scheduled"))
    if item.item.mandatory:
        parts.append(_("mandatory"))
    return " · ".join(parts)


def consequences(roadmap: Roadmap, code: str | None) -> list[str]:
    """What a change left to look at for one initiative: its own warnings (a prerequisite not finished, a
    deadline missed) and those of the phase it now sits in (over capacity), shown where it was made."""
    if not code or not roadmap.effective.has(code):
        return []
    item = roadmap.effective.item(code)
    found = text.item_warnings(roadmap.framework, item)
    found.extend(
        text.phase_warning(phase)
        for phase in roadmap.effective.phases
        if phase.over_capacity and phase.index == item.phase
    )
    return found


def _bind(form: Any, kind: str, roadmap: Roadmap) -> None:
    """The choices that depend on the roadmap, and the version the page shows."""
    locale = text.locale()
    name = lambda code: text.initiative_name(roadmap.framework, code)  # noqa: E731
    label = {item.code: _item_label(roadmap, item) for item in roadmap.effective.items}
    present = [item.code for item in roadmap.effective.items if not item.removed]
    if kind == "add":
        offered = [
            i.code
            for i in assessments.framework_of(roadmap.assessment).initiatives
            if not roadmap.effective.has(i.code) or roadmap.effective.item(i.code).removed
        ]
        form.initiative.choices = choices((code, name(code)) for code in offered)
    elif kind == "add_custom":
        form.dimension.choices = choices((d.code, d.name.get(locale)) for d in roadmap.framework.dimensions)
        form.prerequisites.choices = choices((i.code, name(i.code)) for i in roadmap.framework.initiatives)
    elif kind in ("remove", "move"):
        form.initiative.choices = choices((code, label[code]) for code in present)
        if kind == "move":
            form.quarter.choices = choices((q, text.quarter_label(q)) for q in roadmap.effective.quarters())
    elif kind == "reorder":
        form.initiative.choices = choices(
            (item.code, f"{item.position}. {label[item.code]}") for item in roadmap.effective.items
        )
    elif kind == "note":
        form.initiative.choices = choices(
            [("", _("The whole roadmap"))]
            + [(item.code, label[item.code]) for item in roadmap.effective.items]
        )
    if not form.version.data or form.version.data == "0":
        form.version.data = str(roadmap.version)


def _planning_form(roadmap: Roadmap | None, assessment: Assessment, version: int) -> PlanningForm:
    form = PlanningForm(formdata=None, prefix="plan")
    planning = (
        roadmap.planning
        if roadmap is not None
        else roadmaps.default_input(assessment, roadmaps.local_today())
    )
    form.start.data = planning.start
    form.horizon_months.data = str(planning.horizon_months)
    form.office_size.data = planning.office_size
    form.capacity.data = tuple(planning.capacity) if planning.capacity else None  # shown in the user's form
    form.version.data = str(version)
    return form


def _render_edit(
    assessment: Assessment,
    *,
    posted: Any = None,
    posted_kind: str | None = None,
    status: int = 200,
    conflict: bool = False,
) -> tuple[str, int]:
    roadmap = roadmaps.load(assessment)
    version = roadmap.version if roadmap is not None else roadmaps.version_of(assessment)
    planning = _planning_form(roadmap, assessment, version)
    forms: dict[str, Any] = {}
    if roadmap is not None:
        for kind in EDIT_FORMS:
            form = posted if kind == posted_kind else edit_form(kind)
            _bind(form, kind, roadmap)
            forms[kind] = form
    if posted_kind == "plan":
        planning = posted
    # After a change: its consequences, shown at the form that made it (not only on another page).
    changed_kind = request.args.get("kind") if posted is None else None
    changed = consequences(roadmap, request.args.get("changed")) if roadmap is not None else []
    if conflict and posted is not None:
        # Shown again with the current version: sending it again is a knowing decision, not an accident.
        posted.version.data = str(version)
    return (
        render_template(
            "roadmap/edit.html",
            roadmap=roadmap,
            planning=planning,
            forms=forms,
            posted_kind=posted_kind,
            conflict=conflict,
            conflict_message=Conflict.message,
            locked_message=roadmaps.locked_message(assessment),
            plans=roadmaps.plans_of(assessment),
            changed_kind=changed_kind,
            changed_code=request.args.get("changed") if changed_kind else None,
            consequences=changed,
            office_sizes=OFFICE_SIZE_LABELS,
            **_common(assessment),
        ),
        status,
    )


def _show_problems(form: Any, error: Invalid) -> None:
    for problem in error.problems:
        field = getattr(form, problem.field, None) if problem.field else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), problem.message]
        else:
            form.form_errors.append(problem.message)


@bp.route("/assessments/<int:assessment_id>/roadmap/edit")
@login_required
def edit(assessment_id: int) -> tuple[str, int]:
    assessment = authorized_assessment(assessment_id, Action.EDIT_ROADMAP)
    return _render_edit(assessment)


@bp.route("/assessments/<int:assessment_id>/roadmap/generate", methods=["POST"])
@login_required
def generate(assessment_id: int) -> Response | tuple[str, int]:
    assessment = authorized_assessment(assessment_id, Action.EDIT_ROADMAP)
    form = PlanningForm(prefix="plan")
    if not form.validate():
        return _render_edit(assessment, posted=form, posted_kind="plan", status=400)
    try:
        planning = roadmaps.planning_input(
            form.start.data, form.horizon_months.data, form.office_size.data, form.capacity.data
        )
        roadmap = roadmaps.regenerate(
            assessment, actor=current_user, expected_version=form.posted_version(), planning=planning
        )
    except Conflict:
        return _render_edit(assessment, posted=form, posted_kind="plan", status=409, conflict=True)
    except Locked as error:
        _show_problems(form, error)
        return _render_edit(assessment, posted=form, posted_kind="plan", status=409)
    except Invalid as error:
        _show_problems(form, error)
        return _render_edit(assessment, posted=form, posted_kind="plan", status=400)
    report_jobs.prerender(assessment, actor=current_user)  # after approval the report shows the roadmap
    flash(_("Version %(version)d of the roadmap was generated.", version=roadmap.row.version), "success")
    stale = roadmap.effective.inapplicable()
    if stale:
        flash(
            _(
                "%(count)d consultant changes no longer apply to the new plan: see the changes page.",
                count=len(stale),
            ),
            "warning",
        )
    return redirect(url_for("roadmaps.page", assessment_id=assessment.id))


def _payload(kind: RoadmapEditKind, form: Any) -> tuple[str | None, dict[str, Any]]:
    """The initiative and the payload of a posted edit form (the service checks them)."""
    if kind is RoadmapEditKind.ADD_CUSTOM:
        return None, form.payload()
    initiative = form.initiative.data or None
    if kind is RoadmapEditKind.REMOVE:
        return initiative, {"justification": form.justification.data}
    if kind is RoadmapEditKind.MOVE:
        return initiative, {"quarter": form.quarter.data}
    if kind is RoadmapEditKind.REORDER:
        return initiative, {"position": form.position.data}
    if kind is RoadmapEditKind.NOTE:
        return initiative, {"text": form.text.data}
    return initiative, {}


def _edit(assessment_id: int, kind: RoadmapEditKind) -> Response | tuple[str, int]:
    assessment = authorized_assessment(assessment_id, Action.EDIT_ROADMAP)
    roadmap = roadmaps.load(assessment)
    if roadmap is None:
        flash(_("No roadmap has been generated yet: generate one first."), "warning")
        return redirect(url_for("roadmaps.edit", assessment_id=assessment.id))
    form = edit_form(kind.value, bound=True)
    if not form.validate():
        return _render_edit(assessment, posted=form, posted_kind=kind.value, status=400)
    initiative, payload = _payload(kind, form)
    try:
        roadmaps.add_edit(
            assessment,
            kind,
            actor=current_user,
            expected_version=form.posted_version(),
            reason=form.reason.data,
            initiative=initiative,
            payload=payload,
        )
    except Conflict:
        return _render_edit(assessment, posted=form, posted_kind=kind.value, status=409, conflict=True)
    except Locked as error:
        _show_problems(form, error)
        return _render_edit(assessment, posted=form, posted_kind=kind.value, status=409)
    except Invalid as error:
        _show_problems(form, error)
        return _render_edit(assessment, posted=form, posted_kind=kind.value, status=400)
    report_jobs.prerender(assessment, actor=current_user)
    flash(_("The change was saved with its reason."), "success")
    return redirect(
        url_for(
            "roadmaps.edit",
            assessment_id=assessment.id,
            kind=kind.value,
            changed=initiative or None,
            _anchor=f"edit-{kind.value}",
        )
    )


@bp.route("/assessments/<int:assessment_id>/roadmap/edits/add", methods=["POST"])
@login_required
def add(assessment_id: int) -> Response | tuple[str, int]:
    return _edit(assessment_id, RoadmapEditKind.ADD)


@bp.route("/assessments/<int:assessment_id>/roadmap/edits/add-custom", methods=["POST"])
@login_required
def add_custom(assessment_id: int) -> Response | tuple[str, int]:
    return _edit(assessment_id, RoadmapEditKind.ADD_CUSTOM)


@bp.route("/assessments/<int:assessment_id>/roadmap/edits/remove", methods=["POST"])
@login_required
def remove(assessment_id: int) -> Response | tuple[str, int]:
    return _edit(assessment_id, RoadmapEditKind.REMOVE)


@bp.route("/assessments/<int:assessment_id>/roadmap/edits/move", methods=["POST"])
@login_required
def move(assessment_id: int) -> Response | tuple[str, int]:
    return _edit(assessment_id, RoadmapEditKind.MOVE)


@bp.route("/assessments/<int:assessment_id>/roadmap/edits/reorder", methods=["POST"])
@login_required
def reorder(assessment_id: int) -> Response | tuple[str, int]:
    return _edit(assessment_id, RoadmapEditKind.REORDER)


@bp.route("/assessments/<int:assessment_id>/roadmap/edits/note", methods=["POST"])
@login_required
def note(assessment_id: int) -> Response | tuple[str, int]:
    return _edit(assessment_id, RoadmapEditKind.NOTE)
