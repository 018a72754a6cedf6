"""Forms of the roadmap's progress page (issue 22): the office's report per initiative, the consultant's
review. One page shows a form per initiative, each with its own prefix (unique ids, labels tied to the right
field). Values are text checked by roadmap.services.plans.tracking, which names the field in the user's
language; the app-wide CSRFProtect checks the page's token."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from forms import BoundaryForm
from roadmap.models import CompletionVerdict, TrackingStatus
from roadmap.services.plans.tracking import STATUS_LABELS


class _TrackingForm(BoundaryForm):
    class Meta:
        csrf = False  # the app-wide CSRFProtect checks the page's token (see the module docstring)

    initiative = HiddenField()
    version = HiddenField()

    def posted_version(self) -> int:
        try:
            return int(self.version.data or 0)
        except ValueError:
            return -1  # matches no version: a conflict, never an overwrite


class ProgressForm(_TrackingForm):
    owner_id = SelectField(_l("Owner"), validate_choice=False)
    owner_unit = StringField(
        _l("Owning unit"), description=_l("A unit of the office, if no one person owns it.")
    )
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(status.value, label) for status, label in STATUS_LABELS.items()],
        validate_choice=False,
    )
    percent_done = StringField(_l("Percent done"), description=_l("A whole number from 0 to 100."))
    actual_start = SelectField(_l("Actual start"), validate_choice=False)
    actual_finish = SelectField(_l("Actual finish"), validate_choice=False)
    progress_note = TextAreaField(_l("Progress note"))
    blocked_reason = TextAreaField(_l("What blocks it"))
    drop_justification = TextAreaField(
        _l("Justification for dropping"),
        description=_l(
            "A mandatory initiative is dropped only with a justification that a consultant accepts."
        ),
    )
    evidence_note = TextAreaField(_l("Completion evidence"))
    evidence_document = StringField(_l("Document number"), description=_l("For example 45/QĐ-VP."))
    evidence_files = MultipleFileField(
        _l("Evidence files"),
        description=_l("PDF, PNG, JPEG, Word (DOCX) or Excel (XLSX), at most 10 MB each."),
    )
    submit = SubmitField(_l("Save progress"))


class ProgressReviewForm(_TrackingForm):
    verdict = SelectField(
        _l("Verdict"),
        choices=[
            SelectChoice("", _l("Comment only")),
            SelectChoice(CompletionVerdict.ACCEPTED.value, _l("Accept")),
            SelectChoice(CompletionVerdict.QUESTIONED.value, _l("Question (say why)")),
        ],
        validate_choice=False,
    )
    review_comment = TextAreaField(_l("Comment"))
    submit = SubmitField(_l("Save review"))


def prefix_of(code: str) -> str:
    return f"t-{code}"


def progress_form(
    code: str,
    state: dict[str, Any],
    version: int,
    people: list[tuple[str, str]],
    quarters: list[str],
    **kw: Any,
) -> ProgressForm:
    """The office's form of one initiative, filled from its tracked state (or from the post, when bound)."""
    data = {name: ("" if value is None else str(value)) for name, value in state.items()}
    form = ProgressForm(
        prefix=prefix_of(code), data={**data, "initiative": code, "version": str(version)}, **kw
    )
    form.owner_id.choices = [
        SelectChoice("", _l("— no one person —")),
        *(SelectChoice(value, label) for value, label in people),
    ]
    for chosen in (form.actual_start, form.actual_finish):
        chosen.choices = [SelectChoice("", _l("— not yet —")), *(SelectChoice(q, q) for q in quarters)]
    if not form.status.data:
        form.status.data = TrackingStatus.NOT_STARTED.value
    return form


def review_form(code: str, state: dict[str, Any], version: int, **kw: Any) -> ProgressReviewForm:
    data = {"initiative": code, "version": str(version), "review_comment": state.get("review_comment") or ""}
    return ProgressReviewForm(prefix=f"r-{code}", data=data, **kw)


class TrackingFileDeleteForm(BoundaryForm):
    """Remove one evidence file of an initiative (the page's token is checked by CSRFProtect)."""

    class Meta:
        csrf = False

    file_id = IntegerField()


class QuarterReportForm(BoundaryForm):
    """The office confirms its progress report of a quarter (the page's token is checked by CSRFProtect)."""

    class Meta:
        csrf = False

    quarter = HiddenField()
    submit = SubmitField(_l("Confirm the report of this quarter"))
