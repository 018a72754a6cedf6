"""An assessment's result: targets, the consultants' overrides, the live score (memoised), snapshots that
freeze a result with the framework and engine that produced it, and progress."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from roadmap.engine.conditions import ProfileValue
from roadmap.engine.framework import Framework
from roadmap.engine.scoring import (
    ENGINE_VERSION,
    Exclusion,
    LevelOverride,
    PointsOverride,
    ScoreResult,
    needs_reference_date,
    next_level_guidance,
    result_to_dict,
    score,
)
from roadmap.extensions import db
from roadmap.models import (
    AnswerRecord,
    Assessment,
    Cycle,
    Evidence,
    EvidenceFile,
    Office,
    OfficeProfileAnswer,
    OverrideKind,
    ScoreOverride,
    ScoreSnapshot,
    SightedEvidence,
    TargetLevel,
    User,
    utcnow,
)
from roadmap.policy import Action, permits
from roadmap.services import invalid
from roadmap.services.platform import audit
from roadmap.services.platform.caching import Cache
from roadmap.services.survey.answers import answer_records, answers_of, evidence_codes
from roadmap.services.survey.assessments import framework_of
from roadmap.services.survey.profiles import profile_from, profile_of


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
    if not permits(actor, Action.SET_TARGETS, assessment):
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


def reference_date_of(assessment: Assessment, framework: Framework) -> dt.date | None:
    """The day the assessment's answers are judged at: its cycle's closing day, so that a date's age (and a
    re-scoring any day later) gives the same result. None when nothing in the framework is scored by the age
    of a date (the cycle is then not even read)."""
    return assessment.cycle.closes_on if needs_reference_date(framework) else None


def live_score(
    assessment: Assessment,
    *,
    guidance: bool = True,
    guidance_for: str | None = None,
    evidence_found: set[str] | None = None,
) -> Scored:
    """Score the assessment as it stands now (nothing stored). With `guidance_for` (a dimension code), the
    next-level guidance is computed for that dimension only: what a survey page shows, at a fraction of
    the cost of every dimension's. `evidence_found`: the questions with evidence, when the caller has read
    the evidence already (else read here)."""
    framework = framework_of(assessment)
    records = answer_records(assessment)
    targets = targets_of(assessment, framework)
    return _score_from(
        framework,
        records,
        evidence_codes(assessment) if evidence_found is None else evidence_found,
        targets,
        overrides_of(assessment),
        guidance=guidance,
        guidance_for=guidance_for,
        reference_date=reference_date_of(assessment, framework),
        profile=profile_of(assessment.office_id, framework),
    )


def live_scores(rows: Sequence[Assessment]) -> tuple[dict[int, Scored], dict[int, set[str]]]:
    """`live_score` (without guidance) of many assessments at once, in a fixed number of statements
    whatever their number; with each one's evidence codes, which lists of assessments also show."""
    ids = [row.id for row in rows]
    records: dict[int, dict[str, AnswerRecord]] = {i: {} for i in ids}
    evidence: dict[int, set[str]] = {i: set() for i in ids}
    target_rows: dict[int, list[TargetLevel]] = {i: [] for i in ids}
    override_rows: dict[int, list[ScoreOverride]] = {i: [] for i in ids}
    # The offices' profiles, read only for frameworks that ask one (one statement for all of them).
    office_ids = {row.office_id for row in rows if framework_of(row).profile}
    profile_rows: dict[int, dict[str, OfficeProfileAnswer]] = {row.office_id: {} for row in rows}
    if office_ids:
        for answer in db.session.scalars(
            select(OfficeProfileAnswer).where(OfficeProfileAnswer.office_id.in_(office_ids))
        ):
            profile_rows[answer.office_id][answer.question_code] = answer
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
        sighted = db.session.execute(
            select(SightedEvidence.assessment_id, SightedEvidence.question_code)
            .where(SightedEvidence.assessment_id.in_(ids))
            .distinct()
        )
        for assessment_id, code in [*noted, *filed, *sighted]:
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
            reference_date=reference_date_of(row, framework),
            profile=profile_from(framework, profile_rows[row.office_id]),
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
    reference_date: dt.date | None,
    profile: dict[str, ProfileValue],
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
        reference_date,
        tuple(sorted(profile.items())),
    )
    everything = guidance and guidance_for is None
    result = _SCORED.get_or_make(
        (*inputs, "score", everything),
        lambda: score(
            framework,
            answers,
            evidence=evidence,
            targets=targets,
            point_overrides=points,
            level_overrides=levels,
            guidance=everything,
            reference_date=reference_date,
            profile=profile,
        ),
    )
    if guidance and guidance_for is not None:
        scored = result
        guides = _SCORED.get_or_make(
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
                reference_date=reference_date,
                profile=profile,
            ),
        )
        result = dataclasses.replace(result, guidance=guides)
    return Scored(framework, records, result, (*inputs, guidance, guidance_for))


# The engine is pure and its results immutable: the same inputs give the same result, so a page shown again
# without a change (reloads, colleagues reading, section after section) reuses it instead of re-scoring;
# next-level guidance is the costly part. Per process, bounded; keys start with the framework's fingerprint.
_SCORED: Cache[Any] = Cache(maxsize=512)


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


@dataclass(frozen=True)
class MissingInDimension:
    """A dimension's required questions still to answer (or to confirm), for the review before submitting."""

    dimension: str
    questions: list[str]


def missing_by_dimension(framework: Framework, missing: Sequence[str]) -> list[MissingInDimension]:
    """`missing_answers` grouped by dimension in the framework's order, so a long list reads as counts."""
    grouped: dict[str, list[str]] = {d.code: [] for d in framework.dimensions}
    for code in missing:
        grouped[framework.question(code).dimension].append(code)
    return [MissingInDimension(code, codes) for code, codes in grouped.items() if codes]


@dataclass(frozen=True)
class EvidenceCost:
    """An answer that claims enough to need evidence and has none: the points it would count with evidence
    and the points it counts now (0–1)."""

    question: str
    dimension: str
    claimed: float
    counted: float


@dataclass(frozen=True)
class EvidenceCosts:
    answers: list[EvidenceCost]
    index_now: float
    index_with_evidence: float  # the same answers, every one of these with evidence

    @property
    def index_lost(self) -> float:
        return max(0.0, self.index_with_evidence - self.index_now)


def evidence_costs(scored: Scored) -> EvidenceCosts:
    """What the missing evidence costs: each discounted answer's points, and the index re-scored as if each
    had its evidence (the same scoring, so gates and weights hold)."""
    result = scored.result
    discounted = [q for q in result.questions if q.evidence_discounted]
    answers = [
        EvidenceCost(q.code, q.dimension, q.points_before_discount or 0.0, q.computed_points or 0.0)
        for q in discounted
    ]
    if not discounted:
        return EvidenceCosts([], result.index, result.index)
    with_evidence = rescored(scored, evidence=set(scored.inputs[2]) | {q.code for q in discounted})
    return EvidenceCosts(answers, result.index, with_evidence.result.index)


def rescored(
    scored: Scored,
    *,
    evidence: set[str] | None = None,
    points: dict[str, PointsOverride] | None = None,
) -> Scored:
    """The same answers scored again with other evidence or other point overrides (a projection: nothing
    is stored), by the same engine, so gates, weights and the discount hold."""
    _, _, found, targets, point_overrides, level_overrides, reference_date, profile = scored.inputs[:8]
    return _score_from(
        scored.framework,
        scored.records,
        set(found) if evidence is None else evidence,
        dict(targets),
        (dict(point_overrides) if points is None else points, dict(level_overrides)),
        guidance=False,
        guidance_for=None,
        reference_date=reference_date,
        profile=dict(profile),
    )
