"""The office profile: an office's answers to its framework's profile questions (its type, its user level of
the special-use network …), stored once per office so that every cycle reads them and scoring tests them
(`applies_if`, gates, obligations). Saved with a version per answer and audited, like the survey's answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from roadmap.engine.conditions import ProfileValue
from roadmap.engine.framework import Framework, ProfileQuestion, ProfileType
from roadmap.extensions import db
from roadmap.models import Assessment, Cycle, FrameworkVersion, Office, OfficeProfileAnswer, User, utcnow
from roadmap.policy import Action, permits
from roadmap.services import Invalid, Problem, invalid
from roadmap.services.platform import audit
from roadmap.services.survey import frameworks
from roadmap.services.survey.assessments import current_framework_version, framework_of


def profile_rows(office_id: int) -> dict[str, OfficeProfileAnswer]:
    rows = db.session.scalars(_PROFILE_ROWS, {"office_id": office_id})
    return {row.question_code: row for row in rows}


# Built once: every survey page reads the office's profile.
_PROFILE_ROWS = select(OfficeProfileAnswer).where(OfficeProfileAnswer.office_id == bindparam("office_id"))


def value_of(question: ProfileQuestion, stored: Any) -> ProfileValue | None:
    """A stored value as the engine takes it, or None when it is no answer of this question (a later
    framework version may have dropped an option): such an answer is asked again, never guessed."""
    if question.type is ProfileType.YES_NO:
        return stored if isinstance(stored, bool) else None
    codes = {option.code for option in question.options}
    if question.type is ProfileType.MULTI_CHOICE:
        if (
            isinstance(stored, list)
            and all(isinstance(code, str) for code in stored)
            and set(stored) <= codes
        ):
            return frozenset(stored)
        return None
    return stored if isinstance(stored, str) and stored in codes else None


def profile_from(framework: Framework, rows: Mapping[str, OfficeProfileAnswer]) -> dict[str, ProfileValue]:
    """The answers to the framework's declared profile questions; others (another version's) are ignored."""
    profile: dict[str, ProfileValue] = {}
    for question in framework.profile:
        row = rows.get(question.code)
        value = value_of(question, row.value) if row is not None else None
        if value is not None:
            profile[question.code] = value
    return profile


def profile_of(office_id: int, framework: Framework) -> dict[str, ProfileValue]:
    """The office's profile as the engine takes it (empty when the framework declares no profile)."""
    if not framework.profile:
        return {}
    return profile_from(framework, profile_rows(office_id))


def unanswered(framework: Framework, profile: Mapping[str, ProfileValue]) -> list[str]:
    """Codes of the framework's profile questions the office has not answered (in file order)."""
    return [question.code for question in framework.profile if question.code not in profile]


def framework_for_office(office: Office) -> Framework | None:
    """The framework whose profile questions the office answers: its newest cycle's assessment's, else the
    one a new cycle would take; None when no framework has been imported."""
    assessment = db.session.scalar(
        select(Assessment)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(Assessment.office_id == office.id)
        .order_by(Cycle.opens_on.desc(), Assessment.id.desc())
        .limit(1)
    )
    if assessment is not None:
        return framework_of(assessment)
    row: FrameworkVersion | None = current_framework_version()
    return frameworks.framework_of(row) if row is not None else None


@dataclass(frozen=True)
class ProfileChange:
    code: str
    value: Any  # as posted: an option code, a list of codes, or "yes"/"no" (None: left unanswered)
    version: int | None  # the answer's version the page showed (None: it showed none)


def _parsed(question: ProfileQuestion, posted: Any) -> Any:
    """The posted value as stored JSON, or raise Invalid naming the question's field."""
    field = f"profile-{question.code}"
    if question.type is ProfileType.YES_NO:
        if posted in ("yes", "no"):
            return posted == "yes"
        raise invalid(field, _l("Please answer “yes” or “no” to %(question)s.", question=question.code))
    codes = [option.code for option in question.options]
    if question.type is ProfileType.MULTI_CHOICE:
        chosen = posted if isinstance(posted, list) else []
        if not chosen or any(code not in codes for code in chosen):
            raise invalid(
                field,
                _l("Please choose at least one of the options of %(question)s.", question=question.code),
            )
        return [code for code in codes if code in chosen]  # file order: the same choice, the same value
    if posted not in codes:
        raise invalid(field, _l("Please choose one of the options of %(question)s.", question=question.code))
    return posted


def save_profile(
    office: Office, framework: Framework, changes: list[ProfileChange], *, actor: User
) -> list[str]:
    """Store the posted answers (every profile question needs one), each audited with its old and new value;
    refuse all of them (nothing stored) when one is invalid or was changed by someone else meanwhile.
    Returns the codes whose answer changed. Scores read the profile when they are computed, so every live
    result re-scores with it; frozen snapshots keep the profile they were scored with."""
    if not permits(actor, Action.EDIT_OFFICE_PROFILE, office):
        raise invalid(None, _l("You may not change this office's profile."))
    rows = profile_rows(office.id)
    posted = {change.code: change for change in changes}
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for question in framework.profile:
        change = posted.get(question.code)
        try:
            values[question.code] = _parsed(question, change.value if change is not None else None)
        except Invalid as error:
            problems.extend(error.problems)
            continue
        row = rows.get(question.code)
        shown = change.version if change is not None else None
        if row is not None and shown != row.version:
            problems.append(
                Problem(
                    f"profile-{question.code}",
                    _l(
                        "Someone else changed the answer to %(question)s meanwhile; check it and save again.",
                        question=question.code,
                    ),
                )
            )
    if problems:
        raise Invalid(*problems)
    changed = []
    for code, value in values.items():
        row = rows.get(code)
        if row is not None and row.value == value:
            continue
        if row is None:
            row = OfficeProfileAnswer(office_id=office.id, question_code=code, value=value, version=1)
            db.session.add(row)
            before = None
        else:
            before = row.value
            row.value = value
            row.version = row.version + 1
        row.updated_by_id = actor.id
        row.updated_at = utcnow()
        audit.record(
            "office_profile.answered",
            actor=actor,
            object_type="office",
            object_id=office.id,
            details={"question": code, "before": before, "after": value, "framework": framework.version},
        )
        changed.append(code)
    db.session.commit()
    return changed
