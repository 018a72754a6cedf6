"""Assessment cycles (kỳ đánh giá): created, opened and closed by administrators, each with the framework
version that all its assessments use (chosen when it is opened, never changed by importing another)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import (
    DEFAULT_REMINDER_DAYS,
    DEFAULT_REVIEW_REMINDER_DAYS,
    Cycle,
    CycleStatus,
    FrameworkVersion,
    User,
)
from roadmap.services import Invalid, Problem
from roadmap.services.platform import audit

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


@dataclass(frozen=True)
class CycleDetails:
    code: str
    name_vi: str
    name_en: str
    opens_on: dt.date | None
    closes_on: dt.date | None
    # The framework version the cycle's assessments use: required to open it.
    framework_version_id: int | None = None
    # Days before the closing date on which offices that have not submitted are reminded ("14,7,2"), and
    # the days a submission may wait for review before its consultants are reminded.
    reminder_days: str = DEFAULT_REMINDER_DAYS
    review_reminder_days: int | None = DEFAULT_REVIEW_REMINDER_DAYS


def framework_problem(framework_version_id: int | None) -> Problem | None:
    """Why a cycle cannot be opened with this framework version, or None when it can."""
    if framework_version_id is None:
        return Problem(
            "framework_version",
            _l("Choose the framework version of the cycle: a cycle cannot be opened without one."),
        )
    if db.session.get(FrameworkVersion, framework_version_id) is None:
        return Problem("framework_version", _l("There is no such framework version."))
    return None


REMINDER_DAYS_PATTERN = re.compile(r"^\s*\d{1,3}(\s*,\s*\d{1,3})*\s*$")
# The stored list fits its column (64 characters): 16 days of three digits and their commas.
MAX_REMINDER_DAYS = 16


def normal_reminder_days(text: str) -> str:
    """ "14, 7,2" → "14,7,2": distinct days, largest first."""
    days = sorted({int(part) for part in text.split(",") if part.strip()}, reverse=True)
    return ",".join(str(day) for day in days)


def reminder_days_problems(reminder_days: str) -> list[Problem]:
    """What is wrong with a list of days before closing ("14,7,2"; empty: no deadline reminders)."""
    if not reminder_days.strip():
        return []
    if not REMINDER_DAYS_PATTERN.match(reminder_days):
        return [
            Problem(
                "reminder_days", _l("Enter whole numbers of days separated by commas, for example 14,7,2.")
            )
        ]
    days = [int(day) for day in normal_reminder_days(reminder_days).split(",")]
    if len(days) > MAX_REMINDER_DAYS or days[0] > 365:
        return [
            Problem(
                "reminder_days",
                _l("Enter at most %(count)d days, none more than 365.", count=MAX_REMINDER_DAYS),
            )
        ]
    return []


def _reminder_problems(reminder_days: str, review_reminder_days: int | None) -> list[Problem]:
    problems = reminder_days_problems(reminder_days)
    if review_reminder_days is None or not 1 <= review_reminder_days <= 365:
        problems.append(Problem("review_reminder_days", _l("Enter a number of days from 1 to 365.")))
    return problems


def _check(details: CycleDetails, existing: Cycle | None) -> None:
    problems: list[Problem] = []
    code = details.code.strip()
    if not CODE_PATTERN.match(code):
        problems.append(Problem("code", _l("Use up to 32 letters, digits, dots, hyphens or underscores.")))
    else:
        duplicate = db.session.scalar(select(Cycle).where(Cycle.code == code))
        if duplicate is not None and duplicate is not existing:
            problems.append(Problem("code", _l("A cycle with this code already exists.")))
    if not details.name_vi.strip():
        problems.append(Problem("name_vi", _l("Please enter the Vietnamese name.")))
    if not details.name_en.strip():
        problems.append(Problem("name_en", _l("Please enter the English name.")))
    if details.opens_on is None:
        problems.append(Problem("opens_on", _l("Please enter a date.")))
    if details.closes_on is None:
        problems.append(Problem("closes_on", _l("Please enter a date.")))
    problems += _reminder_problems(details.reminder_days, details.review_reminder_days)
    if details.opens_on and details.closes_on and details.closes_on < details.opens_on:
        problems.append(Problem("closes_on", _l("The closing date must not be before the opening date.")))
    framework = framework_problem(details.framework_version_id)
    if framework is not None:
        problems.append(framework)
    if problems:
        raise Invalid(*problems)


def create_cycle(details: CycleDetails, *, actor: User | None) -> Cycle:
    _check(details, None)
    assert details.opens_on is not None  # noqa: S101 (checked by _check)
    assert details.closes_on is not None  # noqa: S101 (checked by _check)
    cycle = Cycle(
        code=details.code.strip(),
        name_vi=details.name_vi.strip(),
        name_en=details.name_en.strip(),
        opens_on=details.opens_on,
        closes_on=details.closes_on,
        status=CycleStatus.OPEN.value,
        framework_version_id=details.framework_version_id,
        reminder_days=normal_reminder_days(details.reminder_days),
        review_reminder_days=details.review_reminder_days,
    )
    db.session.add(cycle)
    db.session.flush()
    version = db.session.get(FrameworkVersion, details.framework_version_id)
    audit.record(
        "cycle.created",
        actor=actor,
        object_type="cycle",
        object_id=cycle.id,
        details={"code": cycle.code, "framework": _version_label(version)},
    )
    db.session.commit()
    return cycle


def set_reminders(
    cycle: Cycle, reminder_days: str, review_reminder_days: int | None, *, actor: User | None
) -> None:
    """Change when the cycle's reminders go (Invalid, naming the field, for a bad value). Commits."""
    # Only the reminders change: a cycle made before cycles named their framework version keeps working.
    problems = _reminder_problems(reminder_days, review_reminder_days)
    if problems:
        raise Invalid(*problems)
    cycle.reminder_days = normal_reminder_days(reminder_days)
    cycle.review_reminder_days = review_reminder_days
    audit.record(
        "cycle.reminders_set",
        actor=actor,
        object_type="cycle",
        object_id=cycle.id,
        details={"reminder_days": cycle.reminder_days, "review_reminder_days": review_reminder_days},
    )
    db.session.commit()


def _version_label(version: FrameworkVersion | None) -> str | None:
    return f"{version.framework_key} {version.version}" if version is not None else None


def set_status(cycle: Cycle, status: CycleStatus, *, actor: User | None) -> None:
    """Open or close a cycle; opening needs its framework version (a located refusal otherwise)."""
    if cycle.status == status:
        return
    if status is CycleStatus.OPEN:
        problem = framework_problem(cycle.framework_version_id)
        if problem is not None:
            raise Invalid(problem)
    cycle.status = status.value
    action = "cycle.opened" if status is CycleStatus.OPEN else "cycle.closed"
    audit.record(action, actor=actor, object_type="cycle", object_id=cycle.id)
    db.session.commit()
