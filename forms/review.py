"""Forms of the consultants' review. Fields carry what was typed (a number read in the user's language by
forms.fields.TypedNumberField); what is acceptable (a justification, a reason, a range) is decided by
roadmap.services.review.workflow, so every path gives the same localised message."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from forms import BoundaryForm
from forms.fields import TypedNumberField


class StatusForm(BoundaryForm):
    """A status change (start, approve, publish); the status version makes a replayed page a no-op refusal."""

    status_version = HiddenField()

    def expected_status_version(self) -> int | None:
        raw = (self.status_version.data or "").strip()
        return int(raw) if raw.isdigit() else None


class DecisionForm(StatusForm):
    """Approve or publish: a step the page cannot undo, so it asks for a ticked confirmation."""

    confirm = BooleanField(_l("I confirm"))


class ReturnForm(StatusForm):
    comment = TextAreaField(_l("What must be revised"))


class CommentForm(BoundaryForm):
    question = HiddenField()  # empty: a comment on the whole assessment
    body = TextAreaField(_l("Comment"))


class EvidenceVerdictForm(BoundaryForm):
    question = HiddenField()
    verdict = SelectField(
        _l("Evidence"),
        # Nothing preselected: a verdict is a judgement, never a default.
        choices=[
            SelectChoice("", _l("Choose…")),
            SelectChoice("verified", _l("Verified")),
            SelectChoice("rejected", _l("Rejected")),
        ],
    )
    reason = StringField(_l("Reason (required to reject)"))


class SightedEvidenceForm(BoundaryForm):
    """Evidence sighted on site (classified: never uploaded). Who sighted it is not a field: it is the
    consultant who records it; the day of the visit is checked by the service (not in the future)."""

    question = HiddenField()
    description = StringField(_l("What was sighted (a short description, never its content)"))
    sighted_on = StringField(_l("Date of the visit"))
    place = StringField(_l("Place sighted"))


class RemoveSightedEvidenceForm(BoundaryForm):
    sighting = HiddenField()


class PointsOverrideForm(BoundaryForm):
    question = HiddenField()
    points = TypedNumberField(_l("Points (0–1)"))
    justification = TextAreaField(_l("Justification"))


class LevelOverrideForm(BoundaryForm):
    dimension = HiddenField()
    level = SelectField(_l("Level"), choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)])
    justification = TextAreaField(_l("Justification"))


class ClearOverrideForm(BoundaryForm):
    kind = HiddenField()
    target = HiddenField()


class RescoreForm(BoundaryForm):
    """Re-score an approved result with the current engine; the reason is kept in the history."""

    reason = TextAreaField(_l("Why re-score"))


class RemindForm(BoundaryForm):
    """Remind the offices ticked on the progress board (their ids come as the repeated field `office`)."""

    cycle = HiddenField()
