"""The roadmap as a living plan (issue 22): how each initiative of a published roadmap is getting on.

The office's representatives record per initiative an owner (one of them, or a named unit), a status, the
percent done, the quarters it actually started and finished, a short progress note and completion evidence
(a note and a document reference, as evidence of answers); a consultant assigned to the office comments and
accepts or questions a completion (or the dropping of a mandatory initiative).

Every change is checked whole before anything is stored (each problem named at its field, in the user's
language), bumps the row's `version` by compare-and-set from the version the page showed (a change made
from an older page is a TrackingConflict carrying both values), is kept as a version in
`initiative_tracking_versions` and written to the audit log in the same transaction.

Only a published roadmap is followed: before publication it may still change, and for the office it does
not exist yet.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from roadmap.engine.overlay import EffectiveItem
from roadmap.engine.planner import YearMonth
from roadmap.extensions import db
from roadmap.models import (
    Assessment,
    AssessmentStatus,
    CompletionVerdict,
    InitiativeTracking,
    InitiativeTrackingVersion,
    TrackingStatus,
    User,
    utcnow,
)
from roadmap.policy import OFFICE_ROLES
from roadmap.services import Invalid, Problem, invalid
from roadmap.services.plans import completion, roadmaps
from roadmap.services.platform import audit
from roadmap.services.platform.clock import local_today
from roadmap.services.survey.evidence import CheckedUpload

NOTE_MAX_LENGTH = 2000
UNIT_MAX_LENGTH = 200
DOCUMENT_MAX_LENGTH = 128
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")

STATUS_LABELS: Mapping[TrackingStatus, LazyString] = {
    TrackingStatus.NOT_STARTED: _l("not started"),
    TrackingStatus.IN_PROGRESS: _l("in progress"),
    TrackingStatus.DONE: _l("done"),
    TrackingStatus.BLOCKED: _l("blocked"),
    TrackingStatus.DROPPED: _l("dropped"),
}
VERDICT_LABELS: Mapping[CompletionVerdict, LazyString] = {
    CompletionVerdict.ACCEPTED: _l("accepted by the consultant"),
    CompletionVerdict.QUESTIONED: _l("questioned by the consultant"),
}
# What the office reports, in the order of the form; the consultant's fields are kept apart.
OFFICE_FIELDS = (
    "owner_id",
    "owner_unit",
    "status",
    "percent_done",
    "actual_start",
    "actual_finish",
    "progress_note",
    "blocked_reason",
    "drop_justification",
    "evidence_note",
    "evidence_document",
)
REVIEW_FIELDS = ("verdict", "review_comment", "reviewed_by_id")


# --- quarters --------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1–4

    @classmethod
    def of_month(cls, month: YearMonth) -> Quarter:
        return cls(month.year, (month.month - 1) // 3 + 1)

    @classmethod
    def of_day(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter | None:
        match = QUARTER.match(text.strip())
        return cls(int(match.group(1)), int(match.group(2))) if match else None

    def next(self) -> Quarter:
        return Quarter(self.year + (self.number == 4), self.number % 4 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    quarters = [first]
    while quarters[-1] < last:
        quarters.append(quarters[-1].next())
    return quarters


# --- refusals ---------------------------------------------------------------------------------------------


class TrackingConflict(Exception):  # noqa: N818 (reads as the domain says it: `except TrackingConflict`)
    """Someone changed this initiative's tracking since the page was shown; nothing was stored. Carries both
    values, so that the person can choose."""

    message = _l(
        "Someone else changed this initiative's progress after you opened the page. Your change was not "
        "saved: both versions are shown below; make your change again if it is still needed."
    )

    def __init__(self, current: Mapping[str, Any], yours: Mapping[str, Any], version: int) -> None:
        super().__init__(str(self.message))
        self.current = dict(current)
        self.yours = dict(yours)
        self.version = version


def _ensure_published(assessment: Assessment) -> None:
    if assessment.status_enum is not AssessmentStatus.PUBLISHED:
        raise invalid(
            None,
            _l("Progress is followed only on a published roadmap: this roadmap has not been published yet."),
        )


# --- reading ----------------------------------------------------------------------------------------------


def state_of(row: InitiativeTracking | None) -> dict[str, Any]:
    """The tracked values as plain JSON (the version table's form; defaults when nothing is recorded)."""
    if row is None:
        return {
            "owner_id": None,
            "owner_unit": "",
            "status": TrackingStatus.NOT_STARTED.value,
            "percent_done": 0,
            "actual_start": None,
            "actual_finish": None,
            "progress_note": "",
            "blocked_reason": "",
            "drop_justification": "",
            "evidence_note": "",
            "evidence_document": "",
            "verdict": "",
            "review_comment": "",
            "reviewed_by_id": None,
        }
    return {name: getattr(row, name) for name in (*OFFICE_FIELDS, *REVIEW_FIELDS)}


def rows_of(assessment: Assessment) -> dict[str, InitiativeTracking]:
    rows = db.session.scalars(
        select(InitiativeTracking).where(InitiativeTracking.assessment_id == assessment.id)
    )
    return {row.initiative_code: row for row in rows}


def history(assessment: Assessment, code: str) -> list[InitiativeTrackingVersion]:
    """The initiative's versions, newest first."""
    return list(
        db.session.scalars(
            select(InitiativeTrackingVersion)
            .join(InitiativeTracking, InitiativeTracking.id == InitiativeTrackingVersion.tracking_id)
            .where(
                InitiativeTracking.assessment_id == assessment.id,
                InitiativeTracking.initiative_code == code,
            )
            .order_by(InitiativeTrackingVersion.version.desc())
        )
    )


def histories(assessment: Assessment) -> dict[str, list[InitiativeTrackingVersion]]:
    """Every initiative's versions, newest first, in one query (the progress page shows them all)."""
    rows = db.session.execute(
        select(InitiativeTracking.initiative_code, InitiativeTrackingVersion)
        .join(InitiativeTracking, InitiativeTracking.id == InitiativeTrackingVersion.tracking_id)
        .options(joinedload(InitiativeTrackingVersion.changed_by))
        .where(InitiativeTracking.assessment_id == assessment.id)
        .order_by(InitiativeTrackingVersion.version.desc())
    )
    found: dict[str, list[InitiativeTrackingVersion]] = {}
    for code, version in rows:
        found.setdefault(code, []).append(version)
    return found


def office_people(assessment: Assessment) -> list[User]:
    """Who may own an initiative: the office's active representatives."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.office_id == assessment.office_id,
                User.active.is_(True),
                User.role.in_([role.value for role in OFFICE_ROLES]),
            )
            .order_by(User.full_name)
        )
    )


@dataclass(frozen=True)
class Line:
    """One initiative of the published roadmap with its tracking, as the progress pages show it."""

    item: EffectiveItem
    name: str
    mandatory: bool
    deadline: dt.date | None
    planned_start: Quarter | None
    planned_finish: Quarter | None
    row: InitiativeTracking | None
    late: bool  # planned finish quarter passed, not done (nor dropped)

    @property
    def code(self) -> str:
        return self.item.code

    @property
    def state(self) -> dict[str, Any]:
        return state_of(self.row)

    @property
    def version(self) -> int:
        return self.row.version if self.row is not None else 0

    @property
    def status(self) -> TrackingStatus:
        return TrackingStatus(self.state["status"])

    @property
    def at_risk(self) -> bool:
        """A mandatory initiative that is late or blocked, or whose legal date passes before its planned end
        with it not done: the obligations to chase first."""
        if not self.mandatory or self.status in (TrackingStatus.DONE, TrackingStatus.DROPPED):
            return False
        if self.late or self.status is TrackingStatus.BLOCKED:
            return True
        if self.deadline is not None and self.planned_finish is not None:
            return Quarter.of_day(self.deadline) < self.planned_finish
        return False


def is_late(status: str, planned_finish: Quarter | None, today: dt.date) -> bool:
    if planned_finish is None or status in (TrackingStatus.DONE.value, TrackingStatus.DROPPED.value):
        return False
    return planned_finish < Quarter.of_day(today)


def lines(assessment: Assessment, *, today: dt.date | None = None) -> list[Line]:
    """Every initiative of the roadmap (removed ones left out) with its tracking, in the roadmap's order."""
    roadmap = roadmaps.load(assessment)
    if roadmap is None:
        return []
    today = today or local_today()
    tracked = rows_of(assessment)
    locale = get_locale()
    language = locale.language if locale is not None else "vi"
    result = []
    for item in roadmap.effective.items:
        if item.removed:
            continue
        initiative = item.initiative
        planned_start = Quarter.of_month(item.first_month) if item.first_month else None
        planned_finish = Quarter.of_month(item.last_month) if item.last_month else None
        row = tracked.get(item.code)
        status = row.status if row is not None else TrackingStatus.NOT_STARTED.value
        result.append(
            Line(
                item=item,
                name=initiative.name.get(language) or initiative.name.get("vi") or item.code,
                mandatory=initiative.mandatory,
                deadline=initiative.deadline,
                planned_start=planned_start,
                planned_finish=planned_finish,
                row=row,
                late=is_late(status, planned_finish, today),
            )
        )
    return result


def quarter_choices(assessment: Assessment) -> list[Quarter]:
    """The quarters a start or finish may be given in: from a year before the plan's start to the end of its
    horizon and a year beyond (work done early or late is recorded truthfully)."""
    roadmap = roadmaps.load(assessment)
    if roadmap is None:
        return []
    parameters = roadmap.plan.parameters
    start = Quarter.of_month(parameters.start)
    months = parameters.start.month - 1 + parameters.horizon_months + 12
    last_month = YearMonth(parameters.start.year + months // 12, months % 12 + 1)
    return quarters_between(Quarter(start.year - 1, start.number), Quarter.of_month(last_month))


# --- the office's update ------------------------------------------------------------------------------------


def _text(value: Any, field: str, limit: int, problems: list[Problem]) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        problems.append(Problem(field, _l("This text is too long (at most %(max)d characters).", max=limit)))
    return text


def _quarter(value: Any, field: str, problems: list[Problem]) -> Quarter | None:
    text = str(value or "").strip()
    if not text:
        return None
    quarter = Quarter.parse(text)
    if quarter is None:
        problems.append(Problem(field, _l("Please choose a quarter from the list (for example 2027-Q1).")))
    return quarter


def check_update(
    assessment: Assessment, line: Line, values: Mapping[str, Any], *, has_files: bool = False
) -> dict[str, Any]:
    """The office's posted values checked whole; raises Invalid with every problem at its field. `has_files`:
    the initiative has evidence files (kept or being added), which are completion evidence too."""
    problems: list[Problem] = []
    try:
        status = TrackingStatus(str(values.get("status") or ""))
    except ValueError:
        problems.append(Problem("status", _l("Please choose a status from the list.")))
        status = TrackingStatus(line.state["status"])
    raw_percent = str(values.get("percent_done") if values.get("percent_done") is not None else "").strip()
    percent = 0
    try:
        percent = int(raw_percent)
    except ValueError:
        problems.append(Problem("percent_done", _l("The percent done must be a whole number from 0 to 100.")))
    else:
        if not 0 <= percent <= 100:
            problems.append(
                Problem("percent_done", _l("The percent done must be a whole number from 0 to 100."))
            )
    owner_id: int | None = None
    raw_owner = str(values.get("owner_id") or "").strip()
    if raw_owner:
        people = {person.id for person in office_people(assessment)}
        if not raw_owner.isdigit() or int(raw_owner) not in people:
            problems.append(Problem("owner_id", _l("Please choose the owner among the office's people.")))
        else:
            owner_id = int(raw_owner)
    owner_unit = _text(values.get("owner_unit"), "owner_unit", UNIT_MAX_LENGTH, problems)
    start = _quarter(values.get("actual_start"), "actual_start", problems)
    finish = _quarter(values.get("actual_finish"), "actual_finish", problems)
    if start is not None and finish is not None and finish < start:
        problems.append(
            Problem(
                "actual_finish",
                _l("The actual finish cannot be before the actual start (%(start)s).", start=str(start)),
            )
        )
    if finish is not None and start is None:
        problems.append(Problem("actual_start", _l("Please give the quarter the work actually started.")))
    note = _text(values.get("progress_note"), "progress_note", NOTE_MAX_LENGTH, problems)
    blocked_reason = _text(values.get("blocked_reason"), "blocked_reason", NOTE_MAX_LENGTH, problems)
    drop_justification = _text(
        values.get("drop_justification"), "drop_justification", NOTE_MAX_LENGTH, problems
    )
    evidence_note = _text(values.get("evidence_note"), "evidence_note", NOTE_MAX_LENGTH, problems)
    evidence_document = _text(
        values.get("evidence_document"), "evidence_document", DOCUMENT_MAX_LENGTH, problems
    )
    if status is TrackingStatus.DONE:
        if line.mandatory and not (evidence_note or evidence_document or has_files):
            problems.append(
                Problem(
                    "evidence_note",
                    _l(
                        "This initiative is mandatory: to mark it done, give the completion evidence "
                        "(a note, the number of the document that shows it, or a file)."
                    ),
                )
            )
        if percent != 100 and not any(p.field == "percent_done" for p in problems):
            problems.append(
                Problem("percent_done", _l("An initiative marked done is complete: its percent done is 100."))
            )
    if status is TrackingStatus.BLOCKED and not blocked_reason:
        problems.append(Problem("blocked_reason", _l("Please say what blocks this initiative.")))
    if status is TrackingStatus.DROPPED and line.mandatory and not drop_justification:
        problems.append(
            Problem(
                "drop_justification",
                _l(
                    "This initiative is mandatory: dropping it needs a justification "
                    "that a consultant accepts."
                ),
            )
        )
    if problems:
        raise Invalid(*problems)
    return {
        "owner_id": owner_id,
        "owner_unit": owner_unit,
        "status": status.value,
        "percent_done": percent,
        "actual_start": str(start) if start else None,
        "actual_finish": str(finish) if finish else None,
        "progress_note": note,
        "blocked_reason": blocked_reason if status is TrackingStatus.BLOCKED else "",
        "drop_justification": drop_justification if status is TrackingStatus.DROPPED else "",
        "evidence_note": evidence_note,
        "evidence_document": evidence_document,
    }


def _line(assessment: Assessment, code: str) -> Line:
    for line in lines(assessment):
        if line.code == code:
            return line
    raise invalid("initiative", _l("This initiative is not in the published roadmap."))


def _store(
    assessment: Assessment,
    line: Line,
    changes: Mapping[str, Any],
    *,
    actor: User,
    expected_version: int | None,
    change: str,
) -> InitiativeTracking:
    """Apply `changes` by compare-and-set from `expected_version`, keep the version, write the audit."""
    row = line.row
    before = state_of(row)
    if row is None:
        if expected_version not in (None, 0):
            db.session.rollback()
            raise TrackingConflict(before, {**before, **changes}, 0)
        row = InitiativeTracking(
            assessment_id=assessment.id, initiative_code=line.code, version=1, updated_by_id=actor.id
        )
        for name, value in {**before, **changes}.items():
            setattr(row, name, value)
        db.session.add(row)
        try:
            db.session.flush()
        except IntegrityError:  # someone else's first report of this initiative arrived at the same moment
            db.session.rollback()
            current = rows_of(assessment).get(line.code)
            raise TrackingConflict(
                state_of(current), {**before, **changes}, current.version if current else 0
            ) from None
        version = 1
    else:
        current = row.version
        if expected_version is not None and expected_version != current:
            yours = {**before, **changes}
            db.session.rollback()
            raise TrackingConflict(before, yours, current)
        done = db.session.execute(
            update(InitiativeTracking)
            .where(InitiativeTracking.id == row.id, InitiativeTracking.version == current)
            .values(**changes, version=current + 1, updated_at=utcnow(), updated_by_id=actor.id)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            fresh = rows_of(assessment).get(line.code)
            raise TrackingConflict(state_of(fresh), {**before, **changes}, fresh.version if fresh else 0)
        db.session.expire(row)
        version = current + 1
    after = {**before, **changes}
    db.session.add(
        InitiativeTrackingVersion(
            tracking_id=row.id, version=version, change=change, state=after, changed_by_id=actor.id
        )
    )
    audit.record(
        f"tracking.{change}",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={
            "initiative": line.code,
            "version": version,
            "changed": {
                name: [before[name], after[name]] for name in after if before.get(name) != after[name]
            },
        },
    )
    return row


def update_progress(
    assessment: Assessment,
    code: str,
    values: Mapping[str, Any],
    *,
    actor: User,
    expected_version: int | None,
    uploads: Sequence[CheckedUpload] = (),
    stored_keys: list[str] | None = None,
) -> InitiativeTracking:
    """The office reports an initiative's progress, with new evidence files (`uploads`, checked by
    roadmap.services.survey.evidence.check_upload). Checked whole (Invalid: nothing stored), stored from the
    version the page showed (TrackingConflict: nothing stored), versioned and audited. Does not commit: the
    storage keys of the files written are appended to `stored_keys`, for the caller to discard
    (completion.discard) if its commit fails."""
    _ensure_published(assessment)
    line = _line(assessment, code)
    kept = completion.count_of(assessment, line.code)
    try:
        completion.check_room(assessment, line.code, len(uploads))
    except Invalid as error:
        room = list(error.problems)
    else:
        room = []
    try:
        changes = check_update(assessment, line, values, has_files=bool(kept or uploads))
    except Invalid as error:
        raise Invalid(*error.problems, *room) from None
    if room:
        raise Invalid(*room)
    previous = line.state
    # A new completion, a new drop or new evidence is the consultant's to judge again.
    judged_again = (
        bool(uploads)
        or changes["status"] != previous["status"]
        or changes["evidence_note"] != previous["evidence_note"]
        or changes["evidence_document"] != previous["evidence_document"]
        or changes["drop_justification"] != previous["drop_justification"]
    )
    if judged_again:
        changes = {**changes, "verdict": ""}
    row = _store(assessment, line, changes, actor=actor, expected_version=expected_version, change="update")
    if uploads:
        keys = completion.store(assessment, line.code, uploads, actor=actor)
        if stored_keys is not None:
            stored_keys.extend(keys)
    return row


# --- the consultant's review ----------------------------------------------------------------------------


def review(
    assessment: Assessment,
    code: str,
    *,
    verdict: str | None,
    comment: str | None,
    actor: User,
    expected_version: int | None,
) -> InitiativeTracking:
    """A consultant comments on an initiative's progress, and accepts or questions a reported completion (or
    the dropping of a mandatory initiative). Questioning says why. Does not commit."""
    _ensure_published(assessment)
    line = _line(assessment, code)
    problems: list[Problem] = []
    text = _text(comment, "review_comment", NOTE_MAX_LENGTH, problems)
    chosen: CompletionVerdict | None = None
    if verdict:
        try:
            chosen = CompletionVerdict(verdict)
        except ValueError:
            problems.append(Problem("verdict", _l("Please choose to accept or to question.")))
        else:
            if line.status not in (TrackingStatus.DONE, TrackingStatus.DROPPED):
                problems.append(
                    Problem("verdict", _l("Only a completion or a dropping can be accepted or questioned."))
                )
            if chosen is CompletionVerdict.QUESTIONED and not text:
                problems.append(
                    Problem(
                        "review_comment",
                        _l("Please say what is questioned, so the office knows what to bring."),
                    )
                )
    elif not text:
        problems.append(Problem("review_comment", _l("Please write a comment or choose a verdict.")))
    if problems:
        raise Invalid(*problems)
    changes: dict[str, Any] = {"review_comment": text, "reviewed_by_id": actor.id}
    if chosen is not None:
        changes["verdict"] = chosen.value
    return _store(assessment, line, changes, actor=actor, expected_version=expected_version, change="review")


def drop_accepted(line: Line) -> bool:
    return line.status is TrackingStatus.DROPPED and line.state["verdict"] == CompletionVerdict.ACCEPTED.value


def field_labels() -> dict[str, LazyString]:
    """The tracked fields' names, for conflicts and history."""
    return {
        "owner_id": _l("Owner"),
        "owner_unit": _l("Owning unit"),
        "status": _l("Status"),
        "percent_done": _l("Percent done"),
        "actual_start": _l("Actual start"),
        "actual_finish": _l("Actual finish"),
        "progress_note": _l("Progress note"),
        "blocked_reason": _l("What blocks it"),
        "drop_justification": _l("Justification for dropping"),
        "evidence_note": _l("Completion evidence"),
        "evidence_document": _l("Document number"),
        "verdict": _l("Consultant's verdict"),
        "review_comment": _l("Consultant's comment"),
    }
