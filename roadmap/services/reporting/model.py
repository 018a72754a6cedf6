"""The report of an assessment as plain values: what the PDF (and later the Word export) lays out.

Gathered from the existing services — the scoring result with its explanations, the roadmap with the
consultants' edits laid over it, the answers and their evidence, the peers' figures when they may be shown —
and worded in the language in force when `build` runs (callers wrap it in `flask_babel.force_locale`).
Nothing here knows about HTML or PDF; charts are SVG text from roadmap.charts (labels escaped there).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import format_decimal
from flask_babel import gettext as _

from roadmap import charts
from roadmap.engine.framework import Framework
from roadmap.engine.scoring import GuidanceStatus, ScoreResult
from roadmap.models import Assessment, AssessmentStatus
from roadmap.services.plans import (
    figures,  # the same charts as on screen
    roadmaps,
)
from roadmap.services.plans import wording as text
from roadmap.services.plans.roadmaps import Roadmap
from roadmap.services.reporting import settings as report_settings
from roadmap.services.reporting.citations import Citations
from roadmap.services.reporting.settings import ReportSettings
from roadmap.services.review import portfolio
from roadmap.services.survey import answers, evidence, lifecycle, results
from roadmap.services.survey.wording import (
    answer_text,  # the one wording of an answer, shared with the screens
)

# Reviewed results: the watermark "DỰ THẢO / DRAFT" goes once the assessment is approved.
FINAL_STATUSES = frozenset({AssessmentStatus.APPROVED, AssessmentStatus.PUBLISHED})
FINDINGS_PER_DIMENSION = 4
TOP_COUNT = 3


@dataclass(frozen=True)
class AnswerLine:
    code: str
    question: str
    answer: str
    points: str  # "0.75" or "" when the question does not count
    evidence: tuple[str, ...]  # note, document reference, file names


@dataclass(frozen=True)
class GateLine:
    message: str
    max_level: int
    capped: bool


@dataclass(frozen=True)
class DimensionPart:
    code: str
    name: str
    description: str
    score: str
    level: int
    computed_level: int
    override: str  # the consultant's justification when the level was overridden, else ""
    descriptor: str
    target: int
    peer_median: str  # "" when peers are not shown
    findings: tuple[AnswerLine, ...]
    gates: tuple[GateLine, ...]
    next_level: str  # descriptor of the next level, "" at level 5
    guidance: tuple[str, ...]


@dataclass(frozen=True)
class InitiativeCard:
    position: int
    code: str
    name: str
    description: str
    why: tuple[str, ...]
    when: str
    duration: str
    effort: str
    cost_class: str
    prerequisites: tuple[str, ...]
    kpis: tuple[str, ...]
    policies: tuple[str, ...]
    changes: tuple[str, ...]
    mandatory: bool


@dataclass(frozen=True)
class PhaseLine:
    label: str
    span: str
    initiatives: tuple[str, ...]


@dataclass(frozen=True)
class RoadmapPart:
    version: int
    phases: tuple[PhaseLine, ...]
    gantt_svg: str
    trajectory_svg: str
    trajectory: tuple[tuple[str, str], ...]  # (phase, projected index)
    cards: tuple[InitiativeCard, ...]
    edits: tuple[str, ...]  # every consultant edit, with author, date and reason
    milestones: tuple[str, ...]


@dataclass(frozen=True)
class ReportData:
    locale: str
    assessment_id: int
    office_name: str
    office_code: str
    cycle_name: str
    cycle_code: str
    status: str
    final: bool
    issued_on: dt.date
    date_line: str
    document_number: str
    settings: ReportSettings
    framework_title: str
    framework_version: str
    legal_basis: tuple[str, ...]
    index: str
    level: int
    radar_svg: str
    strengths: tuple[str, ...]
    gaps: tuple[str, ...]
    dimensions: tuple[DimensionPart, ...]
    roadmap: RoadmapPart | None
    answers: tuple[tuple[str, tuple[AnswerLine, ...]], ...]  # per dimension name
    methodology: tuple[str, ...]
    glossary: tuple[tuple[str, str], ...]
    warnings: tuple[str, ...] = field(default=())


def _number(value: float) -> str:
    return str(format_decimal(value, format="#,##0.##"))


def _answer_lines(
    framework: Framework, result: ScoreResult, assessment: Assessment, codes: list[str]
) -> dict[str, AnswerLine]:

    locale = text.locale()
    records = answers.answer_records(assessment)
    backing = evidence.of_questions(assessment, codes)
    outcomes = {outcome.code: outcome for outcome in result.questions}
    lines: dict[str, AnswerLine] = {}
    for code in codes:
        question = framework.question(code)
        record = records.get(code)
        outcome = outcomes.get(code)
        refs: list[str] = []
        note = backing.notes.get(code)
        if note is not None and not note.is_empty:
            if note.document_number.strip():
                reference = note.document_number.strip()
                if note.document_date is not None:
                    reference = _(
                        "%(number)s of %(date)s", number=reference, date=text.date_text(note.document_date)
                    )
                refs.append(_("Document: %(reference)s", reference=reference))
            if note.note.strip():
                refs.append(_("Note: %(note)s", note=note.note.strip()))
        refs.extend(_("File: %(name)s", name=row.original_name) for row in backing.files.get(code, []))
        points = ""
        if outcome is not None and outcome.counted and outcome.points is not None:
            points = _number(outcome.points)
        lines[code] = AnswerLine(
            code=code,
            question=question.text.get(locale),
            answer=answer_text(question, answers.to_answer(question, record) if record else None),
            points=points,
            evidence=tuple(refs),
        )
    return lines


def _dimension_parts(
    framework: Framework,
    result: ScoreResult,
    lines: dict[str, AnswerLine],
    peers: portfolio.PeerFigures | None,
) -> tuple[DimensionPart, ...]:
    locale = text.locale()
    outcomes = {outcome.code: outcome for outcome in result.questions}
    guidance = {g.dimension: g for g in (result.guidance or ())}
    parts = []
    for dimension in result.dimensions:
        spec = framework.dimension(dimension.code)
        weak = [
            outcomes[q.code]
            for q in framework.questions_of(dimension.code)
            if outcomes[q.code].counted and (outcomes[q.code].points or 0) < 0.6
        ]
        weak.sort(key=lambda outcome: (outcome.points or 0, -outcome.weight))
        guide = guidance.get(dimension.code)
        hints: list[str] = []
        if guide is not None:
            if guide.status is GuidanceStatus.REACHABLE:
                for change in guide.changes:
                    question = framework.question(change.question)
                    hint = _(
                        "%(question)s: answer “%(answer)s”",
                        question=question.text.get(locale),
                        answer=answer_text(question, change.answer),
                    )
                    if change.add_evidence:
                        hint += " " + _("(with evidence)")
                    hints.append(hint)
            elif guide.status is GuidanceStatus.BLOCKED_BY_GATE:
                hints.append(
                    _("A gate keeps this level whatever the answers: the gap needs the roadmap's work.")
                )
            elif guide.status is GuidanceStatus.OUT_OF_REACH:
                hints.append(
                    _("Answers alone cannot reach the next level: the roadmap's initiatives are needed.")
                )
            elif guide.status is GuidanceStatus.LEVEL_OVERRIDDEN:
                hints.append(_("The level was set by a consultant."))
        median = ""
        if peers is not None and dimension.code in peers.quartiles:
            median = _number(peers.quartiles[dimension.code][1])
        parts.append(
            DimensionPart(
                code=dimension.code,
                name=spec.name.get(locale),
                description=spec.description.get(locale),
                score=_number(dimension.score),
                level=dimension.level,
                computed_level=dimension.computed_level,
                override=dimension.level_override.justification if dimension.level_override else "",
                descriptor=spec.levels[dimension.level - 1].get(locale),
                target=dimension.target,
                peer_median=median,
                findings=tuple(lines[o.code] for o in weak[:FINDINGS_PER_DIMENSION]),
                gates=tuple(
                    GateLine(gate.message.get(locale), gate.max_level, gate.capped)
                    for gate in dimension.gates
                ),
                next_level=spec.levels[dimension.level].get(locale) if dimension.level < 5 else "",
                guidance=tuple(hints),
            )
        )
    return tuple(parts)


def _radar(parts: tuple[DimensionPart, ...], peers: portfolio.PeerFigures | None) -> str:
    series = [
        charts.Series(_("Current level"), [p.level for p in parts], "#8b1a1a"),
        charts.Series(_("Target"), [p.target for p in parts], "#1e6b3a", dashed=True),
    ]
    if peers is not None:
        medians = [peers.quartiles.get(p.code, (0.0, 0.0, 0.0))[1] for p in parts]
        series.append(charts.Series(_("Peer median"), medians, "#5a6270", dashed=True))
    return charts.radar([p.code for p in parts], series, title=_("Levels against targets")).svg()


def _roadmap_part(roadmap: Roadmap, citations: Citations) -> RoadmapPart:

    framework = roadmap.framework
    locale = text.locale()
    cards = []
    for item in roadmap.effective.items:
        if item.removed:
            continue
        initiative = item.initiative
        plan_item = item.item
        if plan_item.origin.value == "triggered":
            why = tuple(
                f"{line.subject}: {line.actual} ({_('condition: %(condition)s', condition=line.condition)})"
                for line in text.rationale(framework, plan_item.rationale)
            )
        elif plan_item.origin.value == "enabler":
            names = ", ".join(text.initiative_name(framework, code) for code in plan_item.needed_by)
            why = (_("Needed first by: %(names)s", names=names),)
        elif item.added_by is not None:
            why = (
                _(
                    "Added by %(author)s: %(reason)s",
                    author=item.added_by.author,
                    reason=item.added_by.reason,
                ),
            )
        else:
            why = (text.origin_label(plan_item.origin),)
        if item.placed:
            when = _(
                "%(start)s to %(end)s",
                start=text.quarter_label(item.start_quarter),
                end=text.quarter_label(item.end_quarter),
            )
        else:
            when = _("Not scheduled")
        policies = {policy.code: policy.title.get(locale) for policy in framework.policies}
        changes = [*text.item_changes(framework, item)]
        changes.extend(
            f"{note.payload.get('text', '')} ({note.author}, {text.date_text(note.at.date())})"
            for note in item.notes
        )
        cards.append(
            InitiativeCard(
                position=item.position,
                code=item.code,
                name=initiative.name.get(locale),
                description=initiative.description.get(locale),
                why=why,
                when=when,
                duration=_("%(months)d months", months=initiative.duration_months),
                effort=_("%(value)s person-months", value=_number(initiative.effort_person_months)),
                cost_class=text.cost_class_label(initiative.cost_class.value),
                prerequisites=tuple(
                    text.initiative_name(framework, code) for code in plan_item.prerequisites
                ),
                kpis=tuple(kpi.get(locale) for kpi in initiative.kpis),
                policies=tuple(
                    citations.cite(code, policies[code])
                    for code in initiative.policy_refs
                    if code in policies
                ),
                changes=tuple(changes),
                mandatory=plan_item.mandatory,
            )
        )
    phases = tuple(
        PhaseLine(
            text.phase_label(phase.index),
            text.phase_span(phase),
            tuple(text.initiative_name(framework, code) for code in phase.initiatives),
        )
        for phase in roadmap.effective.phases
    )
    edits = tuple(
        _(
            "%(summary)s — %(author)s, %(date)s. Reason: %(reason)s",
            summary=text.edit_summary(framework, edit),
            author=edit.author,
            date=text.date_text(edit.at.date()),
            reason=edit.reason,
        )
        for edit in roadmap.edits
    )
    milestones = tuple(
        _(
            "%(phase)s: projected index %(index)s",
            phase=text.phase_label(point.phase),
            index=_number(point.index),
        )
        for point in roadmap.effective.trajectory
    )
    return RoadmapPart(
        version=roadmap.version,
        phases=phases,
        gantt_svg=str(figures.gantt_svg(roadmap)),
        trajectory_svg=str(figures.trajectory_svg(roadmap)),
        trajectory=tuple((text.phase_label(p.phase), _number(p.index)) for p in roadmap.effective.trajectory),
        cards=tuple(cards),
        edits=edits,
        milestones=milestones,
    )


def _methodology(framework: Framework) -> tuple[str, ...]:
    rules = framework.scoring
    bands = "; ".join(
        _(
            "level %(level)d from %(low)s to %(high)s",
            level=b.level,
            low=_number(b.min_score),
            high=_number(b.max_score),
        )
        for b in rules.bands
    )
    return (
        _(
            "Each answer gives points between 0 and 1 by the rules of the framework; a dimension's score "
            "(0–100) is the weighted mean of the points of its counted questions. Questions not applicable, "
            "hidden or unanswered do not count."
        ),
        _("A score falls in a level band: %(bands)s.", bands=bands),
        _(
            "An answer that claims enough to need evidence, and has none, loses %(discount)s of its points; "
            "“Don't know” counts as %(points)s points.",
            discount=f"{_number(rules.evidence_discount * 100)} %",
            points=_number(rules.dont_know_points),
        ),
        _(
            "Gates cap a dimension's level when a critical condition holds, whatever the score; a consultant "
            "may override a question's points or a dimension's level with a written justification, and the "
            "computed value stays shown."
        ),
        _(
            "The index (0–1000) combines the dimensions' scores with their weights. The roadmap proposes the "
            "initiatives whose trigger holds, with their prerequisites; priority grows with the gap to the "
            "target and with legal deadlines; initiatives are placed in quarters under the office's capacity."
        ),
    )


def _glossary() -> tuple[tuple[str, str], ...]:
    return (
        (
            _("Dimension"),
            _("An area of digital transformation assessed on its own, with a level from 1 to 5."),
        ),
        (_("Level"), _("The maturity of a dimension, from 1 (initial) to 5 (leading), with a descriptor.")),
        (_("Gate"), _("A rule that caps a dimension's level while a critical condition holds.")),
        (
            _("Index"),
            _("The overall result from 0 to 1000, combining the dimensions' scores with their weights."),
        ),
        (_("Target"), _("The level the office aims at for a dimension.")),
        (_("Initiative"), _("A piece of work of the roadmap that raises one or more dimensions.")),
        (_("Phase"), _("A period of the roadmap; initiatives are placed in phases and quarters.")),
        (_("Evidence"), _("A note, a document reference or a file that backs an answer.")),
    )


def build(assessment: Assessment, *, today: dt.date | None = None) -> ReportData:
    """Every value of the report, in the language in force."""
    locale = text.locale()
    day = today or roadmaps.local_today()
    settings = report_settings.current()
    scored = results.live_score(assessment)
    framework, result = scored.framework, scored.result
    peers = portfolio.peer_figures(assessment.cycle)
    codes = [question.code for question in framework.questions]
    lines = _answer_lines(framework, result, assessment, codes)
    parts = _dimension_parts(framework, result, lines, peers)
    citations = Citations(locale)
    legal_basis = tuple(
        citations.cite(policy.code, policy.title.get(locale)) for policy in framework.policies[:3]
    )
    roadmap = roadmaps.load(assessment)
    roadmap_part = _roadmap_part(roadmap, citations) if roadmap is not None else None
    ordered = sorted(parts, key=lambda p: (p.level - p.target, p.code))
    gaps = tuple(
        _("%(name)s: level %(level)d, target %(target)d", name=p.name, level=p.level, target=p.target)
        for p in ordered[:TOP_COUNT]
        if p.level < p.target
    )
    strengths = tuple(
        _("%(name)s: level %(level)d", name=p.name, level=p.level)
        for p in sorted(parts, key=lambda p: (-p.level, p.code))[:TOP_COUNT]
    )
    answers = tuple(
        (d.name.get(locale), tuple(lines[q.code] for q in framework.questions_of(d.code)))
        for d in framework.dimensions
    )
    office, cycle = assessment.office, assessment.cycle
    warnings = (
        tuple(text.roadmap_warnings(roadmap.framework, roadmap.effective)) if roadmap is not None else ()
    )
    return ReportData(
        locale=locale,
        assessment_id=assessment.id,
        office_name=office.name(locale),
        office_code=office.code,
        cycle_name=cycle.name(locale),
        cycle_code=cycle.code,
        status=str(lifecycle.STATUS_LABELS[assessment.status_enum]),
        final=assessment.status_enum in FINAL_STATUSES,
        issued_on=day,
        date_line=report_settings.date_line(settings.place, day),
        # The same number as the Word export's: the assessment's place in its cycle (report_settings).
        document_number=report_settings.number_for(assessment, settings),
        settings=settings,
        framework_title=framework.title.get(locale),
        framework_version=framework.version,
        legal_basis=legal_basis,
        index=_number(result.index),
        level=result.level,
        radar_svg=_radar(parts, peers),
        strengths=strengths,
        gaps=gaps,
        dimensions=parts,
        roadmap=roadmap_part,
        answers=answers,
        methodology=_methodology(framework),
        glossary=_glossary(),
        warnings=warnings,
    )
