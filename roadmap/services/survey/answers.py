"""Answers: stored values to the engine's answers and back, parsing what a person typed, saving one answer
with optimistic concurrency (one compare-and-set statement), carrying answers forward, evidence flags."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import String, Text, bindparam, cast, func, or_, select, union
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from roadmap.database import WHOLE_WRITE
from roadmap.engine.answers import Answer, AnswerState
from roadmap.engine.carry import declared_question_map
from roadmap.engine.diff import carried_questions
from roadmap.engine.framework import Framework, Question
from roadmap.engine.question_types import kind_of, text
from roadmap.engine.scoring import (
    InvalidAnswer,
    validate_answer,
)
from roadmap.extensions import commit_keeping_loaded_state, db
from roadmap.models import (
    REVIEWED_STATUSES,
    AnswerRecord,
    Assessment,
    Cycle,
    Evidence,
    EvidenceFile,
    Office,
    SightedEvidence,
    User,
    utcnow,
)
from roadmap.services import Invalid, Problem
from roadmap.services.platform.clock import local_today
from roadmap.services.platform.text import checked_text
from roadmap.services.survey.assessments import ANSWER_ERRORS, ensure_editable, framework_of

# The longest text answer (a rule of the text type), which the survey page announces.
TEXT_MAX_LENGTH = text.MAX_LENGTH


def carry_forward_answers(assessment: Assessment, office: Office, cycle: Cycle, actor: User) -> int:
    """Copy the office's previous approved answers, each "to confirm". From the same framework version every
    answer carries by its code; from another version only the answers the engine maps to a question taking
    the same answers (roadmap.engine.diff.carried_questions): a changed question is asked again. When the
    newer version declares a carry-forward map that reaches the older one, only its mapped questions carry."""
    previous = db.session.scalar(
        select(Assessment)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(
            Assessment.office_id == office.id,
            Assessment.id != assessment.id,
            Assessment.status.in_(REVIEWED_STATUSES),
            Cycle.opens_on < cycle.opens_on,
        )
        .order_by(Cycle.opens_on.desc())
        .limit(1)
    )
    if previous is None:
        return 0
    framework = framework_of(assessment)
    carried_to = carried_answer_codes(framework_of(previous), framework)
    carried = 0
    for record in db.session.scalars(select(AnswerRecord).where(AnswerRecord.assessment_id == previous.id)):
        code = carried_to.get(record.question_code)
        if code is None:
            continue
        question = framework.question(code)
        try:
            validate_answer(question, to_answer(question, record))
        except InvalidAnswer:
            continue  # an answer its question no longer takes (a range narrowed): ask again
        db.session.add(
            AnswerRecord(
                assessment_id=assessment.id,
                question_code=code,
                state=record.state,
                value=record.value,
                to_confirm=True,
                updated_by_id=actor.id,
            )
        )
        carried += 1
    return carried


def carried_answer_codes(older: Framework, newer: Framework) -> dict[str, str]:
    """OLD → NEW question codes of the answers that carry from `older` to `newer`: through `newer`'s declared
    map where it reaches `older` (a question left out of the map is asked again, even under the same code:
    its meaning changed), else by code; in both cases only into a question that takes the same answers."""
    question_map = declared_question_map(newer, older)
    carried = carried_questions(older, newer, question_map)
    if question_map is None:
        return carried
    return {old: new for old, new in carried.items() if question_map.get(old) == new}


def to_answer(question: Question, record: AnswerRecord) -> Answer:
    return stored_answer(question, record.state, record.value)


def stored_answer(question: Question, state: str, value: Any) -> Answer:
    """The engine's Answer for a stored (state, JSON value) pair."""
    answer_state = AnswerState(state)
    if answer_state is not AnswerState.ANSWERED:
        return Answer(answer_state)
    return Answer.of(kind_of(question).from_stored(question, value))


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


def answer_problem(
    question: Question | None, code: str, question_code: str, error: InvalidAnswer | None = None
) -> LazyString:
    """The localised message for an engine's answer error code, naming the question: a message every type
    shares (ANSWER_ERRORS) or the question type's own, with the figures it names in the user's language."""
    params: dict[str, Any] = {"question": question_code, "option": "", "min": "", "max": "", "date": ""}
    if question is None:
        return ANSWER_ERRORS.get(code, ANSWER_ERRORS["value_type"])(**params)
    kind = kind_of(question)
    locale = _user_locale()
    params.update(kind.message_params(question, error or InvalidAnswer(code, question_code, ""), locale))
    own = kind.messages.get(code)
    if own is not None:
        return _l(own, **params)
    return ANSWER_ERRORS.get(code, ANSWER_ERRORS["value_type"])(**params)


def _user_locale() -> str:
    """The language the user types and reads numbers in."""
    return str(get_locale() or "vi")


def _typed_text(question: Question, value: Any) -> Any:
    """The posted value with its texts through the text boundary, refused beside the question."""
    if isinstance(value, str):
        return checked_text(value, question.code, question.code)
    if isinstance(value, list):
        return [_typed_text(question, item) for item in value]
    return value


def parse_answer(question: Question, state: str, value: Any) -> Answer:
    """An Answer from posted data (JSON or form), typed for the question by its type (posted forms give
    strings, read in the user's language; JSON typed values) and checked, the rules of entry included;
    raises Invalid naming it."""
    try:
        answer_state = AnswerState(state)
    except ValueError:
        raise Invalid(Problem(question.code, answer_problem(question, "value_type", question.code))) from None
    try:
        if answer_state is not AnswerState.ANSWERED:
            answer = Answer(answer_state)
        else:
            answer = Answer.of(
                kind_of(question).parse(question, _typed_text(question, value), locale=_user_locale())
            )
        validate_answer(question, answer, today=local_today())
    except InvalidAnswer as error:
        problem = answer_problem(question, error.code, question.code, error)
        raise Invalid(Problem(question.code, problem)) from None
    return answer


class SaveStatus(StrEnum):
    SAVED = "saved"
    UNCHANGED = "unchanged"  # the same value was already stored: a retry, or two people agreeing
    CONFLICT = "conflict"  # someone else changed it since `base_version`; nothing was stored
    CLEARED = "cleared"
    KEY_REUSED = "key_reused"  # the change's key produced another value: a faulty client; nothing stored


# What a change's idempotency key may be: the page makes 128 random bits in letters and digits.
IDEMPOTENCY_KEY_LENGTH = 64


@dataclass(frozen=True)
class SaveResult:
    status: SaveStatus
    record: AnswerRecord | None


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
        # A key that produced the stored value is never a new change (a retry, or a key reused).
        or_(
            bindparam("new_key", type_=String).is_(None),
            _ANSWERS.c.idempotency_key.is_distinct_from(bindparam("new_key", type_=String)),
        ),
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
        idempotency_key=bindparam("new_key", type_=String),
    )
    .returning(_ANSWERS.c.id)
)


_ASSESSMENTS = Assessment.__table__
# The assessment's "last edited", which every save that writes an answer sets.
_TOUCHED = {
    "updated_at": bindparam("now", type_=_ASSESSMENTS.c.updated_at.type),
    "last_edited_by_id": bindparam("actor_id"),
}
_TOUCH_ASSESSMENT = (
    _ASSESSMENTS.update().where(_ASSESSMENTS.c.id == bindparam("assessment_id")).values(_TOUCHED)
)


def _touching_assessment(write: Any) -> Any:
    """`write` (an UPDATE or INSERT of one answer, RETURNING its id and assessment) and the assessment's
    "last edited" touch in one statement, for PostgreSQL (a data-modifying WITH): the whole of the save, so
    that it runs outside a transaction (database.WHOLE_WRITE) — one round trip instead of BEGIN, the write,
    the touch and COMMIT. The touch happens only when the answer was written; the statement returns the
    answer's id, or nothing."""
    written = write.cte("written")
    return (
        _ASSESSMENTS.update()
        .where(_ASSESSMENTS.c.id == written.c.assessment_id)
        .values(_TOUCHED)
        .returning(written.c.id)
        .add_cte(written)
        .execution_options(**{WHOLE_WRITE: True})
    )


_CHANGE_AND_TOUCH = _touching_assessment(_CHANGE_IF_CURRENT.returning(_ANSWERS.c.assessment_id))


def _on_postgresql() -> bool:
    return bool(db.session.get_bind().dialect.name == "postgresql")


def _write_and_touch(
    write: Any,
    parameters: dict[str, Any],
    assessment: Assessment,
    actor: User,
    now: dt.datetime,
    *,
    touching: Any = None,
) -> int | None:
    """Run `write` (the answer's UPDATE or INSERT, RETURNING its id first) with the assessment's "last edited"
    touch, and commit; the answer's id, or None when nothing was written (and nothing touched).

    On PostgreSQL both are one statement (`touching`, or `_touching_assessment(write)` when the caller has
    none built); elsewhere the touch is a statement of its own after the write, not a change of the loaded
    object, so that nothing is left for the commit to flush."""
    touched_by = {"now": now, "actor_id": actor.id}
    if _on_postgresql():
        # Only the statement's own parameters: other keys would change what an UPDATE sets.
        statement = touching if touching is not None else _touching_assessment(write)
        record_id: int | None = db.session.scalar(statement, {**parameters, **touched_by})
    else:
        record_id = db.session.scalar(write, parameters)
        if record_id is not None:
            db.session.execute(_TOUCH_ASSESSMENT, {"assessment_id": assessment.id, **touched_by})
    if record_id is None:
        return None
    for attribute, touched in (("updated_at", now), ("last_edited_by_id", actor.id)):
        set_committed_value(assessment, attribute, touched)
    commit_keeping_loaded_state()
    # The database moved the assessment's revision (a trigger): read again only if someone asks.
    db.session.expire(assessment, ["revision"])
    return record_id


def save_answer(
    assessment: Assessment,
    question: Question,
    answer: Answer | None,
    base_version: int | None,
    *,
    actor: User,
    key: str | None = None,
    follows: frozenset[str] = frozenset(),
) -> SaveResult:
    """Store one answer (None clears it). Never overwrites a newer answer that the page has not seen, even
    one of the same account: that is a conflict.

    `key` is the page's idempotency key of this change. Sent again after a failure, the change is quietly
    accepted when the stored value is the one its key produced (the first attempt did arrive); the same key
    with another value is refused (KEY_REUSED). `follows` are the keys of this page's earlier changes to the
    question whose answer it never heard: when one of them produced the stored value, this change builds on
    it rather than meeting it as someone else's."""
    ensure_editable(assessment, actor)
    now = utcnow()
    if answer is not None and base_version:
        # The usual autosave: the page changes the answer it shows, at the version it shows. Only when that
        # is not the case (no answer yet, a newer version, the same value or key again) is the stored
        # answer read to decide.
        changed = _change_answer_at(assessment, question, answer, base_version, actor, now, key)
        if changed is not None:
            return changed
    elif answer is not None:
        # The page knew no answer: the first one is stored in one statement, unless an answer is there
        # already (a colleague's, or this change's first attempt), which is then read to decide.
        inserted = _insert_first_answer(assessment, question, answer, actor, now, key)
        if inserted is not None:
            return inserted
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
            idempotency_key=key,
        )
        db.session.add(record)
        _touch(assessment, actor, now)
        try:
            db.session.commit()
        except IntegrityError:
            # A colleague's first answer to the same question arrived first: decide as for any later save.
            db.session.rollback()
            return save_answer(
                assessment, question, answer, base_version, actor=actor, key=key, follows=follows
            )
        return SaveResult(SaveStatus.SAVED, record)
    same_value = stored.state == state and stored.value == value
    if key is not None and stored.idempotency_key == key:
        # This very change produced the stored value: its first attempt arrived, and this is a retry.
        return SaveResult(SaveStatus.UNCHANGED if same_value else SaveStatus.KEY_REUSED, stored)
    if stored.idempotency_key is not None and stored.idempotency_key in follows:
        base_version = stored.version  # our own earlier change arrived unheard: this one follows it
    if same_value and not stored.to_confirm:
        return SaveResult(SaveStatus.UNCHANGED, stored)
    if base_version is not None and stored.version != base_version:
        return SaveResult(SaveStatus.CONFLICT, stored)
    # Compare-and-set on the version, so that two saves racing from the same base cannot both win.
    changed = _change_answer_at(assessment, question, answer, stored.version, actor, now, key)
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
    key: str | None,
) -> SaveResult | None:
    """Change the stored answer if it is still at `base_version` and differs (or waits to be confirmed), in
    one compare-and-set statement, and commit. None when nothing was changed: no answer, another version,
    the same value, or a value that `key` produced already."""
    state, value = answer.state.value, _value_to_json(answer)
    record_id = _write_and_touch(
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
            "new_key": key,
        },
        assessment,
        actor,
        now,
        touching=_CHANGE_AND_TOUCH,
    )
    if record_id is None:
        return None
    # What the row now holds, without reading it back: the caller shows the version and the time. A copy
    # this request had already loaded takes the same values instead of being read back.
    written = {
        "state": state,
        "value": value,
        "version": base_version + 1,
        "to_confirm": False,
        "updated_at": now,
        "updated_by_id": actor.id,
        "idempotency_key": key,
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


def _insert_first_answer(
    assessment: Assessment, question: Question, answer: Answer, actor: User, now: dt.datetime, key: str | None
) -> SaveResult | None:
    """Insert the question's first answer (INSERT … ON CONFLICT DO NOTHING RETURNING, on PostgreSQL and
    SQLite alike) and commit; None, with nothing written, when the question has an answer already."""
    insert = postgresql_insert if _on_postgresql() else sqlite_insert
    written = {
        "state": answer.state.value,
        "value": _value_to_json(answer),
        "version": 1,
        "to_confirm": False,
        "updated_at": now,
        "updated_by_id": actor.id,
        "idempotency_key": key,
    }
    first = (
        insert(_ANSWERS)
        .values(assessment_id=assessment.id, question_code=question.code, **written)
        .on_conflict_do_nothing(index_elements=["assessment_id", "question_code"])
        .returning(_ANSWERS.c.id, _ANSWERS.c.assessment_id)
    )
    record_id = _write_and_touch(first, {}, assessment, actor, now)
    if record_id is None:
        return None
    record = AnswerRecord(id=record_id, assessment_id=assessment.id, question_code=question.code, **written)
    return SaveResult(SaveStatus.SAVED, record)


def is_unchanged(record: AnswerRecord, answer: Answer) -> bool:
    """Whether `answer` is what `record` already holds."""
    return record.state == answer.state.value and record.value == _value_to_json(answer)


def _touch(assessment: Assessment, actor: User, now: dt.datetime) -> None:
    assessment.updated_at = now
    assessment.last_edited_by_id = actor.id


def evidence_codes(assessment: Assessment) -> set[str]:
    """Questions with evidence: a note, a document reference, a file or a record of evidence sighted on site
    by a consultant (classified material is sighted, not uploaded: it satisfies the same rule)."""
    noted = select(Evidence.question_code).where(
        Evidence.assessment_id == assessment.id,
        (func.length(func.trim(Evidence.note)) > 0) | (func.length(func.trim(Evidence.document_number)) > 0),
    )
    filed = select(EvidenceFile.question_code).where(EvidenceFile.assessment_id == assessment.id)
    sighted = select(SightedEvidence.question_code).where(SightedEvidence.assessment_id == assessment.id)
    # One statement: every save re-scores, and the score needs this set each time.
    return set(db.session.scalars(union(noted, filed, sighted)))
