"""Assessments: start one, read and save answers (optimistic concurrency), evidence flags, targets, the live
score, and the snapshots that freeze a result with the framework and engine that produced it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from threading import Lock
from typing import Any, TypeVar

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import Text, bindparam, cast, func, or_, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from roadmap.engine.answers import Answer, AnswerState
from roadmap.engine.framework import Framework, Question, QuestionType
from roadmap.engine.scoring import (
    ENGINE_VERSION,
    Exclusion,
    InvalidAnswer,
    LevelOverride,
    PointsOverride,
    ScoreResult,
    next_level_guidance,
    result_to_dict,
    score,
    validate_answer,
)
from roadmap.extensions import commit_keeping_loaded_state, db
from roadmap.models import (
    AnswerRecord,
    Assessment,
    AssessmentStatus,
    Cycle,
    CycleStatus,
    Evidence,
    EvidenceFile,
    FrameworkVersion,
    Office,
    OverrideKind,
    ReviewComment,
    ScoreOverride,
    ScoreSnapshot,
    TargetLevel,
    User,
    utcnow,
)
from roadmap.services import Invalid, Problem, invalid
from roadmap.services.platform import audit, notifications
from roadmap.services.survey import frameworks, lifecycle

# Long enough for a paragraph of plans; a 100,000-character answer is a paste accident or an attack.
TEXT_MAX_LENGTH = 5000
EDITABLE = frozenset({AssessmentStatus.DRAFT, AssessmentStatus.RETURNED})
_T = TypeVar("_T")


# --- starting --------------------------------------------------------------------------------------


def current_framework_version() -> FrameworkVersion | None:
    """The framework new assessments use: the most recently imported version."""
    return db.session.scalar(
        select(FrameworkVersion)
        .order_by(FrameworkVersion.imported_at.desc(), FrameworkVersion.id.desc())
        .limit(1)
    )


def assessment_for(office: Office, cycle: Cycle) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(Assessment.office_id == office.id, Assessment.cycle_id == cycle.id)
    )


def start(office: Office, cycle: Cycle, *, actor: User, carry_forward: bool = False) -> Assessment:
    """Open the office's assessment for the cycle: one per office per cycle."""
    if not cycle.is_open:
        raise invalid(
            None, _l("The cycle %(code)s is closed: no assessment can be started.", code=cycle.code)
        )
    if assessment_for(office, cycle) is not None:
        raise invalid(
            None, _l("This office already has an assessment for the cycle %(code)s.", code=cycle.code)
        )
    version = current_framework_version()
    if version is None:
        raise invalid(None, _l("No framework has been imported yet. Ask an administrator."))
    assessment = Assessment(
        office_id=office.id,
        cycle_id=cycle.id,
        framework_version_id=version.id,
        created_by_id=actor.id,
        last_edited_by_id=actor.id,
    )
    db.session.add(assessment)
    try:
        db.session.flush()
    except IntegrityError as error:  # a colleague started it at the same moment
        db.session.rollback()
        raise invalid(
            None, _l("This office already has an assessment for the cycle %(code)s.", code=cycle.code)
        ) from error
    carried = _carry_forward(assessment, office, cycle, actor) if carry_forward else 0
    audit.record(
        "assessment.started",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={"office": office.code, "cycle": cycle.code, "carried_forward": carried},
    )
    db.session.commit()
    return assessment


def _carry_forward(assessment: Assessment, office: Office, cycle: Cycle, actor: User) -> int:
    """Copy the previous cycle's approved answers, each "to confirm"; only questions that still exist."""
    previous = db.session.scalar(
        select(Assessment)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(
            Assessment.office_id == office.id,
            Assessment.id != assessment.id,
            Assessment.status.in_([AssessmentStatus.APPROVED.value, AssessmentStatus.PUBLISHED.value]),
            Cycle.opens_on < cycle.opens_on,
        )
        .order_by(Cycle.opens_on.desc())
        .limit(1)
    )
    if previous is None:
        return 0
    framework = framework_of(assessment)
    carried = 0
    for record in db.session.scalars(select(AnswerRecord).where(AnswerRecord.assessment_id == previous.id)):
        if not framework.has_question(record.question_code):
            continue
        answer = to_answer(framework.question(record.question_code), record)
        try:
            validate_answer(framework.question(record.question_code), answer)
        except InvalidAnswer:
            continue  # the question's options changed between versions: ask again
        db.session.add(
            AnswerRecord(
                assessment_id=assessment.id,
                question_code=record.question_code,
                state=record.state,
                value=record.value,
                to_confirm=True,
                updated_by_id=actor.id,
            )
        )
        carried += 1
    return carried


def framework_of(assessment: Assessment) -> Framework:
    """The assessment's framework. Framework versions never change once stored, so each app remembers which
    framework a version id stands for and saves the row's lookup on every request."""
    known: dict[int, Framework] = current_app.extensions.setdefault("roadmap.frameworks_by_version", {})
    framework = known.get(assessment.framework_version_id)
    if framework is None:
        framework = frameworks.framework_of(assessment.framework_version)
        known[assessment.framework_version_id] = framework
    return framework


# --- answers ---------------------------------------------------------------------------------------


def to_answer(question: Question, record: AnswerRecord) -> Answer:
    return stored_answer(question, record.state, record.value)


def stored_answer(question: Question, state: str, value: Any) -> Answer:
    """The engine's Answer for a stored (state, JSON value) pair."""
    answer_state = AnswerState(state)
    if answer_state is not AnswerState.ANSWERED:
        return Answer(answer_state)
    return Answer.of(_value_from_json(question, value))


def _value_from_json(question: Question, value: Any) -> Any:
    if question.type is QuestionType.MULTI_CHOICE:
        return frozenset(value) if isinstance(value, list) else value
    if (
        question.type in (QuestionType.NUMBER, QuestionType.PERCENT)
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        return float(value)
    return value


def _value_to_json(answer: Answer) -> Any:
    if isinstance(answer.value, frozenset):
        return sorted(answer.value)
    return answer.value


def answer_records(assessment: Assessment) -> dict[str, AnswerRecord]:
    rows = db.session.scalars(select(AnswerRecord).where(AnswerRecord.assessment_id == assessment.id))
    return {row.question_code: row for row in rows}


def answers_of(framework: Framework, records: dict[str, AnswerRecord]) -> dict[str, Answer]:
    return {
        code: to_answer(framework.question(code), record)
        for code, record in records.items()
        if framework.has_question(code)
    }


ANSWER_ERRORS: dict[str, Callable[..., LazyString]] = {
    "question_unknown": lambda **p: _l("There is no question %(question)s in this survey.", **p),
    "na_not_allowed": lambda **p: _l("“Not applicable” cannot be chosen for question %(question)s.", **p),
    "dont_know_not_allowed": lambda **p: _l("“Don't know” cannot be chosen for question %(question)s.", **p),
    "value_missing": lambda **p: _l("Please give an answer to question %(question)s.", **p),
    "value_unexpected": lambda **p: _l("Question %(question)s does not take a value with this choice.", **p),
    "value_type": lambda **p: _l("The answer to question %(question)s has the wrong form.", **p),
    "value_not_finite": lambda **p: _l("The answer to question %(question)s must be a number.", **p),
    "option_unknown": lambda **p: _l("Question %(question)s has no such option.", **p),
    "selection_empty": lambda **p: _l("Please choose at least one option for question %(question)s.", **p),
    "options_exclusive": lambda **p: _l(
        "In question %(question)s, “%(option)s” cannot be combined with other options.", **p
    ),
    "value_out_of_range": lambda **p: _l(
        "The answer to question %(question)s must be between %(min)s and %(max)s.", **p
    ),
    "text_too_long": lambda **p: _l(
        "The answer to question %(question)s is too long (at most %(max)s characters).", **p
    ),
}


def answer_problem(question: Question | None, code: str, question_code: str) -> LazyString:
    """The localised message for an engine's answer error code, naming the question."""
    params: dict[str, Any] = {"question": question_code, "option": "", "min": "", "max": ""}
    if question is not None:
        if question.type is QuestionType.PERCENT:
            params.update(min="0", max="100")
        elif question.min_value is not None and question.max_value is not None:
            params.update(min=_plain(question.min_value), max=_plain(question.max_value))
        exclusive = [o for o in question.options if o.exclusive]
        if exclusive:
            params["option"] = exclusive[0].label.get(str(get_locale() or "vi"))
    if code == "text_too_long":
        params["max"] = str(TEXT_MAX_LENGTH)
    return ANSWER_ERRORS.get(code, ANSWER_ERRORS["value_type"])(**params)


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def parse_answer(question: Question, state: str, value: Any) -> Answer:
    """An Answer from posted data (JSON or form), typed for the question; raises Invalid naming it."""
    try:
        answer_state = AnswerState(state)
    except ValueError:
        raise Invalid(Problem(question.code, answer_problem(question, "value_type", question.code))) from None
    if answer_state is not AnswerState.ANSWERED:
        answer = Answer(answer_state)
    else:
        answer = Answer.of(_coerce(question, value))
    try:
        validate_answer(question, answer)
    except InvalidAnswer as error:
        raise Invalid(Problem(question.code, answer_problem(question, error.code, question.code))) from None
    if (
        question.type is QuestionType.TEXT
        and isinstance(answer.value, str)
        and len(answer.value) > TEXT_MAX_LENGTH
    ):
        raise Invalid(Problem(question.code, answer_problem(question, "text_too_long", question.code)))
    return answer


def _coerce(question: Question, value: Any) -> Any:
    """Posted forms give strings; JSON gives typed values. Both become the engine's value types."""
    kind = question.type
    if kind is QuestionType.MULTI_CHOICE:
        if isinstance(value, str):
            return frozenset([value]) if value else frozenset()
        if isinstance(value, (list, tuple)):
            return frozenset(str(v) for v in value)
        return value
    if kind is QuestionType.YES_NO:
        if isinstance(value, str):
            return {"yes": True, "true": True, "no": False, "false": False}.get(value.lower(), value)
        return value
    if kind in (QuestionType.NUMBER, QuestionType.PERCENT):
        if isinstance(value, str):
            text = value.strip().replace(" ", "").replace(",", ".")
            try:
                number = float(text)
            except ValueError:
                return value
            return number if math.isfinite(number) else value
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value
    if kind is QuestionType.TEXT and isinstance(value, str):
        return value.strip()
    return value


class SaveStatus(StrEnum):
    SAVED = "saved"
    UNCHANGED = "unchanged"  # the same value was already stored: a retry, or two people agreeing
    CONFLICT = "conflict"  # someone else changed it since `base_version`; nothing was stored
    CLEARED = "cleared"


@dataclass(frozen=True)
class SaveResult:
    status: SaveStatus
    record: AnswerRecord | None


def ensure_editable(assessment: Assessment, actor: User) -> None:
    if assessment.status_enum not in EDITABLE:
        raise invalid(
            None,
            _l(
                "This assessment is “%(status)s” and can no longer be changed.",
                status=lifecycle.STATUS_LABELS[assessment.status_enum],
            ),
        )
    if assessment.status_enum is AssessmentStatus.RETURNED:
        # The first change after a return takes the assessment back to draft.
        lifecycle.transition(assessment, AssessmentStatus.DRAFT, actor=actor)


# Autosave is the hottest write: its statements are built once, so that a save costs running them, not
# building them and finding them in SQLAlchemy's cache.
_ANSWERS = AnswerRecord.__table__
_STORED_ANSWER = select(AnswerRecord).where(
    AnswerRecord.assessment_id == bindparam("assessment_id"),
    AnswerRecord.question_code == bindparam("question_code"),
)
_CHANGE_IF_CURRENT = (
    _ANSWERS.update()
    .where(
        _ANSWERS.c.assessment_id == bindparam("of_assessment"),
        _ANSWERS.c.question_code == bindparam("of_question"),
        _ANSWERS.c.version == bindparam("base_version"),
        or_(
            _ANSWERS.c.to_confirm.is_(True),
            _ANSWERS.c.state != bindparam("new_state"),
            cast(_ANSWERS.c.value, Text).is_distinct_from(bindparam("new_value_text", type_=Text)),
        ),
    )
    .values(
        state=bindparam("new_state"),
        value=bindparam("new_value", type_=_ANSWERS.c.value.type),
        version=_ANSWERS.c.version + 1,
        to_confirm=False,
        updated_at=bindparam("now", type_=_ANSWERS.c.updated_at.type),
        updated_by_id=bindparam("actor_id"),
    )
    .returning(_ANSWERS.c.id)
)
_TOUCH_ASSESSMENT = (
    Assessment.__table__.update()
    .where(Assessment.__table__.c.id == bindparam("assessment_id"))
    .values(
        updated_at=bindparam("now", type_=Assessment.__table__.c.updated_at.type),
        last_edited_by_id=bindparam("actor_id"),
    )
)


def save_answer(
    assessment: Assessment,
    question: Question,
    answer: Answer | None,
    base_version: int | None,
    *,
    actor: User,
) -> SaveResult:
    """Store one answer (None clears it). Never overwrites a colleague's newer answer: that is a conflict."""
    ensure_editable(assessment, actor)
    now = utcnow()
    if answer is not None and base_version:
        # The usual autosave: the page changes the answer it shows, at the version it shows. Only when that
        # is not the case (no answer yet, a colleague's newer version, the same value again) is the stored
        # answer read to decide.
        changed = _change_answer_at(assessment, question, answer, base_version, actor, now)
        if changed is not None:
            return changed
    stored = db.session.scalar(
        _STORED_ANSWER, {"assessment_id": assessment.id, "question_code": question.code}
    )
    if answer is None:
        if stored is None:
            return SaveResult(SaveStatus.UNCHANGED, None)
        if base_version is not None and stored.version != base_version:
            return SaveResult(SaveStatus.CONFLICT, stored)
        db.session.delete(stored)
        _touch(assessment, actor, now)
        db.session.commit()
        return SaveResult(SaveStatus.CLEARED, None)
    state, value = answer.state.value, _value_to_json(answer)
    if stored is None:
        record = AnswerRecord(
            assessment_id=assessment.id,
            question_code=question.code,
            state=state,
            value=value,
            updated_by_id=actor.id,
            updated_at=now,
        )
        db.session.add(record)
        _touch(assessment, actor, now)
        try:
            db.session.commit()
        except IntegrityError:
            # A colleague's first answer to the same question arrived first: decide as for any later save.
            db.session.rollback()
            return save_answer(assessment, question, answer, base_version, actor=actor)
        return SaveResult(SaveStatus.SAVED, record)
    if stored.state == state and stored.value == value and not stored.to_confirm:
        return SaveResult(SaveStatus.UNCHANGED, stored)
    if base_version is not None and stored.version != base_version:
        return SaveResult(SaveStatus.CONFLICT, stored)
    # Compare-and-set on the version, so that two saves racing from the same base cannot both win.
    changed = _change_answer_at(assessment, question, answer, stored.version, actor, now)
    if changed is None:
        db.session.rollback()
        db.session.refresh(stored)
        return SaveResult(SaveStatus.CONFLICT, stored)
    return changed


def _change_answer_at(
    assessment: Assessment,
    question: Question,
    answer: Answer,
    base_version: int,
    actor: User,
    now: dt.datetime,
) -> SaveResult | None:
    """Change the stored answer if it is still at `base_version` and differs (or waits to be confirmed), in
    one compare-and-set statement, and commit. None when nothing was changed: no answer, another version,
    or the same value."""
    state, value = answer.state.value, _value_to_json(answer)
    record_id = db.session.scalar(
        _CHANGE_IF_CURRENT,
        {
            "of_assessment": assessment.id,
            "of_question": question.code,
            "base_version": base_version,
            "new_state": state,
            "new_value": value,
            # As the column holds it: the same JSON text is the same value. (Another spelling of the same
            # value only costs a new version.)
            "new_value_text": json.dumps(value),
            "now": now,
            "actor_id": actor.id,
        },
    )
    if record_id is None:
        return None
    # The assessment's "last edited" as a statement, not through the loaded object: nothing is left for the
    # commit to flush.
    db.session.execute(_TOUCH_ASSESSMENT, {"assessment_id": assessment.id, "now": now, "actor_id": actor.id})
    for attribute, touched in (("updated_at", now), ("last_edited_by_id", actor.id)):
        set_committed_value(assessment, attribute, touched)
    commit_keeping_loaded_state()
    # What the row now holds, without reading it back: the caller shows the version and the time. A copy
    # this request had already loaded takes the same values instead of being read back.
    written = {
        "state": state,
        "value": value,
        "version": base_version + 1,
        "to_confirm": False,
        "updated_at": now,
        "updated_by_id": actor.id,
    }
    record = db.session.identity_map.get(db.session.identity_key(AnswerRecord, record_id))
    if record is None:
        record = AnswerRecord(
            id=record_id, assessment_id=assessment.id, question_code=question.code, **written
        )
    else:
        for attribute, stored_value in written.items():
            set_committed_value(record, attribute, stored_value)
    return SaveResult(SaveStatus.SAVED, record)


def is_unchanged(record: AnswerRecord, answer: Answer) -> bool:
    """Whether `answer` is what `record` already holds."""
    return record.state == answer.state.value and record.value == _value_to_json(answer)


def _touch(assessment: Assessment, actor: User, now: dt.datetime) -> None:
    assessment.updated_at = now
    assessment.last_edited_by_id = actor.id


# --- evidence, targets, score ----------------------------------------------------------------------


def evidence_codes(assessment: Assessment) -> set[str]:
    """Questions with evidence: a note, a document reference or a file."""
    noted = select(Evidence.question_code).where(
        Evidence.assessment_id == assessment.id,
        (func.length(func.trim(Evidence.note)) > 0) | (func.length(func.trim(Evidence.document_number)) > 0),
    )
    filed = select(EvidenceFile.question_code).where(EvidenceFile.assessment_id == assessment.id)
    # One statement: every save re-scores, and the score needs this set each time.
    return set(db.session.scalars(union(noted, filed)))


def targets_of(assessment: Assessment, framework: Framework) -> dict[str, int]:
    rows = db.session.scalars(select(TargetLevel).where(TargetLevel.assessment_id == assessment.id))
    return _targets_from(framework, rows)


def _targets_from(framework: Framework, rows: Iterable[TargetLevel]) -> dict[str, int]:
    targets = {dimension.code: dimension.default_target for dimension in framework.dimensions}
    for row in rows:
        if row.dimension_code in targets:
            targets[row.dimension_code] = row.level
    return targets


def set_target(assessment: Assessment, dimension_code: str, level: int, *, actor: User) -> None:
    framework = framework_of(assessment)
    if dimension_code not in {d.code for d in framework.dimensions}:
        raise invalid("dimension", _l("There is no dimension %(code)s in this survey.", code=dimension_code))
    if not 1 <= level <= 5:
        raise invalid("level", _l("A target level is between 1 and 5."))
    if actor.is_respondent and assessment.status_enum not in EDITABLE:
        raise invalid(None, _l("Targets can be changed by the office only while the assessment is a draft."))
    row = db.session.scalar(
        select(TargetLevel).where(
            TargetLevel.assessment_id == assessment.id, TargetLevel.dimension_code == dimension_code
        )
    )
    if row is None:
        row = TargetLevel(assessment_id=assessment.id, dimension_code=dimension_code, level=level)
        db.session.add(row)
    row.level = level
    row.updated_by_id = actor.id
    row.updated_at = utcnow()
    audit.record(
        "target.set",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={"dimension": dimension_code, "level": level},
    )
    db.session.commit()


def overrides_of(assessment: Assessment) -> tuple[dict[str, PointsOverride], dict[str, LevelOverride]]:
    """The consultants' overrides (roadmap.services.review.workflow) as the engine takes them. They are part
    of the assessment's result for everyone who sees it, so every score of the assessment applies them."""
    return _overrides_from(
        db.session.scalars(
            select(ScoreOverride)
            .where(ScoreOverride.assessment_id == assessment.id)
            .options(joinedload(ScoreOverride.author))
        )
    )


def _overrides_from(
    rows: Iterable[ScoreOverride],
) -> tuple[dict[str, PointsOverride], dict[str, LevelOverride]]:
    points: dict[str, PointsOverride] = {}
    levels: dict[str, LevelOverride] = {}
    for row in rows:
        author = row.author.full_name if row.author is not None else ""
        if row.kind == OverrideKind.POINTS:
            points[row.target_code] = PointsOverride(row.value, row.justification, author)
        else:
            levels[row.target_code] = LevelOverride(int(row.value), row.justification, author)
    return points, levels


@dataclass(frozen=True)
class Scored:
    framework: Framework
    records: dict[str, AnswerRecord]
    result: ScoreResult
    # Everything the result was computed from: equal inputs, equal result (and equal rendered result).
    inputs: tuple[Any, ...] = ()


def live_score(assessment: Assessment, *, guidance: bool = True, guidance_for: str | None = None) -> Scored:
    """Score the assessment as it stands now (nothing stored). With `guidance_for` (a dimension code), the
    next-level guidance is computed for that dimension only: what a survey page shows, at a fraction of
    the cost of every dimension's."""
    framework = framework_of(assessment)
    records = answer_records(assessment)
    targets = targets_of(assessment, framework)
    return _score_from(
        framework,
        records,
        evidence_codes(assessment),
        targets,
        overrides_of(assessment),
        guidance=guidance,
        guidance_for=guidance_for,
    )


def live_scores(rows: Sequence[Assessment]) -> tuple[dict[int, Scored], dict[int, set[str]]]:
    """`live_score` (without guidance) of many assessments at once, in a fixed number of statements
    whatever their number; with each one's evidence codes, which lists of assessments also show."""
    ids = [row.id for row in rows]
    records: dict[int, dict[str, AnswerRecord]] = {i: {} for i in ids}
    evidence: dict[int, set[str]] = {i: set() for i in ids}
    target_rows: dict[int, list[TargetLevel]] = {i: [] for i in ids}
    override_rows: dict[int, list[ScoreOverride]] = {i: [] for i in ids}
    if ids:
        for record in db.session.scalars(select(AnswerRecord).where(AnswerRecord.assessment_id.in_(ids))):
            records[record.assessment_id][record.question_code] = record
        noted = db.session.execute(
            select(Evidence.assessment_id, Evidence.question_code).where(
                Evidence.assessment_id.in_(ids),
                (func.length(func.trim(Evidence.note)) > 0)
                | (func.length(func.trim(Evidence.document_number)) > 0),
            )
        )
        filed = db.session.execute(
            select(EvidenceFile.assessment_id, EvidenceFile.question_code)
            .where(EvidenceFile.assessment_id.in_(ids))
            .distinct()
        )
        for assessment_id, code in [*noted, *filed]:
            evidence[assessment_id].add(code)
        for target in db.session.scalars(select(TargetLevel).where(TargetLevel.assessment_id.in_(ids))):
            target_rows[target.assessment_id].append(target)
        for override in db.session.scalars(
            select(ScoreOverride)
            .where(ScoreOverride.assessment_id.in_(ids))
            .options(joinedload(ScoreOverride.author))
        ):
            override_rows[override.assessment_id].append(override)
    scored = {}
    for row in rows:
        framework = framework_of(row)
        scored[row.id] = _score_from(
            framework,
            records[row.id],
            evidence[row.id],
            _targets_from(framework, target_rows[row.id]),
            _overrides_from(override_rows[row.id]),
            guidance=False,
            guidance_for=None,
        )
    return scored, evidence


def _score_from(
    framework: Framework,
    records: dict[str, AnswerRecord],
    evidence_found: set[str],
    targets: dict[str, int],
    overrides: tuple[dict[str, PointsOverride], dict[str, LevelOverride]],
    *,
    guidance: bool,
    guidance_for: str | None,
) -> Scored:
    answers = answers_of(framework, records)
    evidence = frozenset(evidence_found & {q.code for q in framework.questions})
    points, levels = overrides
    inputs = (
        framework.fingerprint,
        tuple(sorted(answers.items())),
        evidence,
        tuple(sorted(targets.items())),
        tuple(sorted(points.items())),
        tuple(sorted(levels.items())),
    )
    everything = guidance and guidance_for is None
    result = _memoised(
        (*inputs, "score", everything),
        lambda: score(
            framework,
            answers,
            evidence=evidence,
            targets=targets,
            point_overrides=points,
            level_overrides=levels,
            guidance=everything,
        ),
    )
    if guidance and guidance_for is not None:
        scored = result
        guides = _memoised(
            (*inputs, "guidance", guidance_for),
            lambda: next_level_guidance(
                framework,
                answers,
                scored,
                evidence=evidence,
                targets=targets,
                point_overrides=points,
                level_overrides=levels,
                dimensions=(guidance_for,),
            ),
        )
        result = dataclasses.replace(result, guidance=guides)
    return Scored(framework, records, result, (*inputs, guidance, guidance_for))


# The engine is pure and its results immutable: the same inputs give the same result, so a page shown again
# without a change (reloads, colleagues reading, section after section) reuses it instead of re-scoring;
# next-level guidance is the costly part. Per process, bounded; keys start with the framework's fingerprint.
_MEMO: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_MEMO_SIZE = 512
_MEMO_LOCK = Lock()


def _memoised(key: tuple[Any, ...], compute: Callable[[], _T]) -> _T:
    with _MEMO_LOCK:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            known: _T = _MEMO[key]
            return known
    value = compute()
    with _MEMO_LOCK:
        _MEMO[key] = value
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return value


def take_snapshot(assessment: Assessment, reason: str, *, actor: User | None) -> ScoreSnapshot:
    """Freeze the current result with the framework fingerprint and the engine version. The caller commits."""
    scored = live_score(assessment, guidance=True)
    snapshot = ScoreSnapshot(
        assessment_id=assessment.id,
        reason=reason,
        framework_fingerprint=assessment.framework_version.fingerprint,
        engine_version=ENGINE_VERSION,
        index_value=scored.result.index,
        overall_level=scored.result.level,
        levels={dimension.code: dimension.level for dimension in scored.result.dimensions},
        result=result_to_dict(scored.result),
        created_by_id=actor.id if actor else None,
    )
    db.session.add(snapshot)
    return snapshot


def latest_snapshot(assessment: Assessment) -> ScoreSnapshot | None:
    return db.session.scalar(
        select(ScoreSnapshot)
        .where(ScoreSnapshot.assessment_id == assessment.id)
        .order_by(ScoreSnapshot.created_at.desc(), ScoreSnapshot.id.desc())
        .limit(1)
    )


# --- progress and submission -----------------------------------------------------------------------


@dataclass(frozen=True)
class SectionProgress:
    dimension: str
    required: int  # visible required questions
    answered: int  # of those, answered (N/A and "don't know" included)

    @property
    def complete(self) -> bool:
        return self.answered >= self.required


def progress(framework: Framework, result: ScoreResult) -> list[SectionProgress]:
    counts = {d.code: [0, 0] for d in framework.dimensions}
    for question, outcome in zip(framework.questions, result.questions, strict=True):
        if not question.required or outcome.exclusion is Exclusion.HIDDEN:
            continue
        counts[question.dimension][0] += 1
        if outcome.answer is not None:
            counts[question.dimension][1] += 1
    return [SectionProgress(code, required, answered) for code, (required, answered) in counts.items()]


def missing_answers(framework: Framework, result: ScoreResult, records: dict[str, AnswerRecord]) -> list[str]:
    """Codes of visible required questions without an answer, or with a carried-forward one not confirmed."""
    missing = []
    for question, outcome in zip(framework.questions, result.questions, strict=True):
        if not question.required or outcome.exclusion is Exclusion.HIDDEN:
            continue
        record = records.get(question.code)
        if outcome.answer is None or (record is not None and record.to_confirm):
            missing.append(question.code)
    return missing


def submit(assessment: Assessment, *, actor: User, expected_status_version: int | None) -> bool:
    """Submit once. A repeat of the same submit (double click, replay) is a no-op that returns False."""
    if (
        assessment.status_enum is AssessmentStatus.SUBMITTED
        and expected_status_version is not None
        and expected_status_version + 1 == assessment.status_version
    ):
        return False
    if assessment.status_enum is AssessmentStatus.RETURNED:
        raise invalid(None, _l("Please review the returned answers before submitting again."))
    scored = live_score(assessment, guidance=False)
    missing = missing_answers(scored.framework, scored.result, scored.records)
    if missing:
        raise invalid(None, _l("%(n)d required questions are not answered yet.", n=len(missing)))
    # Lock the row while changing status, so that parallel submits serialise on PostgreSQL; on SQLite the
    # status_version compare-and-set below does the same.
    changed = db.session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id, Assessment.status_version == assessment.status_version)
        .values(status_version=Assessment.status_version)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        return False
    lifecycle.transition(
        assessment, AssessmentStatus.SUBMITTED, actor=actor, expected_status_version=expected_status_version
    )
    take_snapshot(assessment, "submitted", actor=actor)
    notifications.assessment_submitted(assessment)
    db.session.commit()
    return True


# --- what the survey pages show --------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentSummary:
    """One row of an office's list of assessments."""

    assessment: Assessment
    answered: int
    required: int


def office_assessments(office: Office) -> list[AssessmentSummary]:
    """The office's assessments, newest cycle first, each with its progress (a few rows: one a year)."""
    rows = db.session.scalars(
        select(Assessment)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(Assessment.office_id == office.id)
        .options(joinedload(Assessment.cycle), joinedload(Assessment.last_edited_by))
        .order_by(Cycle.opens_on.desc())
    ).all()
    summaries = []
    for assessment in rows:
        scored = live_score(assessment, guidance=False)
        sections = progress(scored.framework, scored.result)
        summaries.append(
            AssessmentSummary(
                assessment,
                answered=sum(section.answered for section in sections),
                required=sum(section.required for section in sections),
            )
        )
    return summaries


def startable_cycles(office: Office) -> list[Cycle]:
    """Open cycles in which the office has no assessment yet."""
    started = select(Assessment.cycle_id).where(Assessment.office_id == office.id)
    return list(
        db.session.scalars(
            select(Cycle)
            .where(Cycle.status == CycleStatus.OPEN.value, Cycle.id.not_in(started))
            .order_by(Cycle.opens_on.desc())
        )
    )


def has_carry_forward_source(office: Office, cycle: Cycle) -> bool:
    """Whether an earlier cycle's approved answers exist to pre-fill from."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Assessment)
            .join(Cycle, Cycle.id == Assessment.cycle_id)
            .where(
                Assessment.office_id == office.id,
                Assessment.status.in_([AssessmentStatus.APPROVED.value, AssessmentStatus.PUBLISHED.value]),
                Cycle.opens_on < cycle.opens_on,
            )
        )
        or 0
    ) > 0


def user_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """Full names of the given users in one query (for "last edited by" beside every question)."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    rows = db.session.execute(select(User.id, User.full_name).where(User.id.in_(wanted)))
    return {row.id: row.full_name for row in rows}


# Respondents read the consultant's comments once the assessment has come back to them; consultants and
# administrators always see them.
_COMMENTS_SHOWN_TO_OFFICE = frozenset({AssessmentStatus.RETURNED, AssessmentStatus.DRAFT})


def review_comments(assessment: Assessment, viewer: User) -> dict[str | None, list[ReviewComment]]:
    """Comments by question code (None: on the whole assessment), oldest first, in one query."""
    if viewer.is_respondent and assessment.status_enum not in _COMMENTS_SHOWN_TO_OFFICE:
        return {}
    comments: dict[str | None, list[ReviewComment]] = {}
    for comment in db.session.scalars(
        select(ReviewComment)
        .where(ReviewComment.assessment_id == assessment.id)
        .options(joinedload(ReviewComment.author))
        .order_by(ReviewComment.created_at, ReviewComment.id)
    ):
        comments.setdefault(comment.question_code, []).append(comment)
    return comments
