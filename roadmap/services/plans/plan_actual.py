"""Plan against actual at the next cycle (issue 22): last year's published roadmap, as the office followed it,
read beside this year's assessment. The computation is the engine's (roadmap.engine.plan_actual); this
module gathers its inputs and words its results.

- At each question that an initiative marked done was expected to change, the survey shows a hint (which
  initiative, the quarter it was finished, what it was expected to make the answer). Nothing is filled in
  from it: the respondent answers as things are.
- After approval, per dimension: the level last year's plan projected for now beside the level reached,
  and the done initiatives whose effects the answers do not show.
- The next roadmap carries over what is still open (roadmaps.open_initiatives, used when planning).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from roadmap.engine.carry import carry_forward
from roadmap.engine.framework import Effect, Framework
from roadmap.engine.plan_actual import PlanActual, compare, expected_effects
from roadmap.engine.scoring import ScoreResult
from roadmap.extensions import db
from roadmap.models import Assessment, InitiativeTracking, TrackingStatus
from roadmap.services.plans import roadmaps, tracking, wording
from roadmap.services.plans.tracking import Quarter
from roadmap.services.platform.caching import memoised
from roadmap.services.survey import answers as survey_answers
from roadmap.services.survey import assessments


@dataclass(frozen=True)
class Hint:
    """At one question: an initiative done last year was expected to change its answer."""

    initiative: str
    text: str  # the whole sentence, in the user's language


@dataclass(frozen=True)
class Comparison:
    previous: Assessment  # last year's published assessment
    figures: PlanActual
    names: dict[str, str]  # initiative code → name in the user's language
    reference: dt.date  # initiatives planned to finish by this day count in the projection


def state_key(assessment: Assessment) -> tuple[object, ...]:
    """What the hints and the comparison depend on beyond this assessment: the previous roadmap's tracking
    (part of the survey pages' cache keys). Read with the assessment when it was loaded with STATE_COLUMNS
    (the survey pages: one statement less on each), else in a statement of its own."""
    loaded = assessment.__dict__.get(_LOADED_STATE)
    if loaded is not None:
        previous_id, count, latest = loaded
    else:
        previous_id, count, latest = db.session.execute(_STATE, {"assessment_id": assessment.id}).one()
    return () if previous_id is None else (previous_id, count, latest)


def remember_state(assessment: Assessment, columns: tuple[object, ...]) -> None:
    """Keep the values of STATE_COLUMNS read with `assessment` for state_key (for this request: the
    session, and the object with it, ends with the request)."""
    assessment.__dict__[_LOADED_STATE] = columns


# The previous assessment and its tracking, as columns correlated to the Assessment of the statement that
# reads them (a survey page reads them with the assessment it shows), or in a statement of their own.
_LOADED_STATE = "_previous_tracking_state"
_PREVIOUS_OF_LOADED = roadmaps.previous_published_id_of(Assessment)
STATE_COLUMNS = (
    _PREVIOUS_OF_LOADED,
    select(func.count(InitiativeTracking.id))
    .where(InitiativeTracking.assessment_id == _PREVIOUS_OF_LOADED)
    .scalar_subquery(),
    select(func.max(InitiativeTracking.updated_at))
    .where(InitiativeTracking.assessment_id == _PREVIOUS_OF_LOADED)
    .scalar_subquery(),
)
_STATE = select(*STATE_COLUMNS).where(Assessment.id == bindparam("assessment_id"))


def quarter_text(text: str | None) -> str:
    quarter = Quarter.parse(text or "")
    if quarter is None:
        return text or ""
    return _("Q%(number)d %(year)d", number=quarter.number, year=quarter.year)


def effect_text(framework: Framework, effect: Effect) -> str:
    """What an effect makes an answer, as a person reads it ("at least “Level 4 …”")."""
    question = framework.question(effect.question)
    if effect.at_least is not None:
        return _("at least %(value)s", value=wording.value_text(effect.at_least, question))
    if isinstance(effect.value, frozenset):
        return _("include %(value)s", value=wording.value_text(effect.value, question))
    return _("exactly %(value)s", value=wording.value_text(effect.value, question))


# The map compares two whole frameworks: kept per pair of versions (a section page asks for it each time).
@memoised(maxsize=16, key=lambda older, newer: (older.fingerprint, newer.fingerprint))
def _question_map(older: Framework, newer: Framework) -> dict[str, str]:
    return survey_answers.carried_answer_codes(older, newer)


def hints(assessment: Assessment) -> dict[str, list[Hint]]:
    """Question code → the hints of the initiatives marked done on the office's previous published roadmap
    that were expected to change its answer (none when there is no such roadmap)."""
    previous = roadmaps.previous_published(assessment)
    if previous is None:
        return {}
    done = db.session.execute(
        select(InitiativeTracking.initiative_code, InitiativeTracking.actual_finish)
        .where(
            InitiativeTracking.assessment_id == previous.id,
            InitiativeTracking.status == TrackingStatus.DONE.value,
        )
        .order_by(InitiativeTracking.initiative_code)
    ).all()
    if not done:
        return {}
    older = assessments.framework_of(previous)
    newer = assessments.framework_of(assessment)
    effects = expected_effects(older, newer, [code for code, _finish in done], _question_map(older, newer))
    found: dict[str, list[Hint]] = {}
    for code, finish in done:
        name = wording.initiative_name(newer if _known(newer, code) else older, code)
        for effect in effects.get(code, ()):
            sentence = (
                _(
                    "“%(initiative)s”, marked done in %(quarter)s, was expected to make this answer "
                    "%(expected)s. Please answer as things stand now: nothing is filled in from it.",
                    initiative=name,
                    quarter=quarter_text(finish),
                    expected=effect_text(newer, effect),
                )
                if finish
                else _(
                    "“%(initiative)s”, marked done, was expected to make this answer %(expected)s. "
                    "Please answer as things stand now: nothing is filled in from it.",
                    initiative=name,
                    expected=effect_text(newer, effect),
                )
            )
            found.setdefault(effect.question, []).append(Hint(code, sentence))
    return found


def _known(framework: Framework, code: str) -> bool:
    return any(initiative.code == code for initiative in framework.initiatives)


def comparison(assessment: Assessment, current: ScoreResult) -> Comparison | None:
    """Last year's plan against this year's `current` result, or None without a previous published
    roadmap."""
    previous = roadmaps.previous_published(assessment)
    if previous is None:
        return None
    roadmap = roadmaps.load(previous)
    if roadmap is None:
        return None
    newer = assessments.framework_of(assessment)
    older = roadmap.framework
    reference = current.reference_date or assessment.cycle.closes_on
    by_now = Quarter.of_day(reference)
    lines = tracking.lines(previous, today=reference)
    planned = [
        line.code for line in lines if line.planned_finish is not None and line.planned_finish <= by_now
    ]
    done = [line.code for line in lines if line.status is TrackingStatus.DONE]
    question_map = _question_map(assessments.framework_of(previous), newer)
    effects = expected_effects(older, newer, [line.code for line in lines], question_map)
    last = {q.code: q.answer for q in roadmap.result.questions if q.answer is not None}
    carried = carry_forward(last, question_map, into=newer)
    evidence = [
        question_map[q.code] for q in roadmap.result.questions if q.has_evidence and q.code in question_map
    ]
    figures = compare(newer, current, carried, evidence, effects, planned, done)
    names = {line.code: line.name for line in lines}
    return Comparison(previous, figures, names, reference)
