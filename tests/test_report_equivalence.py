"""The PDF and the Word report say the same thing (issue 17): both documents are made for the demo office and
for every golden case (tests/golden: answers in, loaded as real assessments), in Vietnamese and in English,
read back — the PDF with pypdf, the Word document with python-docx — and compared:

- the parts and sub-parts: the Word document's Heading 1 and 2, in order, are the PDF's bookmarks;
- every dimension's part, paragraph by paragraph (its findings are answer lines);
- every initiative of the roadmap with every fact of its card;
- every answer line of the appendix: code, question, answer, points, evidence and legal basis.

Each comparison rebuilds one document's text from what the other shows and asks for equality of the whole
part, so a line that one document has and the other lacks fails, in either direction. Texts are compared
without white space (lines break differently), bullets or invisible formatting characters, and without case
(the Vietnamese PDF writes its part titles in capitals). The PDF's page furniture (page numbers, the English
running header and "Page X of Y", a draft's watermark) and the charts' labels are taken off each page first.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import itertools
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
import pytest
import yaml
from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from roadmap.engine.planner import YearMonth
from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus, Cycle, Office, Role, User
from roadmap.services.plans import roadmaps
from roadmap.services.reporting import formats, model
from roadmap.services.review import workflow
from roadmap.services.survey import answers, assessments, evidence, frameworks, results, steps
from tests.conftest import demo_app, first_published_assessment
from tests.engine.test_planner_golden import answer_set, evidence_of
from tests.test_report_pdf import _outline as bookmark_titles

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = [
    *sorted((ROOT / "tests" / "golden" / "scoring").glob("*.yaml")),
    *sorted((ROOT / "tests" / "golden" / "roadmap").glob("*.yaml")),
]
CASES = ["demo", *(path.stem for path in GOLDEN)]
ISSUED = dt.date(2026, 3, 5)


# --- the assessments: the demo's published one, and one per golden case ------------------------------------


def _load_golden(path: Path, number: int, cycle: Cycle, admin: User) -> int:
    """The case's answers, evidence, targets and overrides entered through the services as an office would
    enter them and a consultant review them, then its roadmap planned with the case's horizon and size."""
    case: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    office = Office(code=f"G{number:02d}", name_vi=f"Văn phòng thử {number}", name_en=f"Test office {number}")
    db.session.add(office)
    db.session.flush()
    respondent = User(
        email=f"g{number}@example.vn",
        full_name=f"Đầu mối {number}",
        role=Role.RESPONDENT.value,
        office_id=office.id,
        password_hash=admin.password_hash,
    )
    db.session.add(respondent)
    db.session.commit()
    version = frameworks.import_file(ROOT / case["framework"], actor=None).version
    assessment = steps.start(office, cycle, actor=respondent)
    assessment.framework_version_id = version.id  # the case's framework, whichever was imported last
    db.session.commit()
    framework = assessments.framework_of(assessment)
    for code, answer in answer_set(framework, case).items():
        answers.save_answer(assessment, framework.question(code), answer, None, actor=respondent)
    for code in sorted(evidence_of(framework, case)):
        text = evidence.parse_text("Biên bản kiểm tra của đơn vị", f"{number}/BB-VP", "2026-02-10")
        evidence.save_text(assessment, framework.question(code), text, actor=respondent)
    for code, level in (case.get("targets") or {}).items():
        results.set_target(assessment, code, level, actor=respondent)
    db.session.commit()
    raw = case.get("parameters") or {}
    today = dt.date.fromisoformat(str(case.get("today", "2026-11-28")))
    start = roadmaps.first_month_of_quarter_from(YearMonth.parse(raw.get("start", "2027-01")))
    planning = roadmaps.PlanningInput(
        start=str(start),
        horizon_months=int(raw.get("horizon_months", 36)),
        office_size=raw.get("office_size", "medium"),
    )
    roadmaps.generate(assessment, actor=admin, planning=planning, today=today)
    db.session.commit()
    point_overrides = case.get("point_overrides") or {}
    level_overrides = case.get("level_overrides") or {}
    if point_overrides or level_overrides:  # reviewed: overridden and approved, the report is final
        assessment.status = AssessmentStatus.IN_REVIEW.value
        db.session.commit()
        for code, override in point_overrides.items():
            workflow.override_points(
                assessment, code, override["points"], override["justification"], actor=admin
            )
        for code, override in level_overrides.items():
            workflow.override_level(
                assessment, code, override["level"], override["justification"], actor=admin
            )
        workflow.approve(assessment, actor=admin)
    return assessment.id


@pytest.fixture(scope="module")
def assessments_of_cases(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Flask, dict[str, int]]:
    """The demo loaded into a copy of the migrated database, and one office per golden case; assessment ids
    by case."""
    app = demo_app(sqlite_template, tmp_path_factory.mktemp("equivalence"))
    with app.app_context():
        demo = first_published_assessment()
        ids = {"demo": demo.id}
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN.value))
        cycle = Cycle(
            code="GOLDEN",
            name_vi="Kỳ đánh giá thử",
            name_en="Test cycle",
            opens_on=dt.date(2026, 1, 1),
            closes_on=dt.date(2026, 12, 31),
        )
        db.session.add(cycle)
        db.session.commit()
        for number, path in enumerate(GOLDEN, start=1):
            ids[path.stem] = _load_golden(path, number, cycle, admin)
        db.session.remove()
    return app, ids


# --- reading the documents back -----------------------------------------------------------------------------


def flat(text: str) -> str:
    """Text as compared: no white space, bullets or formatting characters; case folded."""
    kept = (c for c in text if not c.isspace() and c != "•" and unicodedata.category(c) != "Cf")
    return "".join(kept).casefold()


@dataclass
class Word:
    """The Word document's body in reading order: ("p", style, text) and ("table", rows of cell texts)."""

    blocks: list[tuple[str, str, Any]]

    def headings(self, *levels: int) -> list[str]:
        names = {f"Heading {level}" for level in levels}
        return [text for kind, style, text in self.blocks if kind == "p" and style in names]

    def between(self, first: str, last: str, level: int = 1) -> list[tuple[str, str, Any]]:
        """The blocks after the heading `first` (of `level`) and before the heading `last`."""
        style = f"Heading {level}"
        start = next(i for i, b in enumerate(self.blocks) if b[:3:2] == ("p", first) and b[1] == style)
        end = next(
            i for i, b in enumerate(self.blocks) if i > start and b[2] == last and b[1].startswith("Heading")
        )
        return self.blocks[start + 1 : end]


def read_word(content: bytes) -> Word:
    document = Document(io.BytesIO(content))
    blocks: list[tuple[str, str, Any]] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            blocks.append(("p", item.style.name, item.text))
        elif isinstance(item, Table):
            blocks.append(("table", "", [[cell.text for cell in row.cells] for row in item.rows]))
    return Word(blocks)


@dataclass
class Pdf:
    lines: list[str]  # the lines of every page, page furniture removed
    bookmarks: list[str]

    def heading(self, title: str, after: int = 0) -> int:
        """The index of the first line after `after` that is the heading `title` (a heading is a line of
        its own; the table of contents' lines carry leaders and page numbers)."""
        wanted = flat(title)
        return next(i for i in range(after, len(self.lines)) if flat(self.lines[i]) == wanted)

    def between(self, first: str, last: str, after: int = 0) -> str:
        """The flat text after the heading `first` and before the heading `last`."""
        start = self.heading(first, after)
        return flat("".join(self.lines[start + 1 : self.heading(last, start + 1)]))


# Above this height (points under the page's top) lies the top margin: Decree 30's page number, the English
# running header. The body never reaches it (margins of 20 mm and more), on portrait and landscape pages.
TOP_MARGIN = 20 / 25.4 * 72


def page_text(page: pypdf.PageObject) -> str:
    """The page's body text: without the top margin's page number or running header, and without what is
    drawn in the regular sans-serif face — the charts' labels (the same drawings in both documents, images in
    Word) and the English footer. Body text, headings and tables are serif, or bold (English headings)."""
    kept: list[str] = []
    top_margin_edge = float(page.mediabox.height) - TOP_MARGIN

    def visit(text: str, cm: Any, tm: Any, font: Any, _size: Any) -> None:
        face = str(font.get("/BaseFont", "")) if font else ""
        furniture = face.endswith("+Liberation-Sans") or pypdf.mult(tm, cm)[5] > top_margin_edge
        kept.append("\n" * text.count("\n") if furniture else text)

    page.extract_text(visitor_text=visit)
    return "".join(kept)


def read_pdf(content: bytes, draft_mark: str) -> Pdf:
    reader = pypdf.PdfReader(io.BytesIO(content))
    lines: list[str] = []
    for page in reader.pages:
        # A draft's watermark is on every page, wherever the text extraction puts it.
        lines.extend(line for line in page_text(page).splitlines() if flat(line) != flat(draft_mark))
    return Pdf(lines, bookmark_titles(reader))


@functools.cache
def documents(app: Flask, assessment_id: int, locale: str) -> tuple[model.ReportData, Word, Pdf]:
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        with force_locale(locale):
            data = model.build(assessment, today=ISSUED)
        word = read_word(formats.render(assessment, "docx", locale, today=ISSUED))
        pdf_file = formats.render(assessment, "pdf", locale, today=ISSUED)
        pdf = read_pdf(pdf_file, data.words.draft_mark)
        db.session.remove()
    return data, word, pdf


@pytest.fixture(params=CASES)
def case(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=model.LOCALES)
def locale(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def pair(
    assessments_of_cases: tuple[Flask, dict[str, int]], case: str, locale: str
) -> tuple[model.ReportData, Word, Pdf]:
    app, ids = assessments_of_cases
    return documents(app, ids[case], locale)


# --- the comparisons ---------------------------------------------------------------------------------------


def test_both_documents_have_the_same_parts_in_the_same_order(pair):
    data, word, pdf = pair
    outline = word.headings(1, 2)
    assert outline[0] == data.words.summary
    # The PDF's bookmarks from the summary on (the English cover's title is a bookmark of its own).
    bookmarks = [flat(title) for title in pdf.bookmarks]
    bookmarks = bookmarks[bookmarks.index(flat(data.words.summary)) :]
    assert bookmarks == [flat(heading) for heading in outline]
    assert [heading for _level, heading in data.outline()] == outline


def test_every_dimension_part_says_the_same_in_both(pair):
    """Paragraph by paragraph: standing, descriptors, override, every finding (an answer line), gates and
    what the next level takes."""
    data, word, pdf = pair
    following = data.words.dti if data.dti is not None else data.words.roadmap
    blocks = word.between(data.words.dimensions, following)
    paragraphs = [text for kind, _style, text in blocks if kind == "p"]
    assert not [b for b in blocks if b[0] == "table"]
    assert [p for p in paragraphs if p in {part.heading for part in data.dimensions}] == [
        part.heading for part in data.dimensions
    ]
    assert pdf.between(data.words.dimensions, following) == flat("".join(paragraphs))


def test_the_dti_view_is_the_same_table_in_both(pair):
    """The 2026 framework's DTI view (issue 19): the claim, one row per DTI main index (points, possible, the
    questions behind it) and the total, the same in both documents; none for a framework without DTI refs."""
    data, word, pdf = pair
    w = data.words
    if data.dti is None:
        assert w.dti not in word.headings(1)
        return
    blocks = word.between(w.dti, w.roadmap)
    rows = [[row.name, row.points, row.possible, row.questions] for row in data.dti.rows]
    assert blocks[0][::2] == ("p", data.dti.claim)
    assert [content for kind, _style, content in blocks if kind == "table"] == [
        [[w.dti_index, w.points, w.possible, w.questions], *rows]
    ]
    assert [content for kind, _style, content in blocks if kind == "p" and content] == [
        data.dti.claim,
        data.dti.total,
    ]
    written = "".join(
        "".join(itertools.chain.from_iterable(content)) if kind == "table" else content
        for kind, _style, content in blocks
    )
    printed = pdf.between(w.dti, w.roadmap)
    head = flat("".join([w.dti_index, w.points, w.possible, w.questions]))
    if head in printed:  # a table that runs over a page repeats its header row there
        cut = printed.index(head) + len(head)
        printed = printed[:cut] + printed[cut:].replace(head, "")
    assert printed == flat(written)


def test_every_initiative_and_its_facts_are_in_both(pair):
    data, word, pdf = pair
    if data.roadmap is None:
        pytest.skip("no roadmap: both documents say so (test_both_documents_have_the_same_parts…)")
    blocks = word.between(data.words.initiatives, data.words.trajectory, level=2)
    cards = []
    for (kind, style, heading), (table_kind, _style, rows) in zip(blocks[::3], blocks[1::3], strict=False):
        assert (kind, style, table_kind) == ("p", "Heading 3", "table"), heading
        cards.append((heading, rows))
    assert [heading.split()[1] for heading, _rows in cards] == [card.code for card in data.roadmap.cards]
    # The PDF writes a card as its heading, then "label: value" facts separated by " · ".
    written = "".join(
        heading + "·".join(f"{label}:{value}" for label, value in rows) for heading, rows in cards
    )
    roadmap = pdf.heading(data.words.roadmap)
    assert pdf.between(data.words.initiatives, data.words.trajectory, roadmap) == flat(written)


def test_every_answer_line_is_in_both(pair):
    data, word, pdf = pair
    blocks = word.between(data.words.answers, data.words.methodology)
    w = data.words
    written, rows_seen = [], 0
    for kind, _style, content in blocks:
        if kind == "p":
            written.append(content)  # a dimension's name (Heading 2), or the space after a table
            continue
        head, *rows = content
        assert head == [w.code, w.question, w.answer, w.points, w.evidence]
        for code, asked, given, points, backing in rows:
            question, _newline, legal_basis = asked.partition("\n")
            # The PDF writes an answer line as one paragraph: code, question — Answer: … · Points: …
            # · evidence · legal basis.
            line = f"{code} {question} — {w.answer}: {given}"
            pieces = [f"{w.points}: {points}"] if points else []
            pieces += backing.split("\n") if backing else []
            pieces += [legal_basis] if legal_basis else []
            written.append(" · ".join([line, *pieces]))
            rows_seen += 1
    assert rows_seen == sum(len(group.lines) for group in data.answers) > 0
    assert pdf.between(w.answers, w.methodology) == flat("".join(written))


def test_the_comparison_notices_a_line_missing_from_one_document(assessments_of_cases):
    """The comparisons can fail: without the last answer line of its appendix, the demo's Word document is no
    longer the PDF's twin."""
    app, ids = assessments_of_cases
    data, word, pdf = documents(app, ids["demo"], "vi")
    appendix = word.between(data.words.answers, data.words.methodology)
    last = next(block for block in reversed(appendix) if block[0] == "table")
    shortened = Word([("table", "", last[2][:-1]) if block is last else block for block in word.blocks])
    with pytest.raises(AssertionError):
        test_every_answer_line_is_in_both((data, shortened, pdf))


# --- the summary's judgement: strengths and limitations -----------------------------------------------------


def _words_between(word: Word, first: str, last: str) -> list[str]:
    return [text for kind, _style, text in word.between(first, last, level=2) if kind == "p" and text]


def test_strengths_and_limitations_never_name_the_same_dimension_and_read_the_same_in_both(pair):
    data, word, pdf = pair
    w = data.words
    strong, weak = model.strengths_and_limitations(data.dimensions)
    assert not {part.code for part in strong} & {part.code for part in weak}
    assert all(part.level >= part.target for part in strong)
    assert all(part.level < part.target for part in weak)
    strengths = list(data.strengths) or [w.no_strength]
    gaps = list(data.gaps) or [w.no_gap]
    assert len(strengths) == len(set(strengths))
    assert not set(data.strengths) & set(data.gaps)
    assert _words_between(word, w.strengths, w.gaps) == strengths
    assert _words_between(word, w.gaps, w.milestones) == gaps
    summary = pdf.heading(w.summary)
    assert pdf.between(w.strengths, w.gaps, summary) == flat("".join(strengths))
    # The radar's labels are drawn between the lists in the PDF and taken off as charts; the gaps end at
    # the next heading.
    assert pdf.between(w.gaps, w.milestones, summary) == flat("".join(gaps))


def _part(code: str, level: int, target: int) -> model.DimensionPart:
    return model.DimensionPart(
        code=code, name=f"Dimension {code}", heading=code, description="", score="50", level=level,
        target=target, gap=max(target - level, 0), peer_median="", standing="", descriptor="", override="",
        findings=(), gates=(), next_level="", guidance=(),
    )  # fmt: skip


def test_a_dimension_below_its_target_is_a_limitation_even_when_its_level_is_among_the_highest():
    """The case of issue 23: every dimension at level 2, data governance among the highest levels but
    below its target, was both a strength and a limitation."""
    parts = (
        _part("DAT", 2, 3),
        _part("NET", 2, 2),
        _part("SEC", 1, 3),
        _part("OPS", 3, 3),
        _part("GOV", 2, 4),
    )
    strong, weak = model.strengths_and_limitations(parts)
    assert [p.code for p in strong] == ["OPS", "NET"]
    assert [p.code for p in weak] == ["SEC", "GOV", "DAT"]
    none_reached = tuple(_part(code, 2, 3) for code in ("A", "B"))
    assert model.strengths_and_limitations(none_reached) == ((), none_reached)


# --- the roadmap's phases: a table each ---------------------------------------------------------------------


def test_every_phase_has_its_table_of_initiatives_in_both(pair):
    """A phase's initiatives are a table (initiative, quarters, mandatory, cost class), row for row the same
    in both documents, and no longer a paragraph of names separated by semicolons."""
    data, word, pdf = pair
    if data.roadmap is None:
        pytest.skip("no roadmap")
    w, phases = data.words, data.roadmap.phases
    roadmap = pdf.heading(w.roadmap)
    counted = 0
    for phase, following in zip(phases, [*(p.heading for p in phases[1:]), w.initiatives], strict=True):
        blocks = word.between(phase.heading, following, level=2)
        tables = [rows for kind, _style, rows in blocks if kind == "table"]
        expected = [[list(w.phase_columns), *(list(row.cells()) for row in phase.rows)]] if phase.rows else []
        assert tables == expected, phase.heading
        written = "".join(
            "".join(itertools.chain.from_iterable(content)) if kind == "table" else content
            for kind, _style, content in blocks
        )
        printed = pdf.between(phase.heading, following, roadmap)
        head = flat("".join(w.phase_columns))
        if head in printed:  # a table that runs over a page repeats its header row there
            cut = printed.index(head) + len(head)
            printed = printed[:cut] + printed[cut:].replace(head, "")
        assert printed == flat(written), phase.heading
        assert not any(kind == "p" and ";" in content for kind, _style, content in blocks)
        counted += len(phase.rows)
    assert counted or not data.roadmap.cards
