"""The report as an editable Word document (.docx, python-docx): the report model
(roadmap.services.reporting.model) laid out for Word, with the same parts, headings, answers, initiatives,
words and charts as the PDF.

`render_report(data)` returns the file's bytes; the caller authorises, delivers and caches it
(roadmap.services.reporting.formats). The Vietnamese document follows the administrative format of Decree
30/2020/NĐ-CP: A4, margins 20 mm top and bottom, 30 mm left, 15 mm right, a Times New Roman serif at 13 pt,
page numbers centred at the top and absent from the first page (a different first-page header), the issuing
body and the national motto side by side, number and symbol, place and date, type and summary, and the
signature block with "Nơi nhận:". Headings are Word's own Heading 1–3 styles (the navigation pane and the
table of contents field use them), tables are Word tables, charts are the model's drawings painted as PNG
images (roadmap.charts: the same shapes as the PDF's SVG; Word does not show SVG everywhere).

Every word comes from the model, in the report's one language; the values typed by people (office names,
reasons, notes, settings) are written as text runs, which Word never interprets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph

from roadmap import charts
from roadmap.engine.text import scrub
from roadmap.services.reporting.model import DECREE30_TEXT, ReportData

if TYPE_CHECKING:  # the progress report's model lays out with the same blocks
    from roadmap.services.reporting.progress import ProgressData

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
SMALL_PT = 11  # answers, findings and initiative facts: as compact as in the PDF
HEADING_PT = (14, 13, 13)
LINE_SPACING = 1.3  # the decree allows single to 1.5 lines in the body
CONTENTS_LEVELS = 2  # the contents list Heading 1 and Heading 2
# Chart widths as the PDF prints them (templates/report/report.css): the radar 115 mm, the schedule the text's
# width, others their natural size.
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM
LANDSCAPE_TEXT_WIDTH_MM = PAGE_HEIGHT_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # the schedule's page
RADAR_WIDTH_MM = 115
PX_MM = 25.4 / 96  # a CSS pixel, the SVG's user unit when printed at its natural size


def render_report(data: ReportData) -> bytes:
    """The report as a .docx: the Word format's renderer."""
    document = _Writer(data).write()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class Layout:
    """What every Word document of the reporting package is built from (the report of an assessment, the
    progress report): the Decree 30 page setup and styles, the first page (Decree 30's heading in Vietnamese,
    a cover in English), the signature block, and headings, paragraphs, bullets, tables, facts, sections and
    charts. A document's writer subclasses it and lays out its own parts. `data` is the document's model:
    it has the letterhead's values (issuer, number, date line, signatory, recipients) and its `words`."""

    def __init__(self, data: ReportData | ProgressData) -> None:
        self.r: Any = data
        self.w: Any = data.words
        self.decree = data.locale == "vi"
        self.doc: DocumentObject = Document()
        self.style_ids = {
            name: self.doc.styles[name].style_id
            for name in ("Heading 1", "Heading 2", "Heading 3", "List Bullet", "Caption", "Table Grid")
        }

    def _first_page(self, summary: str, subject: str) -> None:
        """Decree 30's heading (the document's summary, then "của <office> — <subject>"), or the cover."""
        if self.decree:
            self._decree30_heading(summary, subject)
        else:
            self._cover()

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
        core.title = xml_safe(self.w.title)
        core.subject = xml_safe(self.w.subject)
        core.author = xml_safe(self.r.issuer)
        core.keywords = xml_safe(f"{self.r.office_code}, {self.r.cycle_code}")
        core.language = self.r.locale
        core.created = dt.datetime.combine(self.r.issued_on, dt.time())

    # -- the first page -------------------------------------------------------------------------------

    def _decree30_heading(self, summary: str, subject: str) -> None:
        """Decree 30: issuing body, number | national motto, place and date; then type and summary."""
        r, doc = self.r, self.doc
        table = doc.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        left, right = table.rows[0].cells
        left.width, right.width = Mm(65), Mm(100)
        body = left.paragraphs[0]
        _centre(body)
        if r.issuer_parent:
            _run(body, r.issuer_parent, size=12)
            body.add_run().add_break()
        _run(body, r.issuer, size=12, bold=True)
        _rule(left.add_paragraph(), "_______")
        number = left.add_paragraph()
        _centre(number)
        _run(number, f"{DECREE30_TEXT['number']} {r.document_number}", size=BODY_PT)

        motto = right.paragraphs[0]
        _centre(motto)
        _run(motto, DECREE30_TEXT["nation"], size=12, bold=True)
        motto.add_run().add_break()
        _run(motto, DECREE30_TEXT["motto"], size=BODY_PT, bold=True)
        _rule(right.add_paragraph(), "______________________")
        date = right.add_paragraph()
        _centre(date)
        _run(date, r.date_line, italic=True, size=BODY_PT)

        doc.add_paragraph()
        kind = doc.add_paragraph()
        _centre(kind)
        _run(kind, DECREE30_TEXT["type"], bold=True, size=14)
        kind.add_run().add_break()
        _run(kind, summary, bold=True, size=14)
        kind.add_run().add_break()
        _run(kind, f"{DECREE30_TEXT['of']} {r.office_name} — {subject}", bold=True, size=14)
        _rule(doc.add_paragraph(), "__________")

    def _cover(self) -> None:
        """The English report's first page: title, office, and the facts of the cover."""
        title = self.doc.add_paragraph()
        title.paragraph_format.space_before = Pt(72)
        _run(title, self.w.title, bold=True, size=22)
        subtitle = self.doc.add_paragraph()
        _run(subtitle, self.r.office_name, size=14)
        for label, value in self.w.cover:
            line = self.doc.add_paragraph()
            _single(line)
            _run(line, f"{label}: ", bold=True)
            _run(line, value)
        self.doc.add_paragraph()

    def _signature(self) -> None:
        r = self.r
        self.doc.add_paragraph()
        table = self.doc.add_table(rows=1, cols=2)
        left, right = table.rows[0].cells
        left.width, right.width = Mm(85), Mm(80)
        recipients = left.paragraphs[0]
        label = DECREE30_TEXT["recipients"] if self.decree else self.w.recipients
        _run(recipients, label, bold=True, italic=True, size=12)
        for line in r.recipients:
            paragraph = left.add_paragraph()
            _single(paragraph)
            _run(paragraph, f"- {line}", size=SMALL_PT)
        position = right.paragraphs[0]
        _centre(position)
        _run(position, r.signatory_position, bold=True, size=BODY_PT)
        for _blank in range(4):
            _centre(right.add_paragraph())
        name = right.add_paragraph()
        _centre(name)
        _run(name, r.signatory_name, bold=True, size=BODY_PT)

    # -- small building blocks ------------------------------------------------------------------------

    def _styled(self, words: str, style: str) -> Paragraph:
        """A paragraph in a style of the document, by id: python-docx's lookup by name scans every style
        on each call, which costs more than the rest of the report."""
        paragraph = self.doc.add_paragraph(xml_safe(words))
        paragraph._p.get_or_add_pPr().get_or_add_pStyle().val = self.style_ids[style]
        return paragraph

    def _heading(self, words: str, level: int) -> Paragraph:
        """Word's own Heading 1–3 styles, which the navigation pane and a table of contents read."""
        return self._styled(words, f"Heading {level}")

    def _para(self, words: str) -> Paragraph:
        paragraph = self.doc.add_paragraph(xml_safe(words))
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        return paragraph

    def _bullet(self, words: str, size: int | None = None) -> Paragraph:
        paragraph = self._styled(words, "List Bullet")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if size is not None:
            for run in paragraph.runs:
                run.font.size = Pt(size)
        return paragraph

    def _table(self, head: Sequence[str], rows: Iterable[Sequence[str]], size: int = TABLE_PT) -> Table:
        table = self.doc.add_table(rows=1, cols=len(head))
        table._tbl.tblStyle_val = self.style_ids["Table Grid"]
        for cell, words in zip(table.rows[0].cells, head, strict=True):
            paragraph = cell.paragraphs[0]
            _single(paragraph)
            _run(paragraph, words, bold=True, size=size)
        _row_flags(table.rows[0], header=True)
        for row in rows:
            added = table.add_row()
            _row_flags(added)
            for cell, words in zip(added.cells, row, strict=True):
                paragraph = cell.paragraphs[0]
                _single(paragraph)
                _run(paragraph, words, size=size)
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
            _run(left.paragraphs[0], label, bold=True, size=SMALL_PT)
            _single(right.paragraphs[0])
            _run(right.paragraphs[0], value, size=SMALL_PT)
        self.doc.add_paragraph()

    def _section(self, *, landscape: bool) -> None:
        """A new section on a new page, landscape or portrait, with the same margins and running page number
        (only the document's first page has none)."""
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        long, short = Mm(PAGE_HEIGHT_MM), Mm(PAGE_WIDTH_MM)
        section.page_width, section.page_height = (long, short) if landscape else (short, long)
        section.different_first_page_header_footer = False

    def _chart(self, drawing: charts.Drawing, caption: str, width_mm: float | None = None) -> None:
        """The chart painted from the same shapes as the PDF's SVG, as wide as the PDF prints it: its
        natural size within the text width unless a width is given."""
        picture = self.doc.add_paragraph()
        _centre(picture)
        width = width_mm or min(TEXT_WIDTH_MM, drawing.width * PX_MM)
        picture.add_run().add_picture(io.BytesIO(drawing.png()), width=Mm(width))
        below = self._styled(caption, "Caption")
        _centre(below)


class _Writer(Layout):
    """The report of an assessment."""

    def write(self) -> DocumentObject:
        self._setup()
        self._first_page(DECREE30_TEXT["summary"], self.r.cycle_name)
        self._para(self.r.about)
        _run(self.doc.add_paragraph(), self.w.editable_copy, italic=True)  # issue 25: only the PDF is signed
        if not self.r.final:
            draft = self.doc.add_paragraph()
            _centre(draft)
            _run(draft, self.w.draft_note, bold=True)
        self._contents()
        self._summary()
        self._dimensions()
        self._dti()
        self._roadmap()
        self._trajectory()
        self._edits()
        self._signature()
        self._answers()
        self._heading(self.w.methodology, 1)
        for paragraph in self.r.methodology:
            self._para(paragraph)
        self._heading(self.w.glossary, 1)
        self._table([self.w.term, self.w.meaning], self.r.glossary)
        return self.doc

    # -- contents -------------------------------------------------------------------------------------

    def _contents(self) -> None:
        """A TOC field over Heading 1 and 2, showing the model's outline until Word updates it (F9, or
        Update field) and adds the page numbers."""
        title = self.doc.add_paragraph()
        _centre(title)
        title.paragraph_format.space_before = Pt(12)
        _run(title, self.w.contents, bold=True)
        paragraph = self.doc.add_paragraph()
        _field_char(paragraph, "begin")
        instruction = paragraph.add_run()._r
        code = OxmlElement("w:instrText")
        code.set(qn("xml:space"), "preserve")
        code.text = ' TOC \\o "1-2" \\h \\z \\u '
        instruction.append(code)
        _field_char(paragraph, "separate")
        entries = [(level, words) for level, words in self.r.outline() if level <= CONTENTS_LEVELS]
        for index, (level, words) in enumerate(entries):
            run = paragraph.add_run(("    " * (level - 1)) + xml_safe(words))
            if index < len(entries) - 1:
                run.add_break()
        _field_char(paragraph, "end")

    # -- the parts ------------------------------------------------------------------------------------

    def _summary(self) -> None:
        r, w = self.r, self.w
        _page_break(self.doc.add_paragraph())
        self._heading(w.summary, 1)
        self._para(w.legal_basis)
        for citation in r.legal_basis:
            self._bullet(f"{citation};")
        self._para(r.framework_line)
        self._para(r.standing)
        self._chart(r.radar, w.radar_caption, RADAR_WIDTH_MM)
        self._heading(w.strengths, 2)
        for line in r.strengths or (w.no_strength,):
            self._bullet(line)
        self._heading(w.gaps, 2)
        for line in r.gaps or (w.no_gap,):
            self._bullet(line)
        self._heading(w.milestones, 2)
        if r.roadmap is None:
            self._para(w.no_roadmap)
        for line in r.milestones:
            self._bullet(line)
        head = [w.dimension, w.score, w.level, w.target, w.gap]
        rows = [[p.heading, p.score, str(p.level), str(p.target), str(p.gap)] for p in r.dimensions]
        if r.shows_peers:
            head.append(w.peer_median)
            for row, part in zip(rows, r.dimensions, strict=True):
                row.append(part.peer_median)
        self._table(head, rows)

    def _dimensions(self) -> None:
        w = self.w
        _page_break(self.doc.add_paragraph())
        self._heading(w.dimensions, 1)
        for part in self.r.dimensions:
            self._heading(part.heading, 2)
            if part.description:
                self._para(part.description)
            self._para(part.standing)
            if part.capped:
                self._para(part.capped)
            _italic(self._para(part.descriptor))
            if part.override:
                self._para(part.override)
            self._heading(w.findings, 3)
            for line in part.findings:
                self._bullet(_finding(line.question, line.answer, line.points, w.answer, w.points), SMALL_PT)
            if not part.findings:
                self._para(w.no_findings)
            if part.gates:
                self._heading(w.gates, 3)
                for gate in part.gates:
                    self._bullet(gate, SMALL_PT)
            self._heading(w.next_level, 3)
            if part.next_level:
                _italic(self._para(part.next_level))
                for hint in part.guidance:
                    self._bullet(hint, SMALL_PT)
            else:
                self._para(w.highest_level)

    def _dti(self) -> None:
        dti, w = self.r.dti, self.w
        if dti is None:
            return
        _page_break(self.doc.add_paragraph())
        self._heading(w.dti, 1)
        self._para(dti.claim)
        self._table(
            [w.dti_index, w.points, w.possible, w.questions],
            [(row.name, row.points, row.possible, row.questions) for row in dti.rows],
            SMALL_PT,
        )
        self._para(dti.total)

    def _roadmap(self) -> None:
        roadmap, w = self.r.roadmap, self.w
        _page_break(self.doc.add_paragraph())
        self._heading(w.roadmap, 1)
        if roadmap is None:
            self._para(w.no_roadmap)
            return
        self._para(roadmap.intro)
        self._heading(w.obligations, 2)
        for line in roadmap.obligations:
            self._bullet(line, SMALL_PT)
        if not roadmap.obligations:
            self._para(w.no_obligation)
        for phase in roadmap.phases:
            self._heading(phase.heading, 2)
            self._para(phase.load if phase.rows else f"{phase.load} {w.no_initiative}")
            if phase.rows:
                self._table(w.phase_columns, [row.cells() for row in phase.rows])
        # The schedule on a landscape page of its own, as in the PDF; the initiatives start a portrait page.
        self._section(landscape=True)
        self._chart(roadmap.gantt, w.gantt_caption, min(LANDSCAPE_TEXT_WIDTH_MM, roadmap.gantt.width * PX_MM))
        self._section(landscape=False)
        self._heading(w.initiatives, 2)
        for card in roadmap.cards:
            self._heading(card.heading, 3)
            self._facts([(fact.label, fact.value) for fact in card.facts])

    def _trajectory(self) -> None:
        roadmap, w = self.r.roadmap, self.w
        self._heading(w.trajectory, 1)
        if roadmap is None:
            self._para(w.no_roadmap)
            return
        self._chart(roadmap.trajectory, w.trajectory_caption)
        self._table([w.phase, w.projected_index, w.level], roadmap.trajectory_rows)

    def _edits(self) -> None:
        r, w = self.r, self.w
        self._heading(w.edits, 1)
        edits = r.roadmap.edits if r.roadmap is not None else ()
        for line in edits:
            self._bullet(line)
        if not edits:
            self._para(w.no_edits)
        if r.warnings:
            self._heading(w.warnings, 2)
            for line in r.warnings:
                self._bullet(line)

    def _answers(self) -> None:
        w = self.w
        _page_break(self.doc.add_paragraph())
        self._heading(w.answers, 1)
        for group in self.r.answers:
            self._heading(group.heading, 2)
            self._table(
                [w.code, w.question, w.answer, w.points, w.evidence],
                (
                    [
                        line.code,
                        f"{line.question}\n{line.legal_basis}" if line.legal_basis else line.question,
                        line.answer,
                        line.points,
                        "\n".join(line.evidence),
                    ]
                    for line in group.lines
                ),
                size=SMALL_PT,
            )


def _finding(question: str, answer: str, points: str, answer_label: str, points_label: str) -> str:
    """An answer among a dimension's findings, as the PDF writes it: question — Answer: … · Points: …"""
    line = f"{question} — {answer_label}: {answer}"
    return f"{line} · {points_label}: {points}" if points else line


def _italic(paragraph: Paragraph) -> None:
    for run in paragraph.runs:
        run.italic = True


def xml_safe(words: str) -> str:
    """The Word document's one helper for text: without the characters the text boundary refuses (XML 1.0
    cannot hold most of them and lxml refuses them), as text stored before the boundary may still hold."""
    return scrub(words)


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
