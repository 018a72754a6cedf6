"""The report as an editable Word document (.docx, python-docx): the same content as the PDF.

`render_docx(assessment, locale)` returns the file's bytes; the caller authorises and delivers it (and may
cache it). The Vietnamese document follows the administrative format of Decree 30/2020/NĐ-CP: A4, margins
20 mm top and bottom, 30 mm left, 15 mm right, a Times New Roman serif at 13 pt, page numbers centred at the
top and absent from the first page (a different first-page header), the issuing body and the national motto
side by side, number and symbol, place and date, type and summary, and at the end the signature block with
"Nơi nhận:". Headings are Word's own Heading 1–3 styles (the navigation pane and a generated table of
contents use them), tables are Word tables, charts are PNG images drawn with Pillow from the same values as
the screen's SVG charts (Word cannot show SVG everywhere, and no SVG rasteriser is needed).

Every word comes through Babel in the requested locale (flask_babel.force_locale), so a document is in one
language only; the values typed by people (office names, reasons, notes, settings) are written as text runs,
which Word never interprets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph
from flask_babel import force_locale, format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont

from roadmap.engine.framework import Framework, Question
from roadmap.engine.scoring import GuidanceStatus, ScoreResult
from roadmap.models import Assessment, AssessmentStatus
from roadmap.services.plans import exports as roadmap_exports
from roadmap.services.plans import roadmaps
from roadmap.services.plans import wording as text
from roadmap.services.plans.roadmaps import Roadmap
from roadmap.services.reporting import settings as report_settings
from roadmap.services.reporting.citations import Citations
from roadmap.services.survey import assessments, evidence, results

LOCALES = ("vi", "en")
# Part of the cache key (roadmap.services.reporting.cache): a change of this module renders anew.
TEMPLATE_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
MIME_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Decree 30/2020/NĐ-CP, Appendix I: the layout values, in one place.
PAGE_WIDTH_MM = 210
PAGE_HEIGHT_MM = 297
MARGIN_TOP_MM = 20
MARGIN_BOTTOM_MM = 20
MARGIN_LEFT_MM = 30
MARGIN_RIGHT_MM = 15
HEADER_DISTANCE_MM = 10
FONT_NAME = "Times New Roman"
BODY_PT = 13
TABLE_PT = 12
HEADING_PT = (14, 13, 13)
LINE_SPACING = 1.3  # the decree allows single to 1.5 lines in the body
CHART_WIDTH_MM = 160
CONTENTS_LEVELS = 2  # the contents list Heading 1 and Heading 2
WEAK_POINTS = 0.5  # an answer below half of the points a question gives (0–1) is a finding

MOTTO_VI = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_SUB_VI = "Độc lập - Tự do - Hạnh phúc"
TYPE_VI = "BÁO CÁO"
SUMMARY_VI = "Kết quả đánh giá mức độ chuyển đổi số và lộ trình đề xuất"


def filename(assessment: Assessment, locale: str) -> str:
    """The download's name in the reader's language (delivered RFC 5987-encoded), e.g.
    'Báo cáo chuyển đổi số - VPCP - 2026.docx'."""
    with force_locale(locale):
        stem = _("Digital transformation report")
    return f"{stem} - {assessment.office.code} - {assessment.cycle.code}.docx"


def render_docx(assessment: Assessment, locale: str) -> bytes:
    """The assessment's report as a .docx in `locale` ("vi" or "en")."""
    if locale not in LOCALES:
        raise ValueError(f"unsupported report language: {locale}")
    with force_locale(locale):
        content = gather(assessment, locale)
        document = _Writer(content).write()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- the content, gathered from the services -----------------------------------------------------------


@dataclass(frozen=True)
class Content:
    assessment: Assessment
    locale: str
    framework: Framework
    result: ScoreResult  # the roadmap's basis (approved or submitted snapshot) or the live result
    guidance: ScoreResult  # the live result with next-level guidance
    roadmap: Roadmap | None
    settings: report_settings.ReportSettings
    number: str
    day: dt.date


def gather(assessment: Assessment, locale: str) -> Content:
    roadmap = roadmaps.load(assessment)
    result = roadmap.result if roadmap is not None else roadmaps.basis_of(assessment).result
    framework = roadmap.framework if roadmap is not None else assessments.framework_of(assessment)
    settings = report_settings.current()
    return Content(
        assessment=assessment,
        locale=locale,
        framework=framework,
        result=result,
        guidance=results.live_score(assessment, guidance=True).result,
        roadmap=roadmap,
        settings=settings,
        number=report_settings.number_for(assessment, settings),
        day=roadmaps.local_today(),
    )


# --- writing --------------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, content: Content) -> None:
        self.c = content
        self.locale = content.locale
        self.doc: DocumentObject = Document()
        self.citations = Citations(content.locale)
        self.outline: list[tuple[int, str]] = []  # (level, text) of every heading, for the contents
        self.style_ids = {
            name: self.doc.styles[name].style_id
            for name in ("Heading 1", "Heading 2", "Heading 3", "List Bullet", "Caption", "Table Grid")
        }

    def write(self) -> DocumentObject:
        self._setup()
        self._heading_block()
        contents = self._contents_placeholder()
        self._summary()
        self._dimensions()
        self._roadmap()
        self._answers()
        self._methodology()
        self._glossary()
        self._signature()
        self._fill_contents(contents)
        return self.doc

    # -- page, styles, header -------------------------------------------------------------------------

    def _setup(self) -> None:
        doc = self.doc
        section = doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
        section.top_margin, section.bottom_margin = Mm(MARGIN_TOP_MM), Mm(MARGIN_BOTTOM_MM)
        section.left_margin, section.right_margin = Mm(MARGIN_LEFT_MM), Mm(MARGIN_RIGHT_MM)
        section.header_distance = Mm(HEADER_DISTANCE_MM)
        # Page numbers centred at the top, none on the first page.
        section.different_first_page_header_footer = True
        section.first_page_header.is_linked_to_previous = False
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _page_field(header)

        normal = doc.styles["Normal"]
        _font(normal, BODY_PT)
        normal.paragraph_format.line_spacing = LINE_SPACING
        normal.paragraph_format.space_after = Pt(6)
        for level, size in enumerate(HEADING_PT, start=1):
            style = doc.styles[f"Heading {level}"]
            _font(style, size, bold=True)
            style.font.italic = level == 3
            style.paragraph_format.space_before = Pt(12)
            style.paragraph_format.space_after = Pt(6)
        for name in ("Title", "Caption", "List Bullet", "Table Grid"):
            _font(doc.styles[name], BODY_PT if name != "Caption" else TABLE_PT)
        core = doc.core_properties
        core.title = xml_safe(self._title())
        core.subject = xml_safe(self._office_name())
        core.author = xml_safe(self.c.settings.issuing_body)
        core.language = self.locale
        core.created = dt.datetime.combine(self.c.day, dt.time())

    def _title(self) -> str:
        if self.locale == "vi":
            return f"{TYPE_VI}: {SUMMARY_VI}"
        return _("Report: digital transformation assessment results and proposed roadmap")

    def _office_name(self) -> str:
        return self.c.assessment.office.name(self.locale)

    # -- Decree 30 heading block ----------------------------------------------------------------------

    def _heading_block(self) -> None:
        settings, doc = self.c.settings, self.doc
        table = doc.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        left, right = table.rows[0].cells
        left.width, right.width = Mm(65), Mm(100)
        body = left.paragraphs[0]
        _centre(body)
        if settings.issuing_body_parent:
            _run(body, settings.issuing_body_parent.upper(), size=12)
            body.add_run().add_break()
        _run(body, settings.issuing_body.upper(), size=12, bold=True)
        _rule(left.add_paragraph(), "_______")
        number = left.add_paragraph()
        _centre(number)
        _run(number, _("No.: %(number)s", number=self.c.number), size=BODY_PT)

        motto = right.paragraphs[0]
        _centre(motto)
        if self.locale == "vi":
            _run(motto, MOTTO_VI, size=12, bold=True)
            motto.add_run().add_break()
            _run(motto, MOTTO_SUB_VI, size=BODY_PT, bold=True)
            _rule(right.add_paragraph(), "______________________")
        else:
            _run(motto, self._office_name(), size=12, bold=True)
            _rule(right.add_paragraph(), "______________________")
        date = right.add_paragraph()
        _centre(date)
        _run(date, self._date_line(), italic=True, size=BODY_PT)

        doc.add_paragraph()
        kind = doc.add_paragraph()
        _centre(kind)
        if self.locale == "vi":
            _run(kind, TYPE_VI, bold=True, size=14)
            kind.add_run().add_break()
            _run(kind, SUMMARY_VI, bold=True, size=14)
        else:
            _run(kind, _("REPORT"), bold=True, size=14)
            kind.add_run().add_break()
            _run(
                kind, _("Digital transformation assessment results and proposed roadmap"), bold=True, size=14
            )
        _rule(doc.add_paragraph(), "__________")
        about = doc.add_paragraph()
        _centre(about)
        assessment = self.c.assessment
        _run(
            about,
            _(
                "Office: %(office)s. Cycle: %(cycle)s.",
                office=self._office_name(),
                cycle=assessment.cycle.name(self.locale),
            ),
        )
        if assessment.status not in (AssessmentStatus.APPROVED.value, AssessmentStatus.PUBLISHED.value):
            draft = doc.add_paragraph()
            _centre(draft)
            _run(draft, _("DRAFT: the results have not been approved yet."), bold=True)

    def _date_line(self) -> str:
        if self.locale == "vi":
            return report_settings.date_line(self.c.settings.place, self.c.day)
        return f"{self.c.settings.place}, {format_date(self.c.day, 'long')}"

    # -- executive summary ----------------------------------------------------------------------------

    def _summary(self) -> None:
        result, framework = self.c.result, self.c.framework
        self._heading(_("1. Executive summary"), level=1)
        self._para(
            _(
                "Digital transformation index: %(index)s of 1000; overall level %(level)d of 5. "
                "Coverage of the applicable questions: %(coverage)s.",
                index=format_decimal(result.index),
                level=result.level,
                coverage=format_percent(result.coverage),
            )
        )
        rows = []
        for dimension in result.dimensions:
            rows.append(
                [
                    dimension.code,
                    framework.dimension(dimension.code).name.get(self.locale),
                    format_decimal(dimension.score),
                    str(dimension.level),
                    str(dimension.target),
                    str(dimension.gap),
                ]
            )
        self._table([_("Code"), _("Dimension"), _("Score"), _("Level"), _("Target"), _("Gap")], rows)
        self._chart(
            levels_chart([(d.code, d.level, d.target) for d in result.dimensions]),
            _("Level (filled bar) and target (outlined bar) of each dimension, on a scale of 1 to 5."),
        )
        strongest = sorted(result.dimensions, key=lambda d: (-d.level, -d.score))[:3]
        widest = [d for d in sorted(result.dimensions, key=lambda d: (-d.gap, d.score)) if d.gap > 0][:3]
        self._para(
            _(
                "Strengths: %(names)s.",
                names=", ".join(framework.dimension(d.code).name.get(self.locale) for d in strongest),
            )
        )
        if widest:
            self._para(
                _(
                    "Largest gaps to the targets: %(names)s.",
                    names=", ".join(framework.dimension(d.code).name.get(self.locale) for d in widest),
                )
            )
        else:
            self._para(_("Every dimension has reached its target."))
        roadmap = self.c.roadmap
        if roadmap is not None:
            counted = roadmap.effective.counted()
            end = roadmap.effective.trajectory[-1].projection if roadmap.effective.trajectory else None
            self._para(
                _(
                    "The roadmap proposes %(count)d initiatives in %(phases)d phases.",
                    count=len(counted),
                    phases=len(roadmap.effective.phases),
                )
                + (
                    " "
                    + _(
                        "Carried out, they would bring the index to %(index)s (level %(level)d).",
                        index=format_decimal(end.index),
                        level=end.level,
                    )
                    if end is not None
                    else ""
                )
            )

    # -- one part per dimension -----------------------------------------------------------------------

    def _dimensions(self) -> None:
        framework, result, locale = self.c.framework, self.c.result, self.locale
        self._heading(_("2. Results by dimension"), level=1)
        for number, dimension in enumerate(result.dimensions, start=1):
            described = framework.dimension(dimension.code)
            self._heading(f"2.{number}. {described.name.get(locale)}", level=2)
            descriptor = (
                described.levels[dimension.level - 1].get(locale)
                if 1 <= dimension.level <= len(described.levels)
                else ""
            )
            self._para(
                _(
                    "Score %(score)s of 100; level %(level)d (target %(target)d).",
                    score=format_decimal(dimension.score),
                    level=dimension.level,
                    target=dimension.target,
                )
            )
            if descriptor:
                self._para(_("Level %(level)d: %(descriptor)s", level=dimension.level, descriptor=descriptor))
            self._findings(dimension.code)
            capped = [gate for gate in dimension.gates if gate.capped]
            if capped:
                self._heading(_("Conditions that capped the level"), level=3)
                for gate in capped:
                    self._bullet(
                        _("Capped at level %(level)d:", level=gate.max_level) + " " + gate.message.get(locale)
                    )
            if dimension.level_override is not None:
                self._para(
                    _(
                        "The level was set by a consultant: %(justification)s",
                        justification=dimension.level_override.justification,
                    )
                )
            self._guidance(dimension.code)

    def _findings(self, dimension: str) -> None:
        framework, locale = self.c.framework, self.locale
        weak = [
            q
            for q in self.c.result.questions
            if q.dimension == dimension
            and q.counted
            and (q.dont_know or q.evidence_discounted or (q.points is not None and q.points < WEAK_POINTS))
        ]
        weak.sort(key=lambda q: (q.points if q.points is not None else 0, -q.weight))
        self._heading(_("Key findings"), level=3)
        if not weak:
            self._para(_("No answer in this dimension scores below half of its points."))
            return
        for question in weak[:6]:
            asked = framework.question(question.code)
            line = _(
                "%(code)s %(question)s: %(answer)s (%(points)s points).",
                code=question.code,
                question=asked.text.get(locale),
                answer=_answer_text(asked, question.answer),
                points=format_decimal(question.points or 0),
            )
            if question.evidence_discounted:
                line += " " + _("Counted at a discount: evidence is missing.")
            self._bullet(line)

    def _guidance(self, dimension: str) -> None:
        guide = self.c.guidance.guidance_for(dimension)
        self._heading(_("Towards the next level"), level=3)
        if guide is None:
            self._para(_("This dimension is at the highest level."))
            return
        if guide.status is GuidanceStatus.REACHABLE:
            self._para(_("To reach level %(level)d:", level=guide.target_level))
            for change in guide.changes:
                question = self.c.framework.question(change.question)
                line = _(
                    "%(code)s %(question)s: answer %(answer)s",
                    code=change.question,
                    question=question.text.get(self.locale),
                    answer=_answer_text(question, change.answer, quoted=True),
                )
                if change.add_evidence:
                    line += " " + _("with evidence")
                self._bullet(line)
        elif guide.status is GuidanceStatus.BLOCKED_BY_GATE:
            self._para(_("A condition that no change of answers in this survey can clear caps this level."))
        elif guide.status is GuidanceStatus.LEVEL_OVERRIDDEN:
            self._para(_("The level was set by a consultant; answers do not change it."))
        else:
            self._para(_("Answers alone cannot raise the score enough for the next level."))

    # -- the roadmap ----------------------------------------------------------------------------------

    def _roadmap(self) -> None:
        roadmap = self.c.roadmap
        self._heading(_("3. Proposed roadmap"), level=1)
        if roadmap is None:
            self._para(_("No roadmap has been generated for this assessment yet."))
            return
        framework, effective, locale = roadmap.framework, roadmap.effective, self.locale
        self._para(
            _(
                "Roadmap version %(version)d, starting %(start)s, over %(months)d months.",
                version=roadmap.row.version,
                start=text.month_label(roadmap.plan.parameters.start),
                months=roadmap.plan.parameters.horizon_months,
            )
        )
        self._heading(_("3.1. Phases"), level=2)
        self._table(
            [
                _("Phase"),
                _("Months"),
                _("Capacity (person-months)"),
                _("Load (person-months)"),
                _("Initiatives"),
            ],
            [
                [
                    text.phase_label(phase.index),
                    text.phase_span(phase),
                    text.person_months(phase.capacity),
                    text.person_months(phase.load),
                    ", ".join(phase.initiatives),
                ]
                for phase in effective.phases
            ],
        )
        for warning in text.roadmap_warnings(framework, effective):
            self._bullet(warning)
        start = roadmap.plan.parameters.start
        columns = max(1, -(-roadmap.plan.parameters.horizon_months // 3))
        self._chart(
            gantt_chart(
                [
                    (item.code, item.start or 0, item.initiative.duration_months)
                    for item in effective.counted()
                ],
                [f"Q{start.plus(3 * i).quarter}/{start.plus(3 * i).year}" for i in range(columns)],
            ),
            _("Schedule by quarter: one bar per initiative, by its code."),
        )

        self._heading(_("3.2. Initiatives"), level=2)
        for item in effective.items:
            initiative = item.initiative
            self._heading(f"{item.position}. {item.code} {initiative.name.get(locale)}", level=3)
            facts = [
                (_("Status"), text.status_label(item.status)),
                (_("Why"), text.why_text(framework, item)),
                (
                    _("Prerequisites"),
                    ", ".join(text.initiative_name(framework, code) for code in item.item.prerequisites)
                    or _("None"),
                ),
                (
                    _("Schedule"),
                    _(
                        "%(start)s to %(end)s",
                        start=text.quarter_label(item.start_quarter),
                        end=text.quarter_label(item.end_quarter),
                    )
                    if item.placed
                    else text.not_fitting_text(item),
                ),
                (_("Duration"), _("%(months)d months", months=initiative.duration_months)),
                (
                    _("Effort"),
                    _("%(value)s person-months", value=text.person_months(initiative.effort_person_months)),
                ),
                (_("Cost class"), text.cost_class_label(initiative.cost_class.value)),
                (
                    _("Key performance indicators"),
                    "; ".join(kpi.get(locale) for kpi in initiative.kpis) or _("None"),
                ),
                (_("Policy references"), self._policies(framework, initiative.policy_refs) or _("None")),
            ]
            deadline = text.deadline_text(item)
            if deadline:
                facts.append((_("Legal deadline"), deadline))
            warnings = text.item_warnings(framework, item)
            if warnings:
                facts.append((_("Warnings"), " ".join(warnings)))
            changes = text.item_changes(framework, item)
            if changes:
                facts.append((_("Consultant changes"), " ".join(changes)))
            notes = [note.payload.get("text", "") for note in item.notes]
            if notes:
                facts.append((_("Notes"), " ".join(notes)))
            if initiative.description.get(locale):
                self._para(initiative.description.get(locale))
            self._facts(facts)

        self._heading(_("3.3. Projected trajectory"), level=2)
        points = [roadmap.result.index, *(p.projection.index for p in effective.trajectory)]
        self._chart(
            trajectory_chart(points),
            _("Projected index (0–1000): now (0) and after each phase (1, 2, …) of the approved roadmap."),
        )
        self._table(
            [_("Phase"), _("Index"), _("Level")],
            [[_("Now"), format_decimal(roadmap.result.index), str(roadmap.result.level)]]
            + [
                [text.phase_label(p.phase), format_decimal(p.projection.index), str(p.projection.level)]
                for p in effective.trajectory
            ],
        )

        self._heading(_("3.4. Consultant changes and notes"), level=2)
        if effective.outcomes:
            self._table(
                roadmap_exports.change_headers(),
                [
                    ["" if cell is None else str(cell) for cell in row]
                    for row in roadmap_exports.change_rows(roadmap)
                ],
            )
        else:
            self._para(_("The consultants have not changed the proposed roadmap."))
        for note in effective.notes:
            self._bullet(_("Note on the roadmap: %(text)s", text=note.payload.get("text", "")))

    def _policies(self, framework: Framework, codes: Sequence[str]) -> str:
        titles = {policy.code: policy.title.get(self.locale) for policy in framework.policies}
        return "; ".join(self.citations.cite(code, titles.get(code, code)) for code in codes)

    # -- appendices -----------------------------------------------------------------------------------

    def _answers(self) -> None:
        framework, result, locale = self.c.framework, self.c.result, self.locale
        _page_break(self.doc.add_paragraph())
        self._heading(_("Appendix 1. Answers and evidence"), level=1)
        found = evidence.of_questions(self.c.assessment, [q.code for q in framework.questions])
        for dimension in framework.dimensions:
            self._heading(dimension.name.get(locale), level=2)
            rows = []
            for question in framework.questions_of(dimension.code):
                try:
                    scored = result.question(question.code)
                except KeyError:
                    continue
                asked = question.text.get(locale)
                if question.policy_refs:
                    basis = self._policies(framework, question.policy_refs)
                    asked += "\n" + _("Legal basis: %(references)s", references=basis)
                rows.append(
                    [
                        question.code,
                        asked,
                        _answer_text(question, scored.answer),
                        _evidence_text(found, question.code),
                    ]
                )
            self._table([_("Code"), _("Question"), _("Answer"), _("Evidence")], rows)

    def _methodology(self) -> None:
        rules = self.c.framework.scoring
        self._heading(_("Appendix 2. Methodology"), level=1)
        bands = "; ".join(
            _("level %(level)d from %(low)s", level=band.level, low=format_decimal(band.min_score))
            for band in rules.bands
        )
        for paragraph in (
            _(
                "Each answer gives points from 0 to 1; a dimension's score (0–100) is the weighted mean of "
                "the points of its applicable questions. “Don't know” counts %(points)s points.",
                points=format_decimal(rules.dont_know_points),
            ),
            _(
                "A claim that needs evidence and has none is counted at a discount of %(discount)s.",
                discount=format_percent(rules.evidence_discount),
            ),
            _(
                "The score gives the level by bands: %(bands)s. Conditions (gates) may cap a level whatever "
                "the score, and a consultant may set a level with a written justification.",
                bands=bands,
            ),
            _(
                "The index (0–1000) is the weighted sum of the dimensions' scores; the overall level follows "
                "from the index in the same bands."
            ),
            _(
                "The roadmap proposes the initiatives that the answers call for, with their prerequisites, "
                "ordered by priority (mandatory and legal deadlines first, then the gap they close per "
                "person-month) and scheduled by quarter within each phase's capacity. Consultants may add, "
                "remove, move and annotate initiatives; each change carries its reason."
            ),
        ):
            self._para(paragraph)
        self._para(
            _(
                "Framework: %(title)s, version %(version)s.",
                title=self.c.framework.title.get(self.locale),
                version=self.c.framework.version,
            )
        )

    def _glossary(self) -> None:
        self._heading(_("Appendix 3. Glossary"), level=1)
        self._table(
            [_("Term"), _("Meaning")],
            [
                [_("Index"), _("The overall measure of digital transformation, from 0 to 1000.")],
                [
                    _("Level"),
                    _("A stage of maturity from 1 (initial) to 5 (leading), per dimension and overall."),
                ],
                [_("Target"), _("The level the office aims to reach in a dimension.")],
                [_("Gate"), _("A condition that caps a dimension's level whatever its score.")],
                [_("Evidence"), _("A document, file or reference that supports an answer.")],
                [_("Initiative"), _("A piece of work that raises one or more dimensions.")],
                [_("Phase"), _("A period of the roadmap with its own capacity.")],
                [_("Person-month"), _("The work of one person for one month.")],
                [_("Cost class"), _("An order of magnitude of the cost, from S (small) to XL (very large).")],
            ],
        )

    # -- signature block and recipients ---------------------------------------------------------------

    def _signature(self) -> None:
        settings = self.c.settings
        self.doc.add_paragraph()
        table = self.doc.add_table(rows=1, cols=2)
        left, right = table.rows[0].cells
        left.width, right.width = Mm(85), Mm(80)
        recipients = left.paragraphs[0]
        _run(recipients, _("Recipients:"), bold=True, italic=True, size=12)
        for line in settings.recipients:
            paragraph = left.add_paragraph()
            _single(paragraph)
            _run(paragraph, f"- {line}", size=11)
        position = right.paragraphs[0]
        _centre(position)
        _run(position, settings.signatory_position.upper(), bold=True, size=BODY_PT)
        for _blank in range(4):
            _centre(right.add_paragraph())
        name = right.add_paragraph()
        _centre(name)
        _run(name, settings.signatory_name, bold=True, size=BODY_PT)

    # -- small building blocks ------------------------------------------------------------------------

    def _styled(self, words: str, style: str) -> Paragraph:
        """A paragraph in a style of the document, by id: python-docx's lookup by name scans every style
        on each call, which costs more than the rest of the report."""
        paragraph = self.doc.add_paragraph(xml_safe(words))
        paragraph._p.get_or_add_pPr().get_or_add_pStyle().val = self.style_ids[style]
        return paragraph

    def _heading(self, words: str, level: int) -> Paragraph:
        """Word's own Heading 1–3 styles, which the navigation pane and a table of contents read."""
        self.outline.append((level, xml_safe(words)))
        return self._styled(words, f"Heading {level}")

    # -- contents -------------------------------------------------------------------------------------

    def _contents_placeholder(self) -> Paragraph:
        title = self.doc.add_paragraph()
        _centre(title)
        title.paragraph_format.space_before = Pt(12)
        _run(title, _("CONTENTS"), bold=True)
        return self.doc.add_paragraph()

    def _fill_contents(self, paragraph: Paragraph) -> None:
        """A TOC field over Heading 1 and 2, showing the parts until Word updates it (F9, or Update field)
        and adds the page numbers."""
        _field_char(paragraph, "begin")
        instruction = paragraph.add_run()._r
        code = OxmlElement("w:instrText")
        code.set(qn("xml:space"), "preserve")
        code.text = ' TOC \\o "1-2" \\h \\z \\u '
        instruction.append(code)
        _field_char(paragraph, "separate")
        entries = [(level, words) for level, words in self.outline if level <= CONTENTS_LEVELS]
        for index, (level, words) in enumerate(entries):
            run = paragraph.add_run(("    " * (level - 1)) + words)
            if index < len(entries) - 1:
                run.add_break()
        _field_char(paragraph, "end")

    def _para(self, words: str) -> Paragraph:
        paragraph = self.doc.add_paragraph(xml_safe(words))
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        return paragraph

    def _bullet(self, words: str) -> Paragraph:
        paragraph = self._styled(words, "List Bullet")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        return paragraph

    def _table(self, head: Sequence[str], rows: Iterable[Sequence[str]]) -> Table:
        table = self.doc.add_table(rows=1, cols=len(head))
        table._tbl.tblStyle_val = self.style_ids["Table Grid"]
        for cell, words in zip(table.rows[0].cells, head, strict=True):
            paragraph = cell.paragraphs[0]
            _single(paragraph)
            _run(paragraph, words, bold=True, size=TABLE_PT)
        _row_flags(table.rows[0], header=True)
        for row in rows:
            added = table.add_row()
            _row_flags(added)
            cells = added.cells
            for cell, words in zip(cells, row, strict=True):
                paragraph = cell.paragraphs[0]
                _single(paragraph)
                _run(paragraph, words, size=TABLE_PT)
        self.doc.add_paragraph()
        return table

    def _facts(self, facts: Sequence[tuple[str, str]]) -> None:
        table = self.doc.add_table(rows=0, cols=2)
        table._tbl.tblStyle_val = self.style_ids["Table Grid"]
        for label, value in facts:
            added = table.add_row()
            _row_flags(added)
            left, right = added.cells
            left.width, right.width = Mm(45), Mm(120)
            _single(left.paragraphs[0])
            _run(left.paragraphs[0], label, bold=True, size=TABLE_PT)
            _single(right.paragraphs[0])
            _run(right.paragraphs[0], value, size=TABLE_PT)
        self.doc.add_paragraph()

    def _chart(self, png: bytes, caption: str) -> None:
        picture = self.doc.add_paragraph()
        _centre(picture)
        picture.add_run().add_picture(io.BytesIO(png), width=Mm(CHART_WIDTH_MM))
        below = self._styled(caption, "Caption")
        _centre(below)


def _answer_text(question: Question, answer: object, *, quoted: bool = False) -> str:
    """An answer as the report shows it: options in quotes inside a sentence (`quoted`), a single option
    bare in a table cell or after a colon."""
    if answer is None:
        return _("No answer")
    state = getattr(answer, "state", None)
    value = getattr(answer, "value", None)
    if state is not None and state.value != "answered":
        return text.value_text(state, question)
    shown = text.value_text(value, question)
    if quoted or shown.count("“") != 1:
        return shown
    return shown.removeprefix("“").removesuffix("”")


def _day(day: dt.date) -> str:
    """'05/03/2026' in Vietnamese documents, '5 March 2026' in English ones."""
    return day.strftime("%d/%m/%Y") if str(get_locale()) == "vi" else format_date(day, "long")


def _evidence_text(found: evidence.QuestionEvidence, code: str) -> str:
    parts = []
    note = found.notes.get(code)
    if note is not None:
        if note.document_number:
            reference = note.document_number
            if note.document_date:
                reference += " " + _("of %(date)s", date=_day(note.document_date))
            parts.append(reference)
        if note.note:
            parts.append(note.note)
    files = found.files.get(code, [])
    if files:
        parts.append(_("Files: %(names)s", names=", ".join(f.original_name for f in files)))
    return "; ".join(parts)


# Characters XML 1.0 cannot hold (C0 controls other than tab, line feed and carriage return; lone
# surrogates; U+FFFE and U+FFFF). People paste them from other programs; lxml refuses them, so they go.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(words: str) -> str:
    return _NOT_XML.sub("", words)


# --- python-docx helpers --------------------------------------------------------------------------------


def _font(style: object, size: int, *, bold: bool | None = None) -> None:
    font = style.font  # type: ignore[attr-defined]
    font.name = FONT_NAME
    font.size = Pt(size)
    font.color.rgb = RGBColor(0, 0, 0)
    if bold is not None:
        font.bold = bold
    # Word takes the font of Vietnamese letters from the complex-script and east-Asian slots too.
    properties = style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.append(fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(slot), FONT_NAME)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme), None)


def _run(
    paragraph: Paragraph, words: str, *, bold: bool = False, italic: bool = False, size: int | None = None
) -> None:
    run = paragraph.add_run(xml_safe(words))
    run.bold = bold or None
    run.italic = italic or None
    if size is not None:
        run.font.size = Pt(size)


def _centre(paragraph: Paragraph) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _single(paragraph)


def _single(paragraph: Paragraph) -> None:
    paragraph.paragraph_format.line_spacing = 1.0
    paragraph.paragraph_format.space_after = Pt(0)


def _rule(paragraph: Paragraph, line: str) -> None:
    """The short rule under the issuing body, the motto and the summary (drawn as a line of characters,
    which every word processor shows the same)."""
    _centre(paragraph)
    paragraph.paragraph_format.space_after = Pt(6)
    run = paragraph.add_run(line)
    run.font.size = Pt(8)


def _field_char(paragraph: Paragraph, kind: str) -> None:
    mark = OxmlElement("w:fldChar")
    mark.set(qn("w:fldCharType"), kind)
    paragraph.add_run()._r.append(mark)


def _page_field(paragraph: Paragraph) -> None:
    """A PAGE field: Word fills in the page's number."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "2"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instruction, separate, shown, end):
        run._r.append(element)
    run.font.size = Pt(BODY_PT)


def _row_flags(row: _Row, *, header: bool = False) -> None:
    """A row is never split across pages; the header row repeats at the top of each page the table runs
    over. (The row's properties are empty when this is called; cantSplit precedes tblHeader in the schema.)"""
    properties = row._tr.get_or_add_trPr()
    keep = OxmlElement("w:cantSplit")
    properties.append(keep)
    if header:
        marker = OxmlElement("w:tblHeader")
        properties.append(marker)


def _page_break(paragraph: Paragraph) -> None:
    paragraph.add_run().add_break(WD_BREAK.PAGE)


# --- charts as images (Pillow), from the same values as roadmap/charts.py -------------------------------

_FONT_CANDIDATES = (
    Path(__file__).resolve().parents[3] / "static" / "fonts" / "LiberationSans-Regular.ttf",
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)
_INK = (26, 26, 26)
_GRID = (200, 200, 200)
_LEVEL = (139, 26, 26)
_TARGET = (90, 98, 112)
_SCALE = 2  # drawn at twice the size, for print


def _chart_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in _FONT_CANDIDATES:
        if candidate.is_file():
            return ImageFont.truetype(str(candidate), size * _SCALE)
    return ImageFont.load_default(size * _SCALE)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def levels_chart(rows: Sequence[tuple[str, int, int]]) -> bytes:
    """Horizontal bars: each dimension's level (filled) and target (outlined), 0–5. Labels are codes and
    numbers only, so the image is the same in both languages (the caption and the table say the rest)."""
    s = _SCALE
    font = _chart_font(11)
    left, top, row_height, width = 90 * s, 20 * s, 34 * s, 640 * s
    plot = width - left - 30 * s
    height = top + row_height * len(rows) + 30 * s
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for level in range(6):
        x = left + plot * level / 5
        draw.line([(x, top - 5 * s), (x, height - 25 * s)], fill=_GRID, width=s)
        draw.text((x, height - 20 * s), str(level), fill=_INK, font=font, anchor="mt")
    for index, (code, level, target) in enumerate(rows):
        y = top + index * row_height
        draw.text((left - 8 * s, y + row_height / 2), code, fill=_INK, font=font, anchor="rm")
        draw.rectangle([left, y + 4 * s, left + plot * level / 5, y + 15 * s], fill=_LEVEL)
        draw.rectangle([left, y + 17 * s, left + plot * target / 5, y + 28 * s], outline=_TARGET, width=2 * s)
    return _png(image)


def gantt_chart(bars: Sequence[tuple[str, int, int]], columns: Sequence[str]) -> bytes:
    """One bar per initiative (code, first month offset, duration in months) over quarter columns."""
    s = _SCALE
    font = _chart_font(10)
    left, top, row_height, width = 80 * s, 26 * s, 20 * s, 640 * s
    months = max(1, 3 * len(columns))
    plot = width - left - 10 * s
    height = top + row_height * max(1, len(bars)) + 10 * s
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for index, label in enumerate(columns):
        x = left + plot * index * 3 / months
        draw.line([(x, top - 4 * s), (x, height - 6 * s)], fill=_GRID, width=s)
        draw.text((x + plot * 1.5 / months, top - 8 * s), label, fill=_INK, font=font, anchor="mb")
    for index, (code, start, duration) in enumerate(bars):
        y = top + index * row_height
        draw.text((left - 6 * s, y + row_height / 2), code, fill=_INK, font=font, anchor="rm")
        x0 = left + plot * min(start, months) / months
        x1 = left + plot * min(start + duration, months) / months
        draw.rectangle([x0, y + 4 * s, max(x1, x0 + 2 * s), y + row_height - 4 * s], fill=_LEVEL)
    return _png(image)


def trajectory_chart(points: Sequence[float]) -> bytes:
    """The index now (0) and after each phase (1, 2, …), on a 0–1000 axis."""
    s = _SCALE
    font = _chart_font(10)
    left, top, width, height = 50 * s, 15 * s, 640 * s, 240 * s
    plot_w, plot_h = width - left - 20 * s, height - top - 30 * s
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for tick in (0, 250, 500, 750, 1000):
        y = top + plot_h * (1 - tick / 1000)
        draw.line([(left, y), (left + plot_w, y)], fill=_GRID, width=s)
        draw.text((left - 6 * s, y), str(tick), fill=_INK, font=font, anchor="rm")
    steps = max(1, len(points) - 1)
    xy = [
        (left + plot_w * i / steps, top + plot_h * (1 - min(max(v, 0), 1000) / 1000))
        for i, v in enumerate(points)
    ]
    for index, (x, _y) in enumerate(xy):
        draw.text((x, top + plot_h + 8 * s), str(index), fill=_INK, font=font, anchor="mt")
    if len(xy) > 1:
        draw.line(xy, fill=_LEVEL, width=3 * s)
    for x, y in xy:
        draw.ellipse([x - 4 * s, y - 4 * s, x + 4 * s, y + 4 * s], fill=_LEVEL)
    return _png(image)
