"""Forms of the consultants' review. Fields carry what was typed; what is acceptable (a justification, a
reason, a range) is decided by roadmap.services.review.workflow, so every path gives the same localised
message."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice


class StatusForm(FlaskForm):
    """A status change (start, approve, publish); the status version makes a replayed page a no-op refusal."""

    status_version = HiddenField()

    def expected_status_version(self) -> int | None:
        raw = (self.status_version.data or "").strip()
        return int(raw) if raw.isdigit() else None


class ReturnForm(StatusForm):
    comment = TextAreaField(_l("What must be revised"))


class CommentForm(FlaskForm):
    question = HiddenField()  # empty: a comment on the whole assessment
    body = TextAreaField(_l("Comment"))


class EvidenceVerdictForm(FlaskForm):
    question = HiddenField()
    verdict = SelectField(
        _l("Evidence"),
        choices=[SelectChoice("verified", _l("Verified")), SelectChoice("rejected", _l("Rejected"))],
    )
    reason = StringField(_l("Reason (required to reject)"))


class PointsOverrideForm(FlaskForm):
    question = HiddenField()
    points = StringField(_l("Points (0–1)"))
    justification = TextAreaField(_l("Justification"))


class LevelOverrideForm(FlaskForm):
    dimension = HiddenField()
    level = SelectField(_l("Level"), choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)])
    justification = TextAreaField(_l("Justification"))


class ClearOverrideForm(FlaskForm):
    kind = HiddenField()
    target = HiddenField()


class RemindForm(FlaskForm):
    """Remind the offices ticked on the progress board (their ids come as the repeated field `office`)."""

    cycle = HiddenField()
