"""The survey's one form builder: a framework section becomes a form, each question a sub-form.

A question's answer field comes from its type's input (forms/question_inputs.py, beside the engine's
registry of types). Fields carry what was typed and the choices; what an answer may be is
decided by `roadmap.services.survey.answers.parse_answer`, shared with the autosave endpoint, so both
paths give the same localised messages. The markup is written by `templates/survey/_question.html` and its
type's partial from the fields' names, ids and data (a section has a few hundred inputs; WTForms widgets
cost too much there).
"""

from __future__ import annotations

from collections.abc import Mapping
from threading import Lock
from types import SimpleNamespace
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    Form,
    FormField,
    HiddenField,
    MultipleFileField,
    StringField,
    TextAreaField,
)

from forms import BoundaryForm
from forms.question_inputs import QUESTION_INPUTS
from roadmap.engine.answers import AnswerState
from roadmap.engine.framework import Framework, Question
from roadmap.models import AnswerRecord, Evidence


class QuestionForm(Form):
    """What every question has beside its answer: the special states, the version the page was built on
    (optimistic concurrency) and the evidence."""

    version = HiddenField()
    not_applicable = BooleanField()
    dont_know = BooleanField()
    note = TextAreaField()
    document_number = StringField()
    document_date = StringField()  # ISO, from <input type=date>; checked by the evidence service
    files = MultipleFileField()


class SectionForm(BoundaryForm):
    """One survey section (one dimension); its fields are the questions' sub-forms, by question code."""

    def question(self, code: str) -> QuestionForm:
        form: QuestionForm = self[code].form
        return form


_classes: dict[tuple[str, str, str], type[SectionForm]] = {}
_classes_lock = Lock()


def section_form_class(framework: Framework, dimension: str, locale: str) -> type[SectionForm]:
    """The form class of a section, built once per framework version, section and language."""
    key = (framework.fingerprint, dimension, locale)
    with _classes_lock:
        cached = _classes.get(key)
        if cached is None:
            fields: dict[str, Any] = {}
            for question in framework.questions_of(dimension):
                question_form = type(
                    f"QuestionForm_{question.code}",
                    (QuestionForm,),
                    {"value": QUESTION_INPUTS.of(question).field(question, locale)},
                )
                fields[question.code] = FormField(question_form, separator="-")
            cached = type(f"SectionForm_{dimension}", (SectionForm,), fields)
            _classes[key] = cached
        return cached


def field_value(question: Question, record: AnswerRecord | None, locale: str) -> Any:
    """A stored answer as its field shows it in `locale` (None: no answer, or a special state)."""
    shown = QUESTION_INPUTS.of(question).shown
    if record is None or record.state != AnswerState.ANSWERED.value:
        return shown(question, None, locale)
    return shown(question, record.value, locale)


def section_form(
    framework: Framework,
    dimension: str,
    locale: str,
    records: Mapping[str, AnswerRecord],
    notes: Mapping[str, Evidence],
) -> SectionForm:
    """The section's form filled from what is stored (a GET)."""
    initial = {}
    for question in framework.questions_of(dimension):
        record = records.get(question.code)
        note = notes.get(question.code)
        initial[question.code] = SimpleNamespace(
            value=field_value(question, record, locale),
            version=str(record.version) if record is not None else "",
            not_applicable=record is not None and record.state == AnswerState.NOT_APPLICABLE.value,
            dont_know=record is not None and record.state == AnswerState.DONT_KNOW.value,
            note=note.note if note is not None else "",
            document_number=note.document_number if note is not None else "",
            document_date=note.document_date.isoformat() if note is not None and note.document_date else "",
            files=None,
        )
    return section_form_class(framework, dimension, locale)(formdata=None, data=initial)


def posted_section_form(framework: Framework, dimension: str, locale: str) -> SectionForm:
    """The section's form filled from the request (a POST), typed values kept for a re-render."""
    return section_form_class(framework, dimension, locale)()


def posted_answer(subform: QuestionForm) -> tuple[str, Any] | None:
    """(state, raw value) as posted for one question; None when it was left empty (the answer is cleared)."""
    if subform.not_applicable.data:
        return AnswerState.NOT_APPLICABLE.value, None
    if subform.dont_know.data:
        return AnswerState.DONT_KNOW.value, None
    value = subform["value"].data
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return AnswerState.ANSWERED.value, value


def posted_version(subform: QuestionForm) -> int | None:
    raw = (subform.version.data or "").strip()
    return int(raw) if raw.isdigit() else None


class StartForm(BoundaryForm):
    """Start the office's assessment of a cycle."""

    carry_forward = BooleanField(
        _l("Pre-fill from the previous cycle's approved answers"),
        description=_l("Each pre-filled answer is marked “to confirm” until you confirm or change it."),
    )


class SubmitForm(BoundaryForm):
    """The confirmation step; the status version makes a replay of the same page a no-op."""

    status_version = HiddenField()

    def expected_status_version(self) -> int | None:
        raw = (self.status_version.data or "").strip()
        return int(raw) if raw.isdigit() else None


class FileDeleteForm(BoundaryForm):
    file_id = HiddenField()

    def file(self) -> int | None:
        raw = (self.file_id.data or "").strip()
        return int(raw) if raw.isdigit() else None


class FileUploadForm(BoundaryForm):
    """One question's files, sent by the page's script (or by a form without the rest of the section)."""

    question = HiddenField()
    files = MultipleFileField(_l("Attach files"))
