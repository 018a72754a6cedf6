"""The portfolio of a cycle: every visible office × dimension, the index distribution, trends against the
previous cycle (only between identical framework versions), most improved and areas of concern.

Figures come from score snapshots (what was submitted, reviewed or approved), never from drafts. The whole
page costs a fixed number of queries whatever the number of offices.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus, Cycle, Office, ScoreSnapshot, User
from roadmap.policy import visible_offices_query
from roadmap.services.survey import frameworks

# Statuses whose latest snapshot is a result worth showing beside the others.
SHOWN_STATUSES = frozenset(
    {
        AssessmentStatus.SUBMITTED,
        AssessmentStatus.IN_REVIEW,
        AssessmentStatus.RETURNED,
        AssessmentStatus.APPROVED,
        AssessmentStatus.PUBLISHED,
    }
)
INDEX_BANDS = ((0, 200), (200, 400), (400, 600), (600, 800), (800, 1001))
CONCERN_LEVEL = 2  # a dimension at or below this level is an area of concern
PEER_MINIMUM = 5  # fewer offices than this and a median could point at one of them


@dataclass(frozen=True)
class OfficeResult:
    office: Office
    assessment: Assessment | None
    index: float | None = None
    level: int | None = None
    levels: dict[str, int] = field(default_factory=dict)
    previous_index: float | None = None
    # Why no trend is shown although both cycles have a result (e.g. different framework versions).
    not_comparable: str | None = None

    @property
    def change(self) -> float | None:
        if self.index is None or self.previous_index is None:
            return None
        return round(self.index - self.previous_index, 1)


@dataclass(frozen=True)
class Portfolio:
    cycle: Cycle
    previous: Cycle | None
    dimensions: list[tuple[str, Any]]  # (code, LocalText name) in framework order
    rows: list[OfficeResult]
    distribution: list[tuple[tuple[int, int], int]]
    concerns: list[tuple[str, int]]  # dimension code, offices at or below CONCERN_LEVEL
    improved: list[OfficeResult]

    @property
    def with_results(self) -> list[OfficeResult]:
        return [row for row in self.rows if row.index is not None]


def _latest_snapshots(assessment_ids: list[int]) -> dict[int, ScoreSnapshot]:
    latest: dict[int, ScoreSnapshot] = {}
    if not assessment_ids:
        return latest
    rows = db.session.scalars(
        select(ScoreSnapshot)
        .where(ScoreSnapshot.assessment_id.in_(assessment_ids))
        .order_by(ScoreSnapshot.assessment_id, ScoreSnapshot.created_at.desc(), ScoreSnapshot.id.desc())
    )
    for snapshot in rows:
        latest.setdefault(snapshot.assessment_id, snapshot)
    return latest


def previous_cycle(cycle: Cycle) -> Cycle | None:
    return db.session.scalar(
        select(Cycle).where(Cycle.opens_on < cycle.opens_on).order_by(Cycle.opens_on.desc()).limit(1)
    )


def build(
    user: User, cycle: Cycle, *, office_kind: str | None = None, status: str | None = None
) -> Portfolio:
    query = visible_offices_query(user).where(Office.active.is_(True)).order_by(Office.code)
    if office_kind:
        query = query.where(Office.kind == office_kind)
    offices = list(db.session.scalars(query))
    previous = previous_cycle(cycle)
    cycle_ids = [cycle.id] + ([previous.id] if previous else [])
    found = db.session.scalars(
        select(Assessment)
        .options(joinedload(Assessment.framework_version))
        .where(Assessment.office_id.in_([o.id for o in offices]), Assessment.cycle_id.in_(cycle_ids))
    ).all()
    current = {a.office_id: a for a in found if a.cycle_id == cycle.id}
    earlier = {a.office_id: a for a in found if previous is not None and a.cycle_id == previous.id}
    snapshots = _latest_snapshots([a.id for a in found if a.status_enum in SHOWN_STATUSES])

    rows: list[OfficeResult] = []
    names: dict[str, Any] = {}
    for office in offices:
        assessment = current.get(office.id)
        if status and (assessment is None or assessment.status != status):
            continue
        snapshot = snapshots.get(assessment.id) if assessment else None
        if assessment is None or snapshot is None:
            rows.append(OfficeResult(office, assessment))
            continue
        for code in snapshot.levels:
            names.setdefault(code, code)
        before = earlier.get(office.id)
        before_snapshot = snapshots.get(before.id) if before else None
        previous_index, reason = None, None
        if before is not None and before_snapshot is not None:
            if before.framework_version.fingerprint == assessment.framework_version.fingerprint:
                previous_index = before_snapshot.index_value
            else:
                reason = f"{before.framework_version.version} → {assessment.framework_version.version}"
        rows.append(
            OfficeResult(
                office,
                assessment,
                index=snapshot.index_value,
                level=snapshot.overall_level,
                levels=dict(snapshot.levels),
                previous_index=previous_index,
                not_comparable=reason,
            )
        )
    codes = list(names)
    dimension_names = _dimension_names(found, codes)
    results = [row for row in rows if row.index is not None]
    distribution = [
        (band, sum(1 for row in results if row.index is not None and band[0] <= row.index < band[1]))
        for band in INDEX_BANDS
    ]
    concern_counts = Counter(
        code for row in results for code, level in row.levels.items() if level <= CONCERN_LEVEL
    )
    concerns = sorted(concern_counts.items(), key=lambda item: (-item[1], codes.index(item[0])))
    improved = sorted(
        (row for row in results if row.change is not None and row.change > 0),
        key=lambda row: (-(row.change or 0), row.office.code),
    )[:5]
    return Portfolio(cycle, previous, dimension_names, rows, distribution, concerns, improved)


def _dimension_names(assessments: list[Assessment], codes: list[str]) -> list[tuple[str, Any]]:
    """Names from the framework the assessments use (parsed once per process and version)."""

    versions = {a.framework_version.fingerprint: a.framework_version for a in assessments}
    for version in versions.values():
        framework = frameworks.framework_of(version)
        known = {d.code: d.name for d in framework.dimensions}
        if all(code in known for code in codes):
            return [(d.code, d.name) for d in framework.dimensions if d.code in codes or not codes]
    return [(code, None) for code in codes]


@dataclass(frozen=True)
class PeerFigures:
    """Median and quartiles of the peers' levels per dimension; shown only from PEER_MINIMUM offices up."""

    count: int
    quartiles: dict[str, tuple[float, float, float]]  # dimension → (Q1, median, Q3)


def peer_version(cycle: Cycle) -> tuple[Any, ...]:
    """One statement that changes whenever the cycle's peer figures may: the reviewed assessments, their
    status changes, and the newest snapshot among them."""
    reviewed = (Assessment.cycle_id == cycle.id) & Assessment.status.in_(
        [AssessmentStatus.APPROVED.value, AssessmentStatus.PUBLISHED.value]
    )
    row = db.session.execute(
        select(
            func.count(Assessment.id),
            func.sum(Assessment.status_version),
            select(func.max(ScoreSnapshot.id))
            .join(Assessment, Assessment.id == ScoreSnapshot.assessment_id)
            .where(reviewed)
            .scalar_subquery(),
        ).where(reviewed)
    ).one()
    return tuple(row)


def peer_figures(cycle: Cycle) -> PeerFigures | None:
    """Levels of every office with a reviewed result in the cycle (approved or published)."""
    found = db.session.scalars(
        select(Assessment).where(
            Assessment.cycle_id == cycle.id,
            Assessment.status.in_([AssessmentStatus.APPROVED.value, AssessmentStatus.PUBLISHED.value]),
        )
    ).all()
    snapshots = _latest_snapshots([a.id for a in found])
    if len(snapshots) < PEER_MINIMUM:
        return None
    by_dimension: dict[str, list[int]] = {}
    for snapshot in snapshots.values():
        for code, level in snapshot.levels.items():
            by_dimension.setdefault(code, []).append(int(level))
    return PeerFigures(
        count=len(snapshots),
        quartiles={code: _quartiles(levels) for code, levels in by_dimension.items()},
    )


def _quartiles(values: list[int]) -> tuple[float, float, float]:
    ordered = sorted(values)
    middle = len(ordered) // 2
    lower = ordered[:middle]
    upper = ordered[middle + (len(ordered) % 2) :]
    return (float(median(lower or ordered)), float(median(ordered)), float(median(upper or ordered)))
