"""Roadmap forms: the planning parameters and one form per kind of consultant edit.

The edit page shows all of them at once, so each has its own prefix (unique ids, labels tied to the right
field). The CSRF token is the one every POST carries and the app-wide CSRFProtect checks before any view
runs; the forms' own per-form token is switched off so that prefixed forms do not need a second one.
Every edit form carries the roadmap version the page showed (optimistic concurrency) and a reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from forms import BoundaryForm
from forms.fields import TypedNumberField
from roadmap.engine.framework import CostClass
from roadmap.engine.planner import OfficeSize

# Numbers, months and dates are text fields checked by the roadmap service, which says what is wrong in
# the user's language (WTForms' own number and date messages exist only in English here). Choices are
# checked there too, for the same reason.
REASON_HELP = _l("Why this change: it is shown with the change to everyone who reads the roadmap.")

OFFICE_SIZE_LABELS = {
    OfficeSize.SMALL: _l("Small (about 2 person-months of work a month)"),
    OfficeSize.MEDIUM: _l("Medium (about 4 person-months of work a month)"),
    OfficeSize.LARGE: _l("Large (about 8 person-months of work a month)"),
}


def _too_long(limit: int) -> Length:
    return Length(max=limit, message=_l("This text is too long (at most %(max)d characters).", max=limit))


class _RoadmapForm(BoundaryForm):
    class Meta:
        csrf = False  # the app-wide CSRFProtect checks the page's token (see the module docstring)

    version = HiddenField()

    def posted_version(self) -> int:
        try:
            return int(self.version.data or 0)
        except ValueError:
            return -1  # matches no version: a conflict, never an overwrite


def _reason() -> TextAreaField:
    return TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("Please give the reason for this change.")), _too_long(2000)],
        description=REASON_HELP,
    )


def _number(label: Any, message: Any, **kwargs: Any) -> StringField:
    return StringField(
        label,
        validators=[DataRequired(message)],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
        **kwargs,
    )


def _select(label: Any, **kwargs: Any) -> SelectField:
    return SelectField(label, choices=[], validate_choice=False, **kwargs)


class PlanningForm(_RoadmapForm):
    start = StringField(
        _l("First month"),
        validators=[DataRequired(_l("Please choose the first month of the roadmap."))],
        description=_l("The first month of a quarter: January, April, July or October (YYYY-MM)."),
        render_kw={"type": "month", "placeholder": "2027-01"},
    )
    horizon_months = _number(
        _l("Horizon (months)"),
        _l("Please give the horizon in months."),
        description=_l("36 months by default: phases of 0–6, 6–18 and 18–36 months."),
    )
    office_size = SelectField(
        _l("Size of the office"),
        choices=[SelectChoice(size.value, label) for size, label in OFFICE_SIZE_LABELS.items()],
        validate_choice=False,
    )
    capacity = TypedNumberField(
        _l("Capacity per phase (person-months)"),
        validators=[_too_long(200)],
        separator=";",
        description=_l(
            "Optional: one number per phase, separated by semicolons, e.g. 24; 48; 72. "
            "Empty: the capacity of an office of this size."
        ),
    )
    submit = SubmitField(_l("Generate the roadmap"))


class AddForm(_RoadmapForm):
    initiative = _select(_l("Initiative of the catalogue"))
    reason = _reason()
    submit = SubmitField(_l("Add to the roadmap"))


class CustomForm(_RoadmapForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Please enter a code.")), _too_long(32)],
        description=_l(
            "Letters, digits, dots or dashes, for example X-01. Using the code of an earlier custom "
            "initiative replaces its definition."
        ),
    )
    name_vi = StringField(
        _l("Name in Vietnamese"),
        validators=[DataRequired(_l("Please enter the Vietnamese name.")), _too_long(200)],
    )
    name_en = StringField(_l("Name in English"), validators=[_too_long(200)])
    description_vi = TextAreaField(_l("Description"), validators=[_too_long(2000)])
    dimension = _select(_l("Dimension it raises"))
    levels = _number(_l("Levels it raises"), _l("Please give a number of levels."), default="1")
    prerequisites = SelectMultipleField(_l("Prerequisites"), choices=[], validate_choice=False)
    duration_months = _number(_l("Duration (months)"), _l("Please give the duration in months."))
    effort_person_months = TypedNumberField(
        _l("Effort (person-months)"), [InputRequired(_l("Please give the effort in person-months."))]
    )
    cost_class = SelectField(
        _l("Cost class"),
        choices=[SelectChoice(c.value, c.value) for c in CostClass],
        default="M",
        validate_choice=False,
    )
    mandatory = BooleanField(_l("Mandatory by law"))
    deadline = StringField(
        _l("Legal deadline"),
        description=_l("Only for a mandatory initiative (YYYY-MM-DD)."),
        render_kw={"type": "date"},
    )
    kpis = TextAreaField(
        _l("Key performance indicators"), validators=[_too_long(2000)], description=_l("One per line.")
    )
    reason = _reason()
    submit = SubmitField(_l("Add the custom initiative"))

    def payload(self) -> dict[str, Any]:
        kpis = [line.strip() for line in (self.kpis.data or "").splitlines() if line.strip()]
        return {
            "code": self.code.data,
            "name": {"vi": self.name_vi.data, "en": self.name_en.data},
            "description": {"vi": self.description_vi.data or ""},
            "raises": [{"dimension": self.dimension.data, "levels": self.levels.data}],
            "prerequisites": list(self.prerequisites.data or []),
            "duration_months": self.duration_months.data,
            "effort_person_months": self.effort_person_months.data,
            "cost_class": self.cost_class.data,
            "mandatory": bool(self.mandatory.data),
            "deadline": (self.deadline.data or "").strip() or None,
            "kpis": [{"vi": kpi} for kpi in kpis],
        }


class RemoveForm(_RoadmapForm):
    initiative = _select(_l("Initiative"))
    justification = TextAreaField(
        _l("Justification"),
        validators=[_too_long(2000)],
        description=_l(
            "Required for a mandatory initiative: the legal ground for not carrying it out "
            "(e.g. the document that exempts the office). The initiative stays visible as removed."
        ),
    )
    reason = _reason()
    submit = SubmitField(_l("Remove from the roadmap"))


class MoveForm(_RoadmapForm):
    initiative = _select(_l("Initiative"))
    quarter = _select(_l("Start in quarter"))
    reason = _reason()
    submit = SubmitField(_l("Move"))


class ReorderForm(_RoadmapForm):
    initiative = _select(_l("Initiative"))
    position = _number(_l("New position"), _l("Please give a position."))
    reason = _reason()
    submit = SubmitField(_l("Change the order"))


class NoteForm(_RoadmapForm):
    initiative = _select(_l("About"))
    text = TextAreaField(_l("Note"), validators=[DataRequired(_l("Please write the note.")), _too_long(2000)])
    reason = _reason()
    submit = SubmitField(_l("Add the note"))


EDIT_FORMS: dict[str, type[_RoadmapForm]] = {
    "add": AddForm,
    "add_custom": CustomForm,
    "remove": RemoveForm,
    "move": MoveForm,
    "reorder": ReorderForm,
    "note": NoteForm,
}


def edit_form(kind: str, *, bound: bool = False) -> _RoadmapForm:
    """The form of one kind of edit, prefixed with the kind (as the edit page renders it): `bound` to the
    posted data, or empty (the other forms of a page shown again after a refused post)."""
    form_class = EDIT_FORMS[kind]
    if bound:
        return form_class(prefix=kind)
    return form_class(formdata=None, prefix=kind)


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]
