"""The office representatives' survey: an office's assessments, section pages, autosave, evidence, submit,
and the in-app notifications that every role reads.

Answers are saved one at a time by the page's script (`static/js/survey.js`) through JSON endpoints, and by
a whole-section form when scripts do not run; both go through the same services. The JSON endpoints never
redirect: a lost session answers 401 and a refused CSRF token 400 with `"status": "csrf"`, so that the
script keeps the change, gets the user logged in again and sends it then.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import (
    format_percent,
    format_time,
    get_locale,
    get_timezone,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError, generate_csrf
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from forms.auth import ConfirmForm
from forms.question_inputs import QUESTION_INPUTS
from forms.survey import (
    FileDeleteForm,
    FileUploadForm,
    QuestionForm,
    SectionForm,
    StartForm,
    SubmitForm,
    posted_answer,
    posted_section_form,
    posted_version,
    section_form,
)
from roadmap.engine import numbers
from roadmap.engine.answers import Answer
from roadmap.engine.conditions import AllOf, AnyOf, Condition, Leaf, Not
from roadmap.engine.framework import Framework, ProfileType, Question
from roadmap.engine.scoring import Exclusion, ScoreResult, dti_view
from roadmap.extensions import db
from roadmap.models import (
    AnswerRecord,
    Assessment,
    AssessmentStatus,
    Cycle,
    Evidence,
    EvidenceFile,
    Notification,
    SightedEvidence,
)
from roadmap.policy import Action, permits
from roadmap.services import Invalid
from roadmap.services.plans import plan_actual, roadmaps
from roadmap.services.plans import wording as plan_wording
from roadmap.services.platform import notifications
from roadmap.services.platform.caching import memoised
from roadmap.services.review import portfolio
from roadmap.services.survey import answers, assessments, evidence, lifecycle, profiles, results, steps
from roadmap.services.survey.answers import SaveStatus
from roadmap.services.survey.lifecycle import IllegalTransition
from roadmap.services.survey.results import Scored
from roadmap.services.survey.wording import answer_text, record_text
from roadmap.web import fragments, security
from roadmap.web.files import attachment
from roadmap.web.guard import authorize, authorize_seen, authorized_assessment, authorized_office
from roadmap.web.templating import local_datetime

bp = Blueprint("survey", __name__)


def _locale() -> str:
    return str(get_locale() or "vi")


# --- JSON conventions ----------------------------------------------------------------------------------


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _json(status: int, kind: str, **body: Any) -> tuple[Response, int]:
    return jsonify({"status": kind, **body}), status


def _login_required_json() -> tuple[Response, int]:
    return _json(
        401,
        "login_required",
        message=_("Your session has ended. Log in again: your changes are kept in this browser until then."),
        login_url=url_for("auth.login"),
    )


def json_login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Like login_required, but answers the page's script with 401 JSON instead of a redirect to a page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return _login_required_json()
        return view(*args, **kwargs)

    wrapped.json_only = True  # type: ignore[attr-defined]  # read by security._require_second_factor
    return wrapped


@bp.errorhandler(CSRFError)
def csrf_refused(error: CSRFError) -> Any:
    if not _wants_json():
        return render_template("errors/error.html", status=400), 400
    if not current_user.is_authenticated:
        return _login_required_json()
    return _json(
        400,
        "csrf",
        message=_("The page's security token has expired. Your change is kept and will be sent again."),
    )


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> Any:
    if _wants_json():
        return _json(413, "too_large", message=_too_large_message())
    return render_template("errors/error.html", status=413), 413


def _too_large_message() -> str:
    if request.is_json:
        return _("This change is too large to be saved. Shorten the text and try again.")
    return _("A file can be at most %(size)s MB.", size=evidence.MAX_FILE_BYTES // (1024 * 1024))


@bp.app_context_processor
def notification_badge() -> dict[str, Any]:
    """The unread count for the navigation, counted only when a page shows it; the user's number form."""

    return {"unread_notification_count": security.unread_count, "number_form": _number_form}


def _number_form() -> numbers.NumberForm:
    """How the user's language writes numbers: the survey pages' script reads and checks them so."""
    return numbers.number_form(_locale())


@bp.route("/session/token")
@json_login_required
def csrf_token() -> Response:
    """A fresh CSRF token for a page whose token was refused (after logging in again in another tab)."""
    return jsonify({"status": "ok", "token": generate_csrf()})


# --- what pages show: answers as text, conditions for the script --------------------------------------


def client_condition(condition: Condition) -> dict[str, Any]:
    """A show_if condition as the page's script evaluates it (the same operators as the engine)."""
    if isinstance(condition, Leaf):
        value = list(condition.value) if isinstance(condition.value, tuple) else condition.value
        return {
            "q": condition.ref,
            "op": condition.op.value,
            "value": value,
            "order": list(condition.option_order),
        }
    if isinstance(condition, AllOf):
        return {"all": [client_condition(item) for item in condition.items]}
    if isinstance(condition, AnyOf):
        return {"any": [client_condition(item) for item in condition.items]}
    assert isinstance(condition, Not)  # noqa: S101 (the condition union is closed)
    return {"not": client_condition(condition.item)}


def _condition_refs(condition: Condition) -> set[str]:
    if isinstance(condition, Leaf):
        return {condition.ref}
    if isinstance(condition, Not):
        return _condition_refs(condition.item)
    return set().union(*(_condition_refs(item) for item in condition.items))


def _client_answer(record: AnswerRecord) -> dict[str, Any]:
    return {"state": record.state, "value": record.value}


# --- the office's assessments ----------------------------------------------------------------------------


@bp.route("/offices/<int:office_id>/assessments")
@login_required
def office_assessments(office_id: int) -> str:
    office = authorized_office(office_id)
    can_start = permits(current_user, Action.START_ASSESSMENT, office)
    startable = assessments.startable_cycles(office) if can_start else []
    return render_template(
        "survey/assessments.html",
        office=office,
        summaries=results.office_assessments(office),
        startable=[(cycle, assessments.has_carry_forward_source(office, cycle)) for cycle in startable],
        start_form=StartForm(),
        status_labels=lifecycle.STATUS_LABELS,
    )


@bp.route("/cycles/<int:cycle_id>/assessment", methods=["POST"])
@login_required
def start(cycle_id: int) -> Response:
    # Only an office's own representatives start its assessment; a user of no office has none to start (403).
    office = current_user.office
    authorize(Action.START_ASSESSMENT, office)
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        abort(404)
    form = StartForm()
    try:
        assessment = steps.start(office, cycle, actor=current_user, carry_forward=form.carry_forward.data)
    except Invalid as error:
        for problem in error.problems:
            flash(str(problem.message), "danger")
        return redirect(url_for("survey.office_assessments", office_id=office.id))
    flash(_("The assessment for the cycle %(code)s has been started.", code=cycle.code), "success")
    return redirect(url_for("survey.overview", assessment_id=assessment.id))


# --- overview ------------------------------------------------------------------------------------------


def _may_edit(assessment: Assessment) -> bool:
    return (
        permits(current_user, Action.EDIT_ASSESSMENT, assessment)
        and assessment.status_enum in assessments.EDITABLE
    )


@bp.route("/assessments/<int:assessment_id>")
@login_required
def overview(assessment_id: int) -> bytes:
    assessment = authorized_assessment(assessment_id, for_survey_page=True)
    framework = assessments.framework_of(assessment)
    # Kept like a section page; the peers' figures and the cycle's dates are part of what it shows.
    key = _page_key(assessment, framework, "overview")
    # The documents block links the roadmap once one exists: its version is part of what the page shows.
    roadmap_version = roadmaps.version_of(assessment)
    if key is not None:
        cycle = assessment.cycle
        key = (
            *key,
            portfolio.peer_version(cycle),
            cycle.status,
            cycle.opens_on,
            cycle.closes_on,
            roadmap_version,
        )
    return _kept_page(key, lambda: (_render_overview(assessment, roadmap_version > 0), 200))[0]


def _render_overview(assessment: Assessment, has_roadmap: bool) -> str:
    # Hints about what to answer next are for those who may still answer; a submitted or published result
    # is read, not improved.
    scored = results.live_score(assessment, guidance=_may_edit(assessment))
    missing = results.missing_answers(scored.framework, scored.result, scored.records)
    comments = assessments.review_comments(assessment, current_user)
    return render_template(
        "survey/overview.html",
        assessment=assessment,
        framework=scored.framework,
        result=scored.result,
        sections=results.progress(scored.framework, scored.result),
        missing=[scored.framework.question(code) for code in missing],
        missing_by_dimension=results.missing_by_dimension(scored.framework, missing),
        comments=comments.get(None, []),
        # After a return: the questions the consultants commented on, each a link to the question.
        commented=[q for q in scored.framework.questions if q.code in comments],
        editable=_may_edit(assessment),
        can_submit=permits(current_user, Action.SUBMIT_ASSESSMENT, assessment),
        status_labels=lifecycle.STATUS_LABELS,
        answer_text=answer_text,
        not_applicable_text=plan_wording.not_applicable_text,
        focus=None,
        has_roadmap=has_roadmap,
        profile_missing=profiles.unanswered(
            scored.framework, profiles.profile_of(assessment.office_id, scored.framework)
        ),
        peers=portfolio.peer_figures(assessment.cycle, assessment.framework_version_id),
        peer_minimum=portfolio.PEER_MINIMUM,
        # After approval: last year's roadmap, as followed, against the level reached (issue 22).
        plan_against_actual=(
            plan_actual.comparison(assessment, scored.result)
            if assessment.status_enum in (AssessmentStatus.APPROVED, AssessmentStatus.PUBLISHED)
            else None
        ),
        # The index by DTI main index (None for a framework that maps no question to the DTI).
        dti=dti_view(scored.framework, scored.result),
    )


# --- section pages -------------------------------------------------------------------------------------


@dataclass
class QuestionView:
    """Everything the page shows about one question."""

    question: Question
    form: QuestionForm | None  # None when the question's markup comes from the fragment cache
    record: AnswerRecord | None
    hidden: bool
    evidence_needed: bool  # the answer claims enough to need evidence, and has none
    discounted: bool
    editor: str | None
    note_present: bool
    note: Evidence | None
    files: list[EvidenceFile]
    comments: list[Any]
    # Evidence a consultant sighted on site (classified, never uploaded): read-only on the survey.
    sighted: list[SightedEvidence]
    conflict: AnswerRecord | None  # a colleague's newer answer, when a form save met one
    cache_key: tuple[Any, ...] | None = None  # where the rendered markup is kept (pages without errors)
    cached: Markup | None = None
    # Not applicable by the framework's rule for this office's profile, and why (not the respondent's N/A).
    not_applicable_by_rule: str | None = None
    # Initiatives of last year's roadmap, marked done, that were expected to change this answer (issue 22).
    follow_up: tuple[str, ...] = ()


def _fragment_key(
    view: QuestionView, assessment: Assessment, editable: bool, framework: Framework
) -> tuple[Any, ...]:
    """Every input of a question block (see templates/survey/_question.html), so that a fragment rendered
    once serves again only for exactly the same inputs."""
    record, note = view.record, view.note
    return (
        framework.fingerprint,
        str(get_locale()),
        str(get_timezone()),
        request.script_root,
        assessment.id,
        view.question.code,
        editable,
        view.hidden,
        view.not_applicable_by_rule,
        view.follow_up,
        view.evidence_needed,
        view.discounted,
        view.editor,
        view.note_present,
        None
        if record is None
        else (
            record.state,
            json.dumps(record.value, sort_keys=True),
            record.version,
            record.to_confirm,
            record.updated_at,
        ),
        None if note is None else (note.note, note.document_number, note.document_date),
        tuple((f.id, f.original_name, f.size) for f in view.files),
        tuple((r.id, r.description, r.place, r.sighted_on, r.sighted_by_name) for r in view.sighted),
        tuple((c.id, c.body, c.author.full_name if c.author else None, c.created_at) for c in view.comments),
    )


def _question_labels(framework: Framework) -> dict[str, str]:
    """The fixed texts of a question block, translated once per page rather than once per question."""
    return {
        "required": _("(required)"),
        "legal_basis": _("Legal basis:"),
        "comment": _("Consultant's comment"),
        "consultant": _("consultant"),
        "someone": _("someone"),
        "their_answer": _("Their answer:"),
        "to_confirm": _("Pre-filled from the previous cycle: please confirm or change it."),
        "confirm": _("I confirm this answer"),
        "not_applicable": _("Not applicable"),
        "dont_know": _("Don't know"),
        "evidence_needed": _(
            "This answer needs evidence. Until a note, a document reference or a file is given, its points "
            "are reduced by %(discount)s.",
            discount=format_percent(framework.scoring.evidence_discount),
        ),
        "evidence": _("Evidence"),
        "given": _("given"),
        "threshold": _("The higher answers to this question need evidence."),
        "note": _("Evidence note"),
        "document_number": _("Document number"),
        "document_number_help": _("For example 123/QĐ-VPCP"),
        "document_date": _("Document date"),
        "files": _("Files"),
        "attach": _("Attach files"),
        "files_help": _("PDF, PNG, JPEG, Word (DOCX) or Excel (XLSX), at most 10 MB each."),
        "sighted": _("Sighted on site by the consultant (classified, not uploaded)"),
        "sighted_expected": _(
            "The evidence of this answer is classified: do not upload it. The consultant records it when "
            "they see it on site."
        ),
    }


def _dimension_or_404(framework: Framework, dimension: str) -> None:
    if dimension not in {d.code for d in framework.dimensions}:
        abort(404)


def _render_section(
    assessment: Assessment,
    dimension: str,
    *,
    form: SectionForm | None = None,
    conflicts: frozenset[str] = frozenset(),
    status: int = 200,
) -> tuple[str, int]:
    # The evidence of the whole assessment, read once: the section shows its own, the score needs which
    # questions have any.
    backing = evidence.of_assessment(assessment)
    scored = results.live_score(assessment, guidance_for=dimension, evidence_found=evidence.codes_of(backing))
    framework, result = scored.framework, scored.result
    questions = framework.questions_of(dimension)
    codes = [question.code for question in questions]
    editors = assessments.user_names(
        scored.records[code].updated_by_id for code in codes if code in scored.records
    )
    comments = assessments.review_comments(assessment, current_user)
    outcomes = {outcome.code: outcome for outcome in result.questions}
    editable = _may_edit(assessment)
    # A page shown as stored (not a rejected post, no conflict) takes unchanged questions' markup from the
    # fragment cache; the form is built only when some question must be rendered.
    from_storage = form is None and not conflicts
    follow_up = plan_actual.hints(assessment)
    views = []
    for question in questions:
        record = scored.records.get(question.code)
        outcome = outcomes[question.code]
        note = backing.notes.get(question.code)
        view = QuestionView(
            question=question,
            form=None,
            record=record,
            hidden=outcome.exclusion is Exclusion.HIDDEN,
            evidence_needed=outcome.evidence_required and not outcome.has_evidence,
            discounted=outcome.evidence_discounted,
            editor=editors.get(record.updated_by_id) if record and record.updated_by_id else None,
            note_present=note is not None and not note.is_empty,
            note=note,
            files=backing.files.get(question.code, []),
            comments=comments.get(question.code, []),
            sighted=backing.sighted.get(question.code, []),
            conflict=record if question.code in conflicts else None,
            not_applicable_by_rule=(
                plan_wording.not_applicable_text(framework, outcome.not_applicable_because)
                if outcome.not_applicable_because is not None
                else None
            ),
            follow_up=tuple(hint.text for hint in follow_up.get(question.code, ())),
        )
        if from_storage:
            view.cache_key = _fragment_key(view, assessment, editable, framework)
            view.cached = fragments.questions.get(view.cache_key)
        views.append(view)
    if any(view.cached is None for view in views):
        if form is None:
            form = section_form(framework, dimension, _locale(), scored.records, backing.notes)
        for view in views:
            view.form = form.question(view.question.code)
    # Answers that this section's conditions read from earlier sections, as the engine sees them (hidden
    # answers are invisible to conditions), so that the script evaluates show_if like the server.
    context = {}
    for question in questions:
        if question.show_if is None:
            continue
        for ref in _condition_refs(question.show_if) - set(codes):
            record = scored.records.get(ref)
            if record is not None and outcomes[ref].exclusion is not Exclusion.HIDDEN:
                context[ref] = _client_answer(record)
    dimensions = framework.dimensions
    position = [d.code for d in dimensions].index(dimension)
    sections = results.progress(framework, result)
    return render_template(
        "survey/section.html",
        assessment=assessment,
        framework=framework,
        dimension=framework.dimension(dimension),
        questions=views,
        form=form,
        result=result,
        sections=sections,
        answered=sum(s.answered for s in sections),
        required=sum(s.required for s in sections),
        previous=dimensions[position - 1] if position > 0 else None,
        following=dimensions[position + 1] if position + 1 < len(dimensions) else None,
        policies={policy.code: policy.title.get(_locale()) for policy in framework.policies},
        editable=editable,
        remember=_remember_fragment,
        has_errors=[view for view in views if view.form is not None and view.form.errors],
        labels=_question_labels(framework),
        text_max_length=answers.TEXT_MAX_LENGTH,
        note_max_length=evidence.NOTE_MAX_LENGTH,
        document_number_max_length=evidence.DOCUMENT_NUMBER_MAX_LENGTH,
        context_answers=context,
        client_condition=client_condition,
        question_inputs=QUESTION_INPUTS,
        record_text=record_text,
        answer_text=answer_text,
        panel_html=_result_panel(assessment, scored, dimension),
        status_labels=lifecycle.STATUS_LABELS,
        focus=dimension,
    ), status


def _remember_fragment(view: QuestionView, markup: Markup) -> Markup:
    if view.cache_key is not None:
        fragments.questions.put(view.cache_key, markup)
    return markup


@bp.route("/assessments/<int:assessment_id>/sections/<dimension>")
@login_required
def section(assessment_id: int, dimension: str) -> tuple[bytes, int]:
    assessment = authorized_assessment(assessment_id, for_survey_page=True)
    framework = assessments.framework_of(assessment)
    _dimension_or_404(framework, dimension)
    return _kept_page(
        _page_key(assessment, framework, dimension), lambda: _render_section(assessment, dimension)
    )


def _kept_page(key: tuple[Any, ...] | None, render: Callable[[], tuple[str, int]]) -> tuple[bytes, int]:
    """The page kept under `key` (None: never kept), or rendered now and kept when it is a 200. A kept page
    gets this request's signature of the session's CSRF token in place of the one it was rendered with.

    Pages are kept as UTF-8 pieces around that token: a section page is a few hundred kilobytes of mostly
    Vietnamese text, and replacing the token in the text and encoding it again cost more than everything
    else a kept page does; joining the pieces with the new token is a copy."""
    if key is not None:
        kept = fragments.pages.get(key)
        if kept is not None:
            return generate_csrf().encode().join(kept), 200
    text, status = render()
    page = text.encode()
    if key is not None and status == 200:
        fragments.pages.put(key, tuple(page.split(generate_csrf().encode())))
    return page, status


def _page_key(assessment: Assessment, framework: Framework, dimension: str) -> tuple[Any, ...] | None:
    """Everything a section page shows, or None when the page must be rendered (a message to show once).

    What the survey holds is summed up by the assessment's revision, which the database bumps on any change
    to its answers, evidence, targets, overrides, comments or evidence checks; the rest is the status, the
    names in the breadcrumbs, the user and their navigation, the language and the address."""
    if session.get("_flashes"):
        return None
    office, cycle = assessment.office, assessment.cycle
    return (
        assessment.id,
        assessment.revision,
        assessment.status,
        assessment.status_version,
        framework.fingerprint,
        # The office profile decides what applies by rule; it is the office's, not the assessment's revision.
        tuple(sorted(profiles.profile_of(office.id, framework).items())),
        # Last year's roadmap as followed: the hints at questions and the plan-against-actual figures.
        plan_actual.state_key(assessment),
        dimension,
        office.name_vi,
        office.name_en,
        cycle.name_vi,
        cycle.name_en,
        current_user.id,
        current_user.full_name,
        current_user.role,
        current_user.office_id,
        str(get_locale()),
        str(get_timezone()),
        security.unread_count(),
        session.get("csrf_token"),
        request.full_path,
        request.script_root,
    )


@dataclass(frozen=True)
class _PostedQuestion:
    """One question of a section posted without scripts, checked and ready to store."""

    question: Question
    answer: Answer | None
    base_version: int
    # A carried-forward answer posted unchanged without "I confirm": saving the section must not confirm it.
    leave_answer: bool
    text: evidence.EvidenceText
    uploads: list[evidence.CheckedUpload]


def _check_posted(
    question: Question, subform: QuestionForm, record: AnswerRecord | None
) -> tuple[_PostedQuestion, int]:
    """The question as posted, checked; problems go beside its fields, with the HTTP status they call for."""
    status = 200
    answer: Answer | None = None
    raw = posted_answer(subform)
    try:
        answer = answers.parse_answer(question, *raw) if raw is not None else None
    except Invalid as error:
        subform["value"].errors = [problem.message for problem in error.problems]
        status = 400
    text = evidence.EvidenceText("", "", None)
    try:
        text = evidence.parse_text(
            subform.note.data, subform.document_number.data, subform.document_date.data
        )
    except Invalid as error:
        for problem in error.problems:
            subform[problem.field or "note"].errors = [problem.message]
        status = 400
    uploads = []
    for upload in subform.files.data or []:
        if not getattr(upload, "filename", None):
            continue  # the empty file input of a question without new files
        try:
            uploads.append(evidence.check_upload(upload.filename, upload.stream))
        except evidence.FileTooLarge:
            subform.files.errors = [_too_large_message()]
            status = 413 if status == 200 else status
        except Invalid as error:
            subform.files.errors = [problem.message for problem in error.problems]
            status = 400
    leave_answer = (
        record is not None
        and record.to_confirm
        and answer is not None
        and answers.is_unchanged(record, answer)
        and not request.form.get(f"{question.code}-confirmed")
    )
    posted = _PostedQuestion(question, answer, posted_version(subform) or 0, leave_answer, text, uploads)
    return posted, status


@bp.route("/assessments/<int:assessment_id>/sections/<dimension>", methods=["POST"])
@login_required
def save_section(assessment_id: int, dimension: str) -> Response | tuple[str, int]:
    """The whole section at once, for browsers without scripts. All is checked first: on any error nothing
    is stored and the page comes back with the typed values and the messages beside their fields."""
    assessment = authorized_assessment(assessment_id, Action.EDIT_ASSESSMENT)
    framework = assessments.framework_of(assessment)
    _dimension_or_404(framework, dimension)
    form = posted_section_form(framework, dimension, _locale())
    records = answers.answer_records(assessment)
    checked, statuses = [], set()
    for question in framework.questions_of(dimension):
        # Only questions that the page really posted (their version marker) are touched: a forged or
        # partial post cannot clear the answers it did not show.
        if f"{question.code}-version" not in request.form:
            continue
        posted, status = _check_posted(question, form.question(question.code), records.get(question.code))
        checked.append(posted)
        statuses.add(status)
    if statuses - {200}:
        return _render_section(assessment, dimension, form=form, status=400 if 400 in statuses else 413)
    conflicts = set()
    try:
        for posted in checked:
            if not posted.leave_answer:
                saved = answers.save_answer(
                    assessment, posted.question, posted.answer, posted.base_version, actor=current_user
                )
                if saved.status is SaveStatus.CONFLICT:
                    conflicts.add(posted.question.code)
                # A page shown again carries the versions as they are now: saving it again keeps the
                # user's answers knowingly, and does not trip over the user's own saves.
                version = saved.record.version if saved.record else 0
                form.question(posted.question.code).version.data = str(version)
            evidence.save_text(assessment, posted.question, posted.text, actor=current_user)
            evidence.add_files(assessment, posted.question, posted.uploads, actor=current_user)
    except (Invalid, IllegalTransition) as error:  # the assessment is no longer editable
        flash(str(getattr(error, "message", error)), "danger")
        return redirect(url_for("survey.section", assessment_id=assessment.id, dimension=dimension))
    if conflicts:
        return _render_section(assessment, dimension, form=form, conflicts=frozenset(conflicts), status=409)
    flash(_("Saved at %(time)s", time=_clock(dt.datetime.now(dt.UTC))[0]), "success")
    target = dimension
    if request.form.get("action") == "next":
        codes = [d.code for d in framework.dimensions]
        target = codes[min(codes.index(dimension) + 1, len(codes) - 1)]
    return redirect(url_for("survey.section", assessment_id=assessment.id, dimension=target))


# --- autosave ------------------------------------------------------------------------------------------


def _result_summary(framework: Framework, result: ScoreResult) -> dict[str, Any]:
    locale = _locale()
    return {
        "index": result.index,
        "level": result.level,
        "coverage": result.coverage,
        "dimensions": [
            {
                "code": d.code,
                "name": framework.dimension(d.code).name.get(locale),
                "score": d.score,
                "level": d.level,
                "target": d.target,
                "caps": [
                    {"gate": gate.code, "max_level": gate.max_level, "message": gate.message.get(locale)}
                    for gate in d.gates
                    if gate.capped
                ],
            }
            for d in result.dimensions
        ],
    }


def _result_panel(assessment: Assessment, scored: Scored, focus: str | None) -> Markup:
    """The live result panel, rendered once for each state of the result (fragment cache)."""
    key = (
        "panel",
        scored.inputs,
        assessment.id,
        assessment.status,
        focus,
        str(get_locale()),
        str(get_timezone()),
        request.script_root,
    )
    panel = fragments.results.get(key)
    if panel is None:
        panel = fragments.results.put(
            key,
            # The output of our own template, escaped by its autoescaping: safe to embed as it is.
            Markup(  # noqa: S704
                render_template(
                    "survey/_result_panel.html",
                    assessment=assessment,
                    framework=scored.framework,
                    result=scored.result,
                    focus=focus,
                    answer_text=answer_text,
                    not_applicable_text=plan_wording.not_applicable_text,
                )
            ),
        )
    return panel


def _live_payload(assessment: Assessment, focus: str) -> dict[str, Any]:
    """What the page refreshes after every save: visibility, progress, evidence flags and the live result."""
    scored: Scored = results.live_score(assessment, guidance_for=focus)
    framework, result = scored.framework, scored.result
    sections = results.progress(framework, result)
    return {
        "hidden": [q.code for q in result.questions if q.exclusion is Exclusion.HIDDEN],
        "evidence_needed": [q.code for q in result.questions if q.evidence_required and not q.has_evidence],
        "discounted": [q.code for q in result.questions if q.evidence_discounted],
        "progress": {
            "answered": sum(s.answered for s in sections),
            "required": sum(s.required for s in sections),
            "sections": {
                s.dimension: {"answered": s.answered, "required": s.required, "complete": s.complete}
                for s in sections
            },
        },
        "progress_text": _(
            "%(answered)d of %(required)d required questions answered",
            answered=sum(s.answered for s in sections),
            required=sum(s.required for s in sections),
        ),
        "result": _result_summary(framework, result),
        "panel_html": _result_panel(assessment, scored, focus),
        "assessment_status": assessment.status,
    }


def _focus(framework: Framework, payload: dict[str, Any], fallback: str) -> str:
    section = payload.get("section")
    if isinstance(section, str) and section in {d.code for d in framework.dimensions}:
        return section
    return fallback


def _payload() -> dict[str, Any] | None:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def _question_or_error(framework: Framework, payload: dict[str, Any]) -> Question | tuple[Response, int]:
    code = payload.get("question")
    if not isinstance(code, str) or not framework.has_question(code):
        shown = str(code)[:64]
        return _json(
            400,
            "invalid",
            question=shown,
            message=str(answers.answer_problem(None, "question_unknown", shown)),
        )
    return framework.question(code)


def _clock(when: dt.datetime) -> tuple[str, str]:
    """`when` as a short time and as a short date and time, in the user's language and time zone."""
    return _clock_of_minute(when.replace(second=0, microsecond=0), str(get_locale()), str(get_timezone()))


@memoised(maxsize=64)
def _clock_of_minute(minute: dt.datetime, locale: str, timezone: str) -> tuple[str, str]:
    # Neither form shows seconds: one formatting a minute per language and zone. Autosave answers with them
    # many times a minute, and Babel's formatting costs more than the save's statement.
    return format_time(minute, "short"), local_datetime(minute)


def _last_edited(name: str, when: dt.datetime) -> str:
    return _("Last edited by %(name)s, %(when)s", name=name, when=_clock(when)[1])


def _change_keys(payload: dict[str, Any]) -> tuple[str | None, frozenset[str]] | None:
    """The change's idempotency key and the keys it follows, or None when they are malformed."""
    key, follows = payload.get("key"), payload.get("follows") or []

    def well_formed(candidate: object) -> bool:
        return (
            isinstance(candidate, str)
            and 0 < len(candidate) <= answers.IDEMPOTENCY_KEY_LENGTH
            and candidate.isascii()
            and candidate.replace("-", "").replace("_", "").isalnum()
        )

    if key is not None and not well_formed(key):
        return None
    if not isinstance(follows, list) or len(follows) > FOLLOWED_KEYS or not all(map(well_formed, follows)):
        return None
    return key, frozenset(follows)


# The most earlier changes of one question a page may name (its queue keeps no more).
FOLLOWED_KEYS = 20


def _locked(error: Invalid | IllegalTransition) -> tuple[Response, int]:
    return _json(409, "locked", message=str(getattr(error, "message", error)))


@bp.route("/assessments/<int:assessment_id>/answers", methods=["POST"])
@json_login_required
def save_answer(assessment_id: int) -> tuple[Response, int]:
    """Autosave of one answer: {question, state, value, base_version, key, follows, section}. state null
    clears the answer; base_version is the version the page was showing (0: no answer); key is the page's
    idempotency key of this change, follows the keys of its earlier unacknowledged changes to the question.
    A retry of a change that already arrived (same key, same value) answers "unchanged"; any newer answer
    the page has not seen answers 409 with both values, whoever gave it (the same account included); a key
    sent again with another value answers 422 and stores nothing."""
    assessment = authorized_assessment(assessment_id, Action.EDIT_ASSESSMENT)
    payload = _payload()
    if payload is None:
        return _json(400, "invalid", message=_("The request could not be read."))
    framework = assessments.framework_of(assessment)
    question = _question_or_error(framework, payload)
    if not isinstance(question, Question):
        return question
    base = payload.get("base_version")
    base_version = base if isinstance(base, int) and not isinstance(base, bool) and base >= 0 else 0
    keys = _change_keys(payload)
    if keys is None:
        return _json(400, "invalid", question=question.code, message=_("The request could not be read."))
    key, follows = keys
    state = payload.get("state")
    try:
        answer = None if state is None else answers.parse_answer(question, state, payload.get("value"))
    except Invalid as error:
        return _json(400, "invalid", question=question.code, message=str(error.problems[0].message))
    try:
        saved = answers.save_answer(
            assessment, question, answer, base_version, actor=current_user, key=key, follows=follows
        )
    except (Invalid, IllegalTransition) as error:
        return _locked(error)
    if saved.status is SaveStatus.KEY_REUSED:
        return _json(
            422,
            "invalid",
            question=question.code,
            message=_(
                "This change to question %(question)s was sent before with another answer; nothing was "
                "saved. Reload the page and give the answer again.",
                question=question.code,
            ),
        )
    if saved.status is SaveStatus.CONFLICT and saved.record is not None:
        theirs = saved.record
        names = assessments.user_names([theirs.updated_by_id])
        by = names.get(theirs.updated_by_id or 0, _("someone"))
        at = _clock(theirs.updated_at)[0]
        return _json(
            409,
            "conflict",
            question=question.code,
            message=_(
                "%(name)s changed this answer at %(time)s, after you opened the page. "
                "Choose the answer to keep.",
                name=by,
                time=at,
            ),
            theirs={
                "state": theirs.state,
                "value": theirs.value,
                "version": theirs.version,
                "by": by,
                "at": at,
                "text": record_text(question, theirs),
                "mine": theirs.updated_by_id == current_user.id,
                "meta": _last_edited(by, theirs.updated_at),
            },
            mine={"state": state, "value": payload.get("value"), "text": answer_text(question, answer)},
        )
    record = saved.record
    when = record.updated_at if record is not None else dt.datetime.now(dt.UTC)
    saved_at = _clock(when)[0]
    body = {
        "question": question.code,
        "version": record.version if record is not None else 0,
        "to_confirm": bool(record.to_confirm) if record is not None else False,
        "saved_at": saved_at,
        "message": _("Saved at %(time)s", time=saved_at),
        "edited_by": current_user.full_name,
        "meta": _last_edited(current_user.full_name, when),
        # The live result is not re-computed here: the page asks /live once a burst of saves is over.
        "assessment_status": assessment.status,
    }
    return _json(200, saved.status.value, **body)


@bp.route("/assessments/<int:assessment_id>/evidence", methods=["POST"])
@json_login_required
def save_evidence(assessment_id: int) -> tuple[Response, int]:
    """Autosave of a question's note and document reference:
    {question, note, document_number, document_date}."""
    assessment = authorized_assessment(assessment_id, Action.EDIT_ASSESSMENT)
    payload = _payload()
    if payload is None:
        return _json(400, "invalid", message=_("The request could not be read."))
    framework = assessments.framework_of(assessment)
    question = _question_or_error(framework, payload)
    if not isinstance(question, Question):
        return question
    fields = [payload.get(name) for name in ("note", "document_number", "document_date")]
    if not all(value is None or isinstance(value, str) for value in fields):
        return _json(400, "invalid", question=question.code, message=_("The request could not be read."))
    try:
        text = evidence.parse_text(*fields)
    except Invalid as error:
        return _json(
            400,
            "invalid",
            question=question.code,
            problems=[{"field": p.field, "message": str(p.message)} for p in error.problems],
            message=str(error.problems[0].message),
        )
    try:
        changed = evidence.save_text(assessment, question, text, actor=current_user)
    except (Invalid, IllegalTransition) as error:  # the assessment is no longer editable
        return _locked(error)
    saved_at = _clock(dt.datetime.now(dt.UTC))[0]
    return _json(
        200,
        "saved" if changed else "unchanged",
        question=question.code,
        saved_at=saved_at,
        message=_("Saved at %(time)s", time=saved_at),
    )


@bp.route("/assessments/<int:assessment_id>/live")
@json_login_required
def live(assessment_id: int) -> tuple[Response, int]:
    """The live result as the answers stand: visibility, progress, evidence flags, the result panel.
    Saves only store; the page asks for this once its queue of changes is sent, so a respondent typing
    through ten answers costs ten cheap saves and one scoring, not ten."""
    assessment = authorized_assessment(assessment_id)
    framework = assessments.framework_of(assessment)
    focus = _focus(framework, {"section": request.args.get("section")}, framework.dimensions[0].code)
    return _json(200, "ok", **_live_payload(assessment, focus))


# --- files ---------------------------------------------------------------------------------------------


def _files_html(assessment: Assessment, question: Question) -> str:
    files = evidence.of_questions(assessment, [question.code]).files.get(question.code, [])
    file_list = get_template_attribute("survey/_files.html", "file_list")
    return str(file_list(assessment, question, files, _may_edit(assessment)))


def _back_to_question(assessment: Assessment, question: Question) -> Response:
    return redirect(
        url_for(
            "survey.section",
            assessment_id=assessment.id,
            dimension=question.dimension,
            _anchor=f"q-{question.code}",
        )
    )


@bp.route("/assessments/<int:assessment_id>/files", methods=["POST"])
@json_login_required
def upload_files(assessment_id: int) -> Any:
    """Files for one question (the page's script sends them as soon as they are chosen)."""
    assessment = authorized_assessment(assessment_id, Action.EDIT_ASSESSMENT)
    framework = assessments.framework_of(assessment)
    form = FileUploadForm()
    question = _question_or_error(framework, {"question": form.question.data})
    if not isinstance(question, Question):
        return question
    try:
        uploads = [
            evidence.check_upload(upload.filename, upload.stream)
            for upload in form.files.data or []
            if getattr(upload, "filename", None)
        ]
        evidence.add_files(assessment, question, uploads, actor=current_user)
    except evidence.FileTooLarge:
        return _json(413, "too_large", question=question.code, message=_too_large_message())
    except Invalid as error:
        return _json(400, "invalid", question=question.code, message=str(error.problems[0].message))
    except IllegalTransition as error:
        return _locked(error)
    if not _wants_json():
        flash(_("The files have been attached."), "success")
        return _back_to_question(assessment, question)
    return _json(
        200,
        "saved",
        question=question.code,
        message=_("The files have been attached."),
        files_html=_files_html(assessment, question),
        **_live_payload(assessment, question.dimension),
    )


@bp.route("/assessments/<int:assessment_id>/files/delete", methods=["POST"])
@login_required
def delete_file(assessment_id: int) -> Any:
    assessment = authorized_assessment(assessment_id, Action.EDIT_ASSESSMENT)
    file_id = FileDeleteForm().file()
    if file_id is None:
        abort(400)
    row = evidence.file_of(assessment, file_id)
    if row is None:
        abort(404)
    framework = assessments.framework_of(assessment)
    if not framework.has_question(row.question_code):
        abort(404)
    question = framework.question(row.question_code)
    try:
        evidence.remove_file(assessment, row, actor=current_user)
    except (Invalid, IllegalTransition) as error:
        if _wants_json():
            return _locked(error)
        flash(str(getattr(error, "message", error)), "danger")
        return _back_to_question(assessment, question)
    if not _wants_json():
        flash(_("The file has been removed."), "success")
        return _back_to_question(assessment, question)
    return _json(
        200,
        "deleted",
        question=question.code,
        message=_("The file has been removed."),
        files_html=_files_html(assessment, question),
        **_live_payload(assessment, question.dimension),
    )


@bp.route("/assessments/<int:assessment_id>/files/<int:file_id>")
@login_required
def download_file(assessment_id: int, file_id: int) -> Response:
    """Only to users who may see the assessment; always as an attachment, never rendered by the browser."""
    assessment = authorized_assessment(assessment_id)
    row = evidence.file_of(assessment, file_id)
    if row is None:
        abort(404)
    try:
        handle = evidence.open_file(row)
    except FileNotFoundError:
        abort(404)
    return attachment(handle, row)


# --- submit --------------------------------------------------------------------------------------------


def _render_submit(assessment: Assessment, form: SubmitForm, status: int = 200) -> tuple[str, int]:
    """The review before submitting: what is missing per dimension, what the missing evidence costs, the
    answers that contradict each other, and only then the button."""
    scored = results.live_score(assessment, guidance=False)
    missing = results.missing_answers(scored.framework, scored.result, scored.records)
    sections = results.progress(scored.framework, scored.result)
    form.status_version.data = str(assessment.status_version)
    return render_template(
        "survey/submit.html",
        assessment=assessment,
        framework=scored.framework,
        result=scored.result,
        missing=[scored.framework.question(code) for code in missing],
        missing_by_dimension=results.missing_by_dimension(scored.framework, missing),
        costs=results.evidence_costs(scored),
        answered=sum(section.answered for section in sections),
        required=sum(section.required for section in sections),
        records=scored.records,
        form=form,
        status_labels=lifecycle.STATUS_LABELS,
        editable=_may_edit(assessment),
    ), status


@bp.route("/assessments/<int:assessment_id>/submit")
@login_required
def confirm_submit(assessment_id: int) -> tuple[str, int]:
    assessment = authorized_assessment(assessment_id, Action.SUBMIT_ASSESSMENT)
    return _render_submit(assessment, SubmitForm(formdata=None))


@bp.route("/assessments/<int:assessment_id>/submit", methods=["POST"])
@login_required
def submit(assessment_id: int) -> Response | tuple[str, int]:
    """Idempotent: a double click or a replay of the same confirmation submits once."""
    assessment = authorized_assessment(assessment_id, Action.SUBMIT_ASSESSMENT)
    form = SubmitForm()
    expected = form.expected_status_version()
    if expected is None:
        abort(400)
    try:
        submitted = steps.submit(assessment, actor=current_user, expected_status_version=expected)
    except Invalid as error:
        form.form_errors.extend(problem.message for problem in error.problems)
        return _render_submit(assessment, form, status=409)
    except IllegalTransition as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return redirect(url_for("survey.overview", assessment_id=assessment_id))
    # A repeat of one's own submission (a double click, a replayed request whose answer replaced the first
    # one's in the browser) confirms it again: the person who submitted always reads that it is done.
    if submitted or steps.submitted_by(assessment) == current_user.id:
        flash(_("The assessment has been submitted. The consultants have been notified."), "success")
    else:
        flash(_("The assessment had already been submitted."), "info")
    return redirect(url_for("survey.overview", assessment_id=assessment_id))


# --- notifications -------------------------------------------------------------------------------------


# Where a notification of each kind leads on the assessment page: a publication to the official result.
NOTIFICATION_ANCHORS = {"assessment.published": "official-result"}


def notification_target(notification: Notification) -> str | None:
    """The page a notification is about (None: it is only a message)."""
    assessment_id = (notification.params or {}).get("assessment_id")
    if isinstance(assessment_id, int):
        anchor = NOTIFICATION_ANCHORS.get(notification.kind)
        return url_for("survey.overview", assessment_id=assessment_id, _anchor=anchor)
    return notification.link


def notification_link(notification: Notification) -> str | None:
    """The notification's link in the list: through `open_notification`, which marks it read on the way."""
    if notification_target(notification) is None:
        return None
    return url_for("survey.open_notification", notification_id=notification.id)


@bp.route("/notifications")
@login_required
def notifications_list() -> str:
    authorize(Action.READ_NOTIFICATIONS)
    return render_template(
        "survey/notifications.html",
        rows=notifications.recent(current_user),
        text=notifications.text,
        link=notification_link,
        form=ConfirmForm(),
    )


@bp.route("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int) -> Response:
    """Follow a notification: it is read once clicked, as in every mail or chat client."""
    authorize(Action.READ_NOTIFICATIONS)
    row = notifications.open_for(current_user, notification_id)
    target = notification_target(row) if row is not None else None
    if target is None:
        abort(404)
    return redirect(target)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def notifications_read() -> Response:
    authorize(Action.READ_NOTIFICATIONS)
    if ConfirmForm().validate_on_submit():
        notifications.mark_all_read(current_user)
    return redirect(url_for("survey.notifications_list"))


# --- targets ---------------------------------------------------------------------------------------------


@bp.route("/assessments/<int:assessment_id>/targets", methods=["GET", "POST"])
@login_required
def targets(assessment_id: int) -> Response | tuple[str, int]:
    """The level the office aims at per dimension: shown to everyone who may see the assessment; changed by
    the office while it is a draft, by its consultants at any time (Action.SET_TARGETS; the service refuses
    the others with a message)."""
    assessment = authorized_assessment(assessment_id)
    framework = assessments.framework_of(assessment)
    problems: dict[str, str] = {}
    if request.method == "POST":
        for dimension in framework.dimensions:
            posted = request.form.get(f"target-{dimension.code}", "")
            if not posted.isdigit():
                problems[dimension.code] = _("A target level is between 1 and 5.")
                continue
            try:
                results.set_target(assessment, dimension.code, int(posted), actor=current_user)
            except Invalid as error:
                db.session.rollback()
                problems[dimension.code] = str(error.problems[0].message)
        if not problems:
            flash(_("Targets saved."), "success")
            return redirect(url_for("survey.targets", assessment_id=assessment.id))
    scored = results.live_score(assessment, guidance=False)
    editable = permits(current_user, Action.SET_TARGETS, assessment)
    return render_template(
        "survey/targets.html",
        assessment=assessment,
        framework=scored.framework,
        result=scored.result,
        targets=results.targets_of(assessment, framework),
        problems=problems,
        editable=editable,
    ), (400 if problems else 200)


@bp.route("/offices/<int:office_id>/profile", methods=["GET", "POST"])
@login_required
def office_profile(office_id: int) -> Response | tuple[str, int]:
    """The office's answers to its framework's profile questions: read by those who see the office, given
    by its representatives and administrators (Action.EDIT_OFFICE_PROFILE). A refused post keeps what was
    chosen and names each field."""
    office = authorized_office(office_id, Action.VIEW_OFFICE_PROFILE)
    framework = profiles.framework_for_office(office)
    if framework is None:
        abort(404)
    editable = permits(current_user, Action.EDIT_OFFICE_PROFILE, office)
    problems: dict[str, str] = {}
    general: list[str] = []
    back = request.values.get("next", "")
    if request.method == "POST":
        authorize_seen(Action.EDIT_OFFICE_PROFILE, office)
        changes = [
            profiles.ProfileChange(
                question.code,
                (
                    request.form.getlist(f"profile-{question.code}")
                    if question.type is ProfileType.MULTI_CHOICE
                    else request.form.get(f"profile-{question.code}")
                ),
                int(version)
                if (version := request.form.get(f"version-{question.code}", "")).isdigit()
                else None,
            )
            for question in framework.profile
        ]
        try:
            profiles.save_profile(office, framework, changes, actor=current_user)
        except Invalid as error:
            db.session.rollback()
            for problem in error.problems:
                if problem.field is None:
                    general.append(str(problem.message))
                else:
                    problems[problem.field] = str(problem.message)
        else:
            flash(_("The office profile is saved; the scores now follow it."), "success")
            # Only a path of this site: a browser reads "//host" and a slash then a backslash as another site.
            target = back if back.startswith("/") and not back.startswith(("//", "/\\")) else None
            return redirect(target or url_for("survey.office_profile", office_id=office.id))
    rows = profiles.profile_rows(office.id)
    stored = profiles.profile_from(framework, rows)
    return render_template(
        "survey/profile.html",
        office=office,
        framework=framework,
        rows=rows,
        stored=stored,
        posted=request.form if request.method == "POST" else None,
        problems=problems,
        general=general,
        editable=editable,
        back=back,
    ), (400 if problems or general else 200)
