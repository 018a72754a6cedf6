"""The report of an assessment as plain values: the one model that every document format lays out.

`build(assessment)` gathers everything the official report says — the scoring result with its explanations,
the roadmap with the consultants' edits laid over it, the answers and their evidence, the peers' figures when
they may be shown — once, in the language in force (callers wrap it in `flask_babel.force_locale`), and
words it: the headings, the labels and the fixed sentences too, so that a format adds layout and no words.
The PDF (roadmap.services.reporting.pdf) and the Word document (roadmap.services.reporting.docx) are two
layouts of the same `ReportData`; the progress report (roadmap.services.reporting.progress) has a model of
its own, laid out with the same building blocks (the Decree 30 first page and signature block).

One wording everywhere: answers through roadmap.services.survey.wording.answer_text (shared with the
screens), the roadmap through roadmap.services.plans.wording (shared with the roadmap pages and exports),
legal citations through roadmap.services.reporting.citations (in reading order: full first, short after).
Charts are `roadmap.charts.Drawing`s — shapes, not markup — which a format writes as SVG or as PNG.
Nothing here is HTML; values typed by people stay as typed (each format escapes them its own way).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _

from roadmap import charts
from roadmap.engine.framework import Framework
from roadmap.engine.overlay import EffectiveItem
from roadmap.engine.scoring import DtiView, GuidanceStatus, ScoreResult, dti_view
from roadmap.engine.text import isolate
from roadmap.models import Assessment, AssessmentStatus
from roadmap.services.plans import (
    figures,  # the same charts as on screen
    roadmaps,
)
from roadmap.services.plans import wording as text
from roadmap.services.plans.roadmaps import Roadmap
from roadmap.services.platform.clock import local_date
from roadmap.services.reporting import settings as report_settings
from roadmap.services.reporting.citations import Citations
from roadmap.services.reporting.settings import Issuer
from roadmap.services.review import portfolio
from roadmap.services.survey import answers, evidence, lifecycle, results
from roadmap.services.survey.wording import (
    answer_text,  # the one wording of an answer, shared with the screens
)

LOCALES = ("vi", "en")
# Reviewed results: the watermark "DỰ THẢO / DRAFT" goes once the assessment is approved.
FINAL_STATUSES = frozenset({AssessmentStatus.APPROVED, AssessmentStatus.PUBLISHED})
FINDINGS_PER_DIMENSION = 4
WEAK_POINTS = 0.6  # an answer below this share of a question's points (0–1) is a finding of its dimension
TOP_COUNT = 3

# The fixed words of the Decree 30/2020/NĐ-CP format: Vietnamese by law, in the Vietnamese report only (never
# translated), the same in every format.
DECREE30_TEXT = {
    "nation": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "motto": "Độc lập - Tự do - Hạnh phúc",
    "number": "Số:",
    "type": "BÁO CÁO",
    "summary": "Kết quả đánh giá mức độ chuyển đổi số và lộ trình đề xuất",
    "of": "của",
    "recipients": "Nơi nhận:",
}


class UnsupportedLocale(ValueError):  # noqa: N818 (the web layer answers it with 400)
    pass


def check_locale(locale: str | None) -> str:
    if locale not in LOCALES:
        raise UnsupportedLocale(locale or "")
    return locale


def filename_for(assessment: Assessment, locale: str, extension: str) -> str:
    """'Báo cáo chuyển đổi số VPCP 2026.pdf' in the report's language (sent RFC 5987-encoded)."""
    stem = "Báo cáo chuyển đổi số" if locale == "vi" else "Digital transformation report"
    return f"{stem} {assessment.office.code} {assessment.cycle.code}.{extension}"


# --- the model ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """The report's own words in its language: headings, labels, fixed sentences. Every format takes them
    from here, so the documents say the same thing in the same words."""

    title: str  # the document's title (metadata; the English cover)
    subject: str  # what it is about, in one line (metadata)
    contents: str
    summary: str
    strengths: str
    gaps: str
    milestones: str
    dimensions: str
    findings: str
    gates: str
    next_level: str
    roadmap: str
    initiatives: str
    obligations: str
    no_obligation: str
    trajectory: str
    edits: str
    warnings: str
    answers: str
    methodology: str
    glossary: str
    draft_mark: str  # the watermark
    draft_note: str
    editable_copy: str  # the Word document's first page: an editable draft, the signed PDF is the record
    legal_basis: str
    radar_caption: str
    gantt_caption: str
    trajectory_caption: str
    dimension: str
    score: str
    level: str
    target: str
    gap: str
    peer_median: str
    phase: str
    projected_index: str
    code: str
    question: str
    answer: str
    points: str
    evidence: str
    term: str
    meaning: str
    recipients: str
    no_gap: str
    no_strength: str
    no_roadmap: str
    no_findings: str
    highest_level: str
    no_initiative: str
    phase_columns: tuple[str, str, str, str]  # initiative, quarters, mandatory, cost class
    no_edits: str
    cover: tuple[tuple[str, str], ...]  # the English cover's facts (label, value)
    dti: str  # the DTI view's heading and its table's columns
    dti_index: str
    possible: str
    questions: str


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class AnswerLine:
    code: str
    question: str
    answer: str
    points: str  # "0.75" or "" when the question does not count
    evidence: tuple[str, ...]  # document reference, note, file names, evidence sighted on site
    references: tuple[str, ...]  # the question's legal documents, cited in reading order
    legal_basis: str  # "Legal basis: …" with those citations, or ""


@dataclass(frozen=True)
class DimensionPart:
    code: str
    name: str
    heading: str  # "NET. Network infrastructure …"
    description: str
    score: str
    level: int
    target: int
    gap: int
    peer_median: str  # "" when peers are not shown
    standing: str  # score, level, target (and peer median) in one sentence
    descriptor: str
    override: str  # the consultant's level and justification in one sentence, else ""
    findings: tuple[AnswerLine, ...]
    gates: tuple[str, ...]
    next_level: str  # descriptor of the next level, "" at the highest
    guidance: tuple[str, ...]
    # The answers' own score and the gate whose cap lowered the score that counts, else "".
    capped: str = ""
    # Not applicable to the office by the framework's rule (its profile), and why; else "".
    not_applicable: str = ""


@dataclass(frozen=True)
class InitiativeCard:
    code: str
    heading: str  # "3. I11 Name (mandatory)"
    policies: tuple[str, ...]  # its legal documents, cited in reading order
    facts: tuple[Fact, ...]  # why, when, status, duration, effort, cost, prerequisites, KPIs, references…


@dataclass(frozen=True)
class PhaseRow:
    """One initiative of a phase, as a row of the phase's table."""

    initiative: str  # "K01 Deploy network monitoring"
    quarters: str  # "Q1 2027" or "Q1 2027 to Q3 2027"
    mandatory: str  # "Yes" / "No"
    cost: str  # "S (small)"

    def cells(self) -> tuple[str, str, str, str]:
        return (self.initiative, self.quarters, self.mandatory, self.cost)


@dataclass(frozen=True)
class PhaseLine:
    heading: str  # "Phase 1 (01/2027 to 06/2027)"
    load: str  # "Load: 11.58 of 12 person-months."
    rows: tuple[PhaseRow, ...]  # the initiatives that start in the phase, in the roadmap's order


@dataclass(frozen=True)
class RoadmapPart:
    version: int
    intro: str
    phases: tuple[PhaseLine, ...]
    gantt: charts.Drawing
    cards: tuple[InitiativeCard, ...]
    trajectory: charts.Drawing
    trajectory_rows: tuple[tuple[str, str, str], ...]  # (phase, projected index, level), "now" first
    edits: tuple[str, ...]  # every consultant edit with author, date, reason and whether it applies
    milestones: tuple[str, ...]
    # The obligations applying to the office, apart from the recommendations: each with its source and
    # when it is due ("overdue since …").
    obligations: tuple[str, ...] = ()


@dataclass(frozen=True)
class DtiRow:
    """One DTI main index of the DTI view: its points, what its questions could add, the questions."""

    name: str  # "BO.3 Hạ tầng số"
    points: str
    possible: str
    questions: str  # "NET-01: 12,3; NET-02: 4,5. Not counted: NET-09."


@dataclass(frozen=True)
class DtiPart:
    """The DTI view (roadmap.engine.scoring.dti): the index by DTI main index, for a framework that maps its
    questions to the DTI; what it claims and does not is said in `claim`."""

    claim: str
    rows: tuple[DtiRow, ...]
    total: str  # "Total: 612,3 / 1000, the index."


@dataclass(frozen=True)
class AnswerGroup:
    heading: str  # the dimension's name
    lines: tuple[AnswerLine, ...]


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
    # The issuing body, the signatory and the recipients from the report settings, as printed: Decree 30
    # writes the bodies and the signatory's position in capitals; the English report prints them as entered.
    issuer_parent: str
    issuer: str
    signatory_position: str
    signatory_name: str
    recipients: tuple[str, ...]
    words: Words
    about: str  # office, cycle and status in one sentence
    framework_line: str
    legal_basis: tuple[str, ...]
    index: str
    level: int
    standing: str  # index, overall level and coverage in one sentence
    radar: charts.Drawing
    strengths: tuple[str, ...]
    gaps: tuple[str, ...]
    milestones: tuple[str, ...]
    dimensions: tuple[DimensionPart, ...]
    roadmap: RoadmapPart | None
    warnings: tuple[str, ...]
    answers: tuple[AnswerGroup, ...]
    methodology: tuple[str, ...]
    glossary: tuple[tuple[str, str], ...]
    dti: DtiPart | None = None  # None: the framework maps no question to the DTI

    @property
    def shows_peers(self) -> bool:
        return any(part.peer_median for part in self.dimensions)

    def outline(self) -> list[tuple[int, str]]:
        """(level, heading) of every part (1) and sub-part (2) in reading order: what a table of contents,
        bookmarks or a navigation pane list, in every format."""
        w = self.words
        parts: list[tuple[int, str]] = [(1, w.summary), (2, w.strengths), (2, w.gaps), (2, w.milestones)]
        parts += [(1, w.dimensions), *((2, part.heading) for part in self.dimensions)]
        if self.dti is not None:
            parts.append((1, w.dti))
        parts.append((1, w.roadmap))
        if self.roadmap is not None:
            parts.append((2, w.obligations))
            parts += [*((2, phase.heading) for phase in self.roadmap.phases), (2, w.initiatives)]
        parts += [(1, w.trajectory), (1, w.edits)]
        if self.warnings:
            parts.append((2, w.warnings))
        parts += [(1, w.answers), *((2, group.heading) for group in self.answers)]
        parts += [(1, w.methodology), (1, w.glossary)]
        return parts


# --- building it -------------------------------------------------------------------------------------------


def _number(value: float) -> str:
    return str(format_decimal(value, format="#,##0.##"))


def _date_line(locale: str, place: str, day: dt.date) -> str:
    """The place and date line: Decree 30's 'Hà Nội, ngày 05 tháng 3 năm 2026', or 'Hanoi, 5 March 2026'.
    Every other date of the report is `text.date_text` (05/03/2026; 5 March 2026)."""
    if locale == "vi":
        return report_settings.date_line(place, day)
    return report_settings.date_line_en(place, day)


def _words(assessment: Assessment, issuer: Issuer, status: str, day: dt.date, number: str) -> Words:
    locale = text.locale()
    return Words(
        title=_(
            "Digital transformation assessment and roadmap: %(office)s, %(cycle)s",
            office=assessment.office.name(locale),
            cycle=assessment.cycle.name(locale),
        ),
        subject=_("Results of the digital transformation maturity assessment and the proposed roadmap"),
        contents=_("Contents"),
        summary=_("Executive summary"),
        strengths=_("Strengths"),
        gaps=_("Main gaps"),
        milestones=_("Key milestones"),
        dimensions=_("Assessment by dimension"),
        findings=_("Findings"),
        gates=_("Gates"),
        next_level=_("Towards the next level"),
        roadmap=_("The roadmap"),
        initiatives=_("Initiatives"),
        obligations=_("Obligations"),
        no_obligation=_("No legal obligation of the framework applies to the office in this roadmap."),
        trajectory=_("Projected trajectory"),
        edits=_("Consultants' changes and notes"),
        warnings=_("Warnings"),
        answers=_("Appendix: answers and evidence"),
        methodology=_("Methodology"),
        glossary=_("Glossary"),
        draft_mark=_("DRAFT"),
        draft_note=_("DRAFT: the results have not been approved yet."),
        editable_copy=_(
            "This Word document is an editable draft. The official record is the digitally signed PDF report."
        ),
        legal_basis=_("Legal basis:"),
        radar_caption=_("Levels by dimension against the targets"),
        gantt_caption=_("Schedule by quarter"),
        trajectory_caption=_("Projected index after each phase"),
        dimension=_("Dimension"),
        score=_("Score"),
        level=_("Level"),
        target=_("Target"),
        gap=_("Gap"),
        peer_median=_("Peer median"),
        phase=_("Phase"),
        projected_index=_("Projected index"),
        code=_("Code"),
        question=_("Question"),
        answer=_("Answer"),
        points=_("Points"),
        evidence=_("Evidence"),
        term=_("Term"),
        meaning=_("Meaning"),
        recipients=_("Recipients:"),
        no_gap=_("Every dimension has reached its target."),
        no_strength=_("No dimension has reached its target yet."),
        no_roadmap=_("The roadmap has not been planned yet."),
        no_findings=_("No weak answer in this dimension."),
        highest_level=_("The highest level is reached."),
        no_initiative=_("No initiative in this phase."),
        phase_columns=(_("Initiative"), _("Quarters"), _("Mandatory"), _("Cost class")),
        no_edits=_("No change was made to the proposed roadmap."),
        cover=(
            (_("Cycle"), assessment.cycle.name(locale)),
            (_("Date"), text.date_text(day)),
            (_("Status"), status),
            (_("Issued by"), issuer.body),
            (_("Reference"), number),
        ),
        dti=_("DTI view"),
        dti_index=_("DTI main index"),
        possible=_("Possible"),
        questions=_("Questions"),
    )


def dti_claim() -> str:
    """What the DTI view is and is not, in one paragraph (the results page says the same)."""
    return _(
        "The framework's own cross-walk to the Digital Transformation Index (DTI), not an official DTI "
        "score: each question's share of the index (0–1000) is counted under the DTI main index the question "
        "feeds, and the points of the main indices add up to the index. “Possible” is what the same "
        "questions would add with full points."
    )


def _dti_part(view: DtiView, locale: str) -> DtiPart:
    rows = []
    for pillar in view.pillars:
        shares = "; ".join(f"{q.code}: {_number(q.points)}" for q in pillar.questions)
        questions = f"{shares}." if shares else ""
        if pillar.not_counted:
            not_counted = _("Not counted: %(codes)s.", codes=", ".join(pillar.not_counted))
            questions = f"{questions} {not_counted}".strip()
        name = pillar.name.get(locale)
        rows.append(
            DtiRow(
                name=f"{pillar.ref} {name}" if pillar.ref and pillar.ref != "NONE" else name,
                points=_number(pillar.points),
                possible=_number(pillar.possible),
                questions=questions,
            )
        )
    return DtiPart(
        claim=dti_claim(),
        rows=tuple(rows),
        total=_("Total: %(index)s / 1000, the index.", index=_number(view.index)),
    )


def _evidence_lines(found: evidence.QuestionEvidence, code: str) -> tuple[str, ...]:
    refs: list[str] = []
    note = found.notes.get(code)
    if note is not None and not note.is_empty:
        if note.document_number.strip():
            reference = isolate(note.document_number.strip())
            if note.document_date is not None:
                reference = _(
                    "%(number)s of %(date)s", number=reference, date=text.date_text(note.document_date)
                )
            refs.append(_("Document: %(reference)s", reference=reference))
        if note.note.strip():
            refs.append(_("Note: %(note)s", note=isolate(note.note.strip())))
    refs.extend(_("File: %(name)s", name=isolate(row.original_name)) for row in found.files.get(code, []))
    refs.extend(
        _(
            "Sighted on site by %(name)s on %(date)s at %(place)s: %(description)s",
            name=isolate(row.sighted_by_name),
            date=text.date_text(row.sighted_on),
            place=isolate(row.place),
            description=isolate(row.description),
        )
        for row in found.sighted.get(code, [])
    )
    return tuple(refs)


def _answer_lines(
    framework: Framework, result: ScoreResult, assessment: Assessment, citations: Citations
) -> dict[str, AnswerLine]:
    """Every question's answer line, in the framework's order (the appendix's, where legal documents are
    cited last: `citations` has seen the summary and the roadmap by then)."""
    locale = text.locale()
    codes = [question.code for question in framework.questions]
    records = answers.answer_records(assessment)
    found = evidence.of_questions(assessment, codes)
    outcomes = {outcome.code: outcome for outcome in result.questions}
    titles = {policy.code: policy.title.get(locale) for policy in framework.policies}
    marks = _policy_marks(framework)
    lines: dict[str, AnswerLine] = {}
    for code in codes:
        question = framework.question(code)
        record = records.get(code)
        outcome = outcomes.get(code)
        points = ""
        if outcome is not None and outcome.counted and outcome.points is not None:
            points = _number(outcome.points)
        references = tuple(
            citations.cite(ref, titles[ref], marks[ref]) for ref in question.policy_refs if ref in titles
        )
        # A text answer is the respondent's words: isolated, so no override in it crosses into ours.
        answer = isolate(answer_text(question, answers.to_answer(question, record) if record else None))
        if outcome is not None and outcome.not_applicable_because is not None:
            # Not applicable by the framework's rule (the office's profile): the reason, as the pages say it.
            answer = text.not_applicable_text(framework, outcome.not_applicable_because)
        lines[code] = AnswerLine(
            code=code,
            question=question.text.get(locale),
            answer=answer,
            points=points,
            evidence=_evidence_lines(found, code),
            references=references,
            legal_basis=_("Legal basis: %(references)s", references="; ".join(references))
            if references
            else "",
        )
    return lines


def _guidance(framework: Framework, result: ScoreResult, code: str) -> tuple[str, ...]:
    locale = text.locale()
    guide = result.guidance_for(code)
    if guide is None:
        return ()
    if guide.status is GuidanceStatus.REACHABLE:
        hints = []
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
        return tuple(hints)
    if guide.status is GuidanceStatus.BLOCKED_BY_GATE:
        return (_("A gate keeps this level whatever the answers: the gap needs the roadmap's work."),)
    if guide.status is GuidanceStatus.OUT_OF_REACH:
        return (_("Answers alone cannot reach the next level: the roadmap's initiatives are needed."),)
    if guide.status is GuidanceStatus.LEVEL_OVERRIDDEN:
        return (_("The level was set by a consultant."),)
    return ()


def _dimension_parts(
    framework: Framework,
    result: ScoreResult,
    lines: dict[str, AnswerLine],
    peers: portfolio.PeerFigures | None,
) -> tuple[DimensionPart, ...]:
    locale = text.locale()
    outcomes = {outcome.code: outcome for outcome in result.questions}
    parts = []
    for dimension in result.dimensions:
        spec = framework.dimension(dimension.code)
        weak = [
            outcomes[q.code]
            for q in framework.questions_of(dimension.code)
            if outcomes[q.code].counted and (outcomes[q.code].points or 0) < WEAK_POINTS
        ]
        weak.sort(key=lambda outcome: (outcome.points or 0, -outcome.weight))
        score = _number(dimension.score)
        median = ""
        if peers is not None and dimension.code in peers.quartiles:
            median = _number(peers.quartiles[dimension.code][1])
        if median:
            standing = _(
                "Score: %(score)s / 100. Level: %(level)d / 5 (target %(target)d, peer median %(median)s).",
                score=score,
                level=dimension.level,
                target=dimension.target,
                median=median,
            )
        else:
            standing = _(
                "Score: %(score)s / 100. Level: %(level)d / 5 (target %(target)d).",
                score=score,
                level=dimension.level,
                target=dimension.target,
            )
        override = ""
        if dimension.level_override is not None:
            override = _(
                "The computed level was %(level)d; a consultant set this level. Justification: %(text)s",
                level=dimension.computed_level,
                text=dimension.level_override.justification,
            )
        capped = ""
        if dimension.capped_by and dimension.raw_score is not None and dimension.raw_score != dimension.score:
            capped = _(
                "The answers score %(raw)s / 100; the gate %(gate)s caps the score that counts at %(score)s.",
                raw=_number(dimension.raw_score),
                gate=dimension.capped_by,
                score=score,
            )
        not_applicable = ""
        if dimension.not_applicable_because is not None:
            not_applicable = text.not_applicable_text(framework, dimension.not_applicable_because)
            standing = not_applicable
        gates = []
        for gate in dimension.gates:
            line = _("level capped at %(level)d", level=gate.max_level)
            if not gate.capped:
                line += "; " + _("not lowering the level now")
            gates.append(f"{gate.message.get(locale)} ({line})")
        parts.append(
            DimensionPart(
                code=dimension.code,
                name=spec.name.get(locale),
                heading=f"{dimension.code}. {spec.name.get(locale)}",
                description=spec.description.get(locale),
                score=score,
                level=dimension.level,
                target=dimension.target,
                gap=dimension.gap,
                peer_median=median,
                standing=standing,
                descriptor=spec.levels[dimension.level - 1].get(locale),
                override=override,
                capped=capped,
                not_applicable=not_applicable,
                findings=tuple(lines[o.code] for o in weak[:FINDINGS_PER_DIMENSION]),
                gates=tuple(gates),
                next_level=spec.levels[dimension.level].get(locale)
                if dimension.level < len(spec.levels)
                else "",
                guidance=_guidance(framework, result, dimension.code),
            )
        )
    return tuple(parts)


def strengths_and_limitations(
    parts: tuple[DimensionPart, ...],
) -> tuple[tuple[DimensionPart, ...], tuple[DimensionPart, ...]]:
    """The summary's strengths and main limitations by one rule that splits the dimensions in two, so that no
    dimension can be in both: a dimension that has reached its target is a strength (highest level first,
    then the widest margin over the target), one below its target is a limitation (widest gap first, then
    the lower level); at most TOP_COUNT of each. A report with no dimension at its target has no strength."""
    # A dimension not applicable to the office by rule is neither.
    applying = [p for p in parts if not p.not_applicable]
    reached = sorted(
        (p for p in applying if p.level >= p.target), key=lambda p: (-p.level, p.target - p.level, p.code)
    )
    below = sorted(
        (p for p in applying if p.level < p.target), key=lambda p: (p.level - p.target, p.level, p.code)
    )
    return tuple(reached[:TOP_COUNT]), tuple(below[:TOP_COUNT])


def _standing_line(part: DimensionPart) -> str:
    """'Network infrastructure …: level 2, target 3' — the same wording in both lists."""
    return _(
        "%(name)s: level %(level)d, target %(target)d", name=part.name, level=part.level, target=part.target
    )


def _radar(parts: tuple[DimensionPart, ...], peers: portfolio.PeerFigures | None) -> charts.Drawing:
    series = [
        charts.Series(_("Current level"), [p.level for p in parts], "#8b1a1a"),
        charts.Series(_("Target"), [p.target for p in parts], "#1e6b3a", dashed=True),
    ]
    if peers is not None:
        medians = [peers.quartiles.get(p.code, (0.0, 0.0, 0.0))[1] for p in parts]
        series.append(charts.Series(_("Peer median"), medians, "#5a6270", dashed=True))
    return charts.radar([p.code for p in parts], series, title=_("Levels against targets"))


def _card(roadmap: Roadmap, item: EffectiveItem, citations: Citations) -> InitiativeCard:
    framework = roadmap.framework
    locale = text.locale()
    initiative, plan_item = item.initiative, item.item
    titles = {policy.code: policy.title.get(locale) for policy in framework.policies}
    marks = _policy_marks(framework)
    policies = tuple(
        citations.cite(code, titles[code], marks[code]) for code in initiative.policy_refs if code in titles
    )
    none = _("None")
    facts = [
        Fact(_("Why"), text.why_text(framework, item)),
        Fact(_("When"), _quarters(item)),
        Fact(_("Status"), text.status_label(item.status)),
        Fact(_("Duration"), _("%(months)d months", months=initiative.duration_months)),
        Fact(_("Effort"), _("%(value)s person-months", value=_number(initiative.effort_person_months))),
        Fact(_("Cost"), _cost_band(initiative.cost_class.value)),
        Fact(
            _("Prerequisites"),
            ", ".join(text.initiative_name(framework, code) for code in plan_item.prerequisites) or none,
        ),
        Fact(_("Key performance indicators"), "; ".join(kpi.get(locale) for kpi in initiative.kpis) or none),
        Fact(
            _("Policy references"),
            "; ".join(policies) or none,
        ),
    ]
    if plan_item.obligation is not None:
        source = plan_item.obligation.source
        cited = citations.cite(source, titles[source], marks[source]) if source in titles else source
        facts.append(
            Fact(
                _("Obligation"),
                f"{text.obligation_kind_label(plan_item.obligation.kind)}: {cited}; "
                f"{text.obligation_due_text(item)}",
            )
        )
    deadline = text.deadline_text(item)
    if deadline:
        facts.append(Fact(_("Legal deadline"), deadline))
    warnings = text.item_warnings(framework, item)
    if warnings:
        facts.append(Fact(_("Warnings"), " ".join(warnings)))
    changes = [*text.item_changes(framework, item)]
    changes.extend(
        f"{isolate(str(note.payload.get('text', '')))} ({isolate(note.author)}, "
        f"{text.date_text(local_date(note.at))})"
        for note in item.notes
    )
    if changes:
        facts.append(Fact(_("Consultants' changes and notes"), "; ".join(changes)))
    heading = f"{item.position}. {item.code} {initiative.name.get(locale)}"
    if plan_item.mandatory:
        heading += f" ({_('mandatory')})"
    return InitiativeCard(code=item.code, heading=heading, policies=policies, facts=tuple(facts))


def _quarters(item: EffectiveItem) -> str:
    """'Q1 2027', or 'Q1 2027 to Q3 2027' when it runs over several quarters."""
    if not item.placed:
        return _("Not scheduled")
    start, end = text.quarter_label(item.start_quarter), text.quarter_label(item.end_quarter)
    return start if start == end else _("%(start)s to %(end)s", start=start, end=end)


def _cost_band(cost_class: str) -> str:
    bands = {"S": _("S (small)"), "M": _("M (medium)"), "L": _("L (large)"), "XL": _("XL (very large)")}
    return bands.get(cost_class, cost_class)


def _phase_row(framework: Framework, item: EffectiveItem) -> PhaseRow:
    return PhaseRow(
        initiative=text.initiative_name(framework, item.code),
        quarters=_quarters(item),
        mandatory=_("Yes") if item.item.mandatory else _("No"),
        cost=_cost_band(item.initiative.cost_class.value),
    )


def _policy_marks(framework: Framework) -> dict[str, str]:
    """Each cited text's mark in the report: "" in force, else "no longer in force: superseded by …"."""
    return {policy.code: text.policy_status_text(framework, policy.code) for policy in framework.policies}


def _obligation_lines(roadmap: Roadmap, citations: Citations) -> tuple[str, ...]:
    """The obligations that apply to the office and are in the roadmap, in its order, each with its source
    (cited like every legal document of the report) and its due date or "overdue since …"."""
    framework, locale = roadmap.framework, text.locale()
    titles = {policy.code: policy.title.get(locale) for policy in framework.policies}
    marks = _policy_marks(framework)
    lines = []
    for item in roadmap.effective.items:
        term = item.item.obligation
        if term is None or item.removed:
            continue
        source = (
            citations.cite(term.source, titles[term.source], marks[term.source])
            if term.source in titles
            else term.source
        )
        lines.append(text.obligation_text(framework, item, source))
    return tuple(lines)


def _roadmap_part(roadmap: Roadmap, result: ScoreResult, citations: Citations) -> RoadmapPart:
    framework, effective, parameters = roadmap.framework, roadmap.effective, roadmap.plan.parameters
    obligations = _obligation_lines(roadmap, citations)
    phases = tuple(
        PhaseLine(
            heading=f"{text.phase_label(phase.index)} ({text.phase_span(phase)})",
            load=_(
                "Load: %(load)s of %(capacity)s person-months.",
                load=text.person_months(phase.load),
                capacity=text.person_months(phase.capacity),
            ),
            # An initiative belongs to the phase it starts in (the quarters say how far it runs).
            rows=tuple(
                _phase_row(framework, item) for item in effective.counted() if item.phase == phase.index
            ),
        )
        for phase in effective.phases
    )
    edits = tuple(
        _(
            "%(summary)s — %(author)s, %(date)s. Reason: %(reason)s",
            summary=isolate(text.edit_summary(framework, outcome.edit)),
            author=isolate(outcome.edit.author),
            date=text.date_text(local_date(outcome.edit.at)),
            reason=isolate(outcome.edit.reason),
        )
        + f" ({text.outcome_text(outcome)})"
        for outcome in effective.outcomes
    )
    milestones = tuple(
        _(
            "%(phase)s: projected index %(index)s",
            phase=text.phase_label(point.phase),
            index=_number(point.index),
        )
        for point in effective.trajectory
    )
    rows = (
        (_("Now"), _number(result.index), str(result.level)),
        *(
            (text.phase_label(p.phase), _number(p.index), str(p.projection.level))
            for p in effective.trajectory
        ),
    )
    return RoadmapPart(
        version=roadmap.version,
        intro=_(
            "Roadmap version %(version)d, starting %(start)s, over %(months)d months.",
            version=roadmap.version,
            start=text.month_label(parameters.start),
            months=parameters.horizon_months,
        ),
        phases=phases,
        gantt=figures.gantt_chart(roadmap),
        cards=tuple(_card(roadmap, item, citations) for item in effective.items if not item.removed),
        trajectory=figures.trajectory_chart(roadmap),
        trajectory_rows=rows,
        edits=edits,
        milestones=milestones,
        obligations=obligations,
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
        _(
            "Consultants may add, remove, move and annotate initiatives; each change carries its reason, and "
            "the proposed roadmap stays on record beside the approved one."
        ),
    )


def _glossary() -> tuple[tuple[str, str], ...]:
    """The terms of the report (DESIGN.md §3), in the order a reader meets them."""
    return (
        (
            _("Index"),
            _("The overall result from 0 to 1000, combining the dimensions' scores with their weights."),
        ),
        (
            _("Dimension"),
            _("An area of digital transformation assessed on its own, with a level from 1 to 5."),
        ),
        (_("Level"), _("The maturity of a dimension, from 1 (initial) to 5 (leading), with a descriptor.")),
        (_("Target"), _("The level the office aims at for a dimension.")),
        (_("Gate"), _("A rule that caps a dimension's level while a critical condition holds.")),
        (_("Evidence"), _("A note, a document reference or a file that backs an answer.")),
        (_("Initiative"), _("A piece of work of the roadmap that raises one or more dimensions.")),
        (_("Phase"), _("A period of the roadmap with its own capacity; initiatives are placed in quarters.")),
        (_("Person-month"), _("The work of one person for one month.")),
        (_("Cost class"), _("An order of magnitude of the cost, from S (small) to XL (very large).")),
    )


def build(assessment: Assessment, *, today: dt.date | None = None) -> ReportData:
    """Every value and word of the report, in the language in force."""
    locale = text.locale()
    day = today or roadmaps.local_today()
    settings = report_settings.current()
    issuer = report_settings.in_language(settings, locale)
    scored = results.live_score(assessment)
    framework, result = scored.framework, scored.result
    peers = portfolio.peer_figures(assessment.cycle, assessment.framework_version_id)
    # Legal documents are cited in reading order: the summary's legal basis, the roadmap, then the appendix.
    citations = Citations(locale)
    marks = _policy_marks(framework)
    legal_basis = tuple(
        citations.cite(policy.code, policy.title.get(locale), marks[policy.code])
        for policy in framework.policies[:3]
    )
    roadmap = roadmaps.load(assessment)
    roadmap_part = _roadmap_part(roadmap, result, citations) if roadmap is not None else None
    lines = _answer_lines(framework, result, assessment, citations)
    parts = _dimension_parts(framework, result, lines, peers)
    strong, weak = strengths_and_limitations(parts)
    gaps = tuple(_standing_line(p) for p in weak)
    strengths = tuple(_standing_line(p) for p in strong)
    office, cycle = assessment.office, assessment.cycle

    def official(name: str) -> str:
        return name.upper() if locale == "vi" else name

    status = str(lifecycle.STATUS_LABELS[assessment.status_enum])
    number = report_settings.number_for(assessment, settings)
    return ReportData(
        locale=locale,
        assessment_id=assessment.id,
        office_name=office.name(locale),
        office_code=office.code,
        cycle_name=cycle.name(locale),
        cycle_code=cycle.code,
        status=status,
        final=assessment.status_enum in FINAL_STATUSES,
        issued_on=day,
        date_line=_date_line(locale, issuer.place, day),
        document_number=number,
        issuer_parent=official(issuer.parent),
        issuer=official(issuer.body),
        signatory_position=official(issuer.signatory_position),
        signatory_name=issuer.signatory_name,
        recipients=issuer.recipients,
        words=_words(assessment, issuer, status, day, number),
        about=_(
            "Office: %(office)s. Cycle: %(cycle)s. Assessment status: %(status)s.",
            office=office.name(locale),
            cycle=cycle.name(locale),
            status=status,
        ),
        framework_line=_(
            "Assessed against the framework “%(title)s”, version %(version)s.",
            title=framework.title.get(locale),
            version=framework.version,
        ),
        legal_basis=legal_basis,
        index=_number(result.index),
        level=result.level,
        standing=_(
            "Index: %(index)s / 1000. Overall level: %(level)d / 5. Coverage of the applicable questions: "
            "%(coverage)s.",
            index=_number(result.index),
            level=result.level,
            coverage=format_percent(result.coverage),
        ),
        radar=_radar(parts, peers),
        strengths=strengths,
        gaps=gaps,
        milestones=roadmap_part.milestones if roadmap_part is not None else (),
        dimensions=parts,
        roadmap=roadmap_part,
        warnings=tuple(text.roadmap_warnings(roadmap.framework, roadmap.effective)) if roadmap else (),
        answers=tuple(
            AnswerGroup(d.name.get(locale), tuple(lines[q.code] for q in framework.questions_of(d.code)))
            for d in framework.dimensions
        ),
        methodology=_methodology(framework),
        glossary=_glossary(),
        dti=_dti_part(view, locale) if (view := dti_view(framework, result)) is not None else None,
    )
