"""WTForms classes, one module per area. Labels are lazily translated (`_l`)."""

from __future__ import annotations

from flask_wtf import FlaskForm

from roadmap.services import Invalid


def attach_problems(form: FlaskForm, error: Invalid) -> None:
    """Put a service's problems beside the fields they concern; the rest go to the form as a whole."""
    for problem in error.problems:
        field = getattr(form, problem.field, None) if problem.field else None
        if field is not None:
            field.errors = [*list(field.errors), problem.message]
        else:
            form.form_errors.append(problem.message)
