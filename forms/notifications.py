"""E-mail preferences: one checkbox per kind of notification (a user's own, and the administrators'
defaults), built from the kinds the services register."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField

from forms import BoundaryForm


def field_name(kind: str) -> str:
    return "kind_" + kind.replace(".", "__")


class EmailChoicesForm(BoundaryForm):
    submit = SubmitField(_l("Save"))

    def choices(self) -> dict[str, bool]:
        """The kinds with their boxes' values, as the services take them."""
        return {kind: bool(self[field_name(kind)].data) for kind in self.kinds}

    kinds: tuple[str, ...] = ()


def email_choices_form(labels: dict[str, Any], current: dict[str, bool], **kwargs: Any) -> EmailChoicesForm:
    """A form with a box per kind (labelled `labels[kind]`), ticked as `current` says."""

    class Form(EmailChoicesForm):
        kinds = tuple(labels)

    for kind, label in labels.items():
        setattr(Form, field_name(kind), BooleanField(label, default=current.get(kind, True)))
    return Form(**kwargs)
