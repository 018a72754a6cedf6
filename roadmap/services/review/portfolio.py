"""The portfolio of a cycle: every visible office × dimension, the index distribution, trends against the
previous cycle, most improved and areas of concern.

Everything is within one framework, the cycle's: its dimensions are the columns (never the union of two
versions' dimensions), and an assessment made on another version (possible only in data from before cycles
named their version) is listed without figures, saying why. The index trend is shown between identical
versions only; across two versions, a dimension's level change is shown only where its scored questions map
one to one (roadmap.engine.diff.comparable_dimensions), and marked as such.

Figures come from score snapshots (what was submitted, reviewed or approved), never from drafts. The whole
page costs a fixed number of queries whatever the number of offices.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from roadmap.engine.carry import declared_question_map
from roadmap.engine.diff import comparable_dimensions
from roadmap.engine.framework import Framework
from roadmap.extensions import db
from roadmap.models import (
    REVIEWED_STATUSES,
    Assessment,
    AssessmentStatus,
    Cycle,
    FrameworkVersion,
    Office,
    ScoreSnapshot,
    User,
)
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
    # Why no index trend is shown although both cycles have a result (e.g. different framework versions).
    not_comparable: str | None = None
    # Across two framework versions: the level change of each dimension whose scored questions map one to
    # one between them (the others are not compared).
    level_changes: dict[str, int] = field(default_factory=dict)
    # The assessment uses another framework version than its cycle: it is left out of the figures.
    other_framework: str | None = None

    @property
    def change(self) -> float | None:
        if self.index is None or self.previous_index is None:
            return None
        return round(self.index - self.previous_index, 1)


@dataclass(frozen=True)
class Portfolio:
    cycle: Cycle
    previous: Cycle | None
    framework_version: FrameworkVersion | None  # the cycle's: every figure is within it
    dimensions: list[tuple[str, Any]]  # (code, LocalText name) in the order of the cycle's framework
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


def cycle_version(cycle: Cycle, assessments: list[Assessment] | None = None) -> FrameworkVersion | None:
    """The framework version the cycle's figures are in: the cycle's own; for a cycle that has none yet,
    the version most of its assessments use."""
    if cycle.framework_version is not None:
        return cycle.framework_version
    used = Counter(a.framework_version_id for a in assessments or () if a.cycle_id == cycle.id)
    if not used:
        return None
    return db.session.get(FrameworkVersion, used.most_common(1)[0][0])


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
    version = cycle_version(cycle, list(found))
    framework = frameworks.framework_of(version) if version is not None else None
    current = {a.office_id: a for a in found if a.cycle_id == cycle.id}
    earlier = {a.office_id: a for a in found if previous is not None and a.cycle_id == previous.id}
    snapshots = _latest_snapshots([a.id for a in found if a.status_enum in SHOWN_STATUSES])
    comparable = _Comparable(framework)

    rows: list[OfficeResult] = []
    for office in offices:
        assessment = current.get(office.id)
        if status and (assessment is None or assessment.status != status):
            continue
        snapshot = snapshots.get(assessment.id) if assessment else None
        if assessment is None or snapshot is None:
            rows.append(OfficeResult(office, assessment))
            continue
        if version is not None and assessment.framework_version_id != version.id:
            other = assessment.framework_version
            rows.append(
                OfficeResult(office, assessment, other_framework=f"{other.framework_key} {other.version}")
            )
            continue
        before = earlier.get(office.id)
        before_snapshot = snapshots.get(before.id) if before else None
        previous_index, reason, level_changes = None, None, {}
        if before is not None and before_snapshot is not None:
            if before.framework_version.fingerprint == assessment.framework_version.fingerprint:
                previous_index = before_snapshot.index_value
            else:
                reason = f"{before.framework_version.version} → {assessment.framework_version.version}"
                level_changes = {
                    code: int(snapshot.levels[code]) - int(before_snapshot.levels[code])
                    for code in comparable.across(before.framework_version)
                    if code in snapshot.levels and code in before_snapshot.levels
                }
        rows.append(
            OfficeResult(
                office,
                assessment,
                index=snapshot.index_value,
                level=snapshot.overall_level,
                levels=dict(snapshot.levels),
                previous_index=previous_index,
                not_comparable=reason,
                level_changes=level_changes,
            )
        )
    dimension_names = (
        [(d.code, d.name) for d in framework.dimensions] if framework is not None else _dimension_names(rows)
    )
    codes = [code for code, _ in dimension_names]
    results = [row for row in rows if row.index is not None]
    distribution = [
        (band, sum(1 for row in results if row.index is not None and band[0] <= row.index < band[1]))
        for band in INDEX_BANDS
    ]
    concern_counts = Counter(
        code
        for row in results
        for code, level in row.levels.items()
        if level <= CONCERN_LEVEL and code in codes
    )
    concerns = sorted(concern_counts.items(), key=lambda item: (-item[1], codes.index(item[0])))
    improved = sorted(
        (row for row in results if row.change is not None and row.change > 0),
        key=lambda row: (-(row.change or 0), row.office.code),
    )[:5]
    return Portfolio(cycle, previous, version, dimension_names, rows, distribution, concerns, improved)


class _Comparable:
    """The dimensions comparable between the cycle's framework and an earlier version, worked out once per
    earlier version."""

    def __init__(self, framework: Framework | None) -> None:
        self.framework = framework
        self.known: dict[int, frozenset[str]] = {}

    def across(self, earlier: FrameworkVersion) -> frozenset[str]:
        if self.framework is None:
            return frozenset()
        if earlier.id not in self.known:
            older = frameworks.framework_of(earlier)
            # The newer version's declared carry-forward map says which questions mean the same thing.
            question_map = declared_question_map(self.framework, older)
            self.known[earlier.id] = comparable_dimensions(older, self.framework, question_map)
        return self.known[earlier.id]


def _dimension_names(rows: list[OfficeResult]) -> list[tuple[str, Any]]:
    """Without a framework (a cycle with no result on any version yet): the codes the results carry."""
    names: dict[str, Any] = {}
    for row in rows:
        for code in row.levels:
            names.setdefault(code, None)
    return list(names.items())


@dataclass(frozen=True)
class PeerFigures:
    """Median and quartiles of the peers' levels per dimension; shown only from PEER_MINIMUM offices up."""

    count: int
    quartiles: dict[str, tuple[float, float, float]]  # dimension → (Q1, median, Q3)


def peer_version_columns(cycle_id: Any) -> tuple[Any, ...]:
    """The peers' figures summed up by counting: the reviewed assessments of the cycle, the sum of their
    status versions and their newest snapshot. The content version of a report reads them (signed reports
    keep digests taken with these values); a page's key reads `peer_version`, which costs one row.
    `cycle_id`: the cycle's id, or a bound parameter standing for it in a statement built once."""
    reviewed = (Assessment.cycle_id == cycle_id) & Assessment.status.in_(REVIEWED_STATUSES)
    return (
        select(func.count(Assessment.id)).where(reviewed).scalar_subquery(),
        select(func.sum(Assessment.status_version)).where(reviewed).scalar_subquery(),
        select(func.max(ScoreSnapshot.id))
        .join(Assessment, Assessment.id == ScoreSnapshot.assessment_id)
        .where(reviewed)
        .scalar_subquery(),
    )


def peer_version_column(cycle_id: Any) -> Any:
    """`peer_version` as a column, for a caller that reads it with other things in one statement (a
    report's key). `cycle_id`: the cycle's id, a bound parameter or the column of a loaded row."""
    return select(Cycle.reviewed_version).where(Cycle.id == cycle_id).scalar_subquery()


# The cycle's reviewed version: the database moves it whenever the peers' figures may change (triggers,
# migration peers_0001), so that a page's key reads one row instead of counting the cycle's assessments.
_PEER_VERSION = select(peer_version_column(bindparam("peer_cycle_id")))


def peer_version(cycle: Cycle) -> int:
    """A value that changes whenever the cycle's peer figures may: a reviewed assessment added, removed or
    changing status, a snapshot of one taken. Read afresh (not from the loaded cycle): the database moved
    it, maybe after the cycle was loaded."""
    return int(db.session.scalar(_PEER_VERSION, {"peer_cycle_id": cycle.id}) or 0)


def peer_figures(cycle: Cycle, framework_version_id: int | None = None) -> PeerFigures | None:
    """Levels of every office with a reviewed result in the cycle (approved or published), within one
    framework version: the one given (the assessment's that the figures are shown beside), else the
    cycle's."""
    version_id = framework_version_id or cycle.framework_version_id
    query = select(Assessment).where(
        Assessment.cycle_id == cycle.id,
        Assessment.status.in_(REVIEWED_STATUSES),
    )
    if version_id is not None:
        query = query.where(Assessment.framework_version_id == version_id)
    found = db.session.scalars(query).all()
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
