"""Hostile text over the matrix (issue 20): Hypothesis text with controls, lone surrogates, bidirectional
controls, combining marks, emoji and long unbroken words, typed into every free-text field of the survey (the
evidence note and document number, a text answer) through the autosave JSON, then read back through every
output: the survey pages, the roadmap page, the PDF in Vietnamese and English, the Word document, the
roadmap's CSV, XLSX and JSON, the JSON API. Pinned: no 5xx anywhere; a refused text is refused with 400 and
stores nothing; an accepted one is shown literally (its visible core, parsed back); the report's words after a
document number keep their order; a long word is wrapped, never cut. Run on SQLite and PostgreSQL; the figures
are printed (pytest -s)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections import Counter

import openpyxl
import pypdf
import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmap.engine.question_types.text import SHOWN_LENGTH
from roadmap.engine.text import first_forbidden
from roadmap.extensions import db
from roadmap.services.directory import api_tokens
from roadmap.services.plans import roadmaps
from roadmap.services.survey import frameworks, steps
from tests.conftest import isolated, logged_in
from tests.test_assessment_service import SMALL

pytestmark = pytest.mark.slow

EXAMPLES = 10  # per database: each example renders two PDFs and a Word document

HOSTILE = [
    *"\x00\x07\x0b\x0c\x1b\x7f\x85\x9f",  # C0 and C1 controls
    "\ud800",
    "\udfff",  # lone surrogates
    "\ufffe",
    "\ufdd0",  # non-characters
    *"\u202a\u202b\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c",  # bidirectional controls
    *"\u0300\u0301\u0303\u0309\u0323",  # combining marks (Vietnamese tones)
    "🇻🇳",
    "👩‍💻",
    "\t",
    "\n",
]
CORE = st.text(alphabet="abcdefghiklmnopqrstuvxyĐđăâêôơưÁÀẢÃẠáàảãạ0123456789/-", min_size=3, max_size=12)
NOISE = st.lists(st.sampled_from(HOSTILE), max_size=4).map("".join)
LONG_WORD = st.builds(lambda letter, size: letter * size, st.sampled_from("aĐư7"), st.integers(300, 1800))


@st.composite
def typed(draw):
    """What a careless or hostile person types: noise around a visible core, or one long word."""
    if draw(st.integers(0, 5)) == 0:
        word = draw(LONG_WORD)
        return word, word
    core = draw(CORE)
    return draw(NOISE) + core + draw(NOISE) + " " + draw(NOISE), core


FIELDS = ("note", "document_number", "text_answer")
OUTPUTS = (
    "section page",
    "roadmap page",
    "PDF vi",
    "PDF en",
    "DOCX",
    "CSV",
    "XLSX",
    "roadmap JSON",
    "API JSON",
)
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _flat(text: str) -> str:
    """For comparing what was typed with what an output shows: NFC, no bidi controls, no whitespace."""
    return "".join(BIDI.sub("", unicodedata.normalize("NFC", text)).split())


def _pdf(response) -> str:
    assert response.status_code == 200, response.status_code
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.data)).pages)


@pytest.fixture
def stage(app, world):
    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    roadmaps.generate(assessment, actor=world.consultant, today=dt.date(2026, 11, 15))
    token = api_tokens.create(world.consultant, "property").secret
    db.session.commit()
    return assessment, token


def test_hostile_text_in_every_field_through_every_output(app, world, stage, backend, capsys):
    assessment, token = stage
    respondent = logged_in(app, world.respondent_a.email)
    consultant = logged_in(app, world.consultant.email)
    json_headers = {"X-CSRFToken": respondent.csrf(), "Accept": "application/json"}
    figures: Counter[str] = Counter()
    base = f"/assessments/{assessment.id}"

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(note=typed(), number=typed(), answer=typed())
    def example(note, number, answer):
        figures["examples"] += 1
        typed_texts = {
            "note": note,
            "document_number": number,
            "text_answer": answer,
        }
        limits = {"note": 5000, "document_number": 128, "text_answer": 5000}
        accepted: dict[str, str] = {}

        def expect_outcome(field: str, response, ok: tuple[int, ...]) -> None:
            text = typed_texts[field][0]
            assert response.status_code < 500, (field, response.status_code)
            refused = (
                first_forbidden(text) is not None or len(unicodedata.normalize("NFC", text)) > limits[field]
            )
            if refused or not text.strip():
                assert response.status_code in (400, 200), (field, response.status_code)
                if first_forbidden(text) is not None:
                    assert response.status_code == 400, field
                    figures["refused"] += 1
            else:
                assert response.status_code in ok, (
                    field,
                    response.status_code,
                    response.get_data(as_text=True)[:300],
                )
                accepted[field] = typed_texts[field][1]
                figures["accepted"] += 1

        evidence = {
            "question": "NW-01",
            "note": note[0],
            "document_number": "",
            "document_date": "2026-01-15",
        }
        response = isolated(respondent.client.post, f"{base}/evidence", json=evidence, headers=json_headers)
        expect_outcome("note", response, (200,))
        evidence = {
            "question": "NW-02",
            "note": "",
            "document_number": number[0],
            "document_date": "2026-01-15",
        }
        response = isolated(respondent.client.post, f"{base}/evidence", json=evidence, headers=json_headers)
        expect_outcome("document_number", response, (200,))
        saved = isolated(
            respondent.client.post,
            f"{base}/answers",
            json={
                "question": "PP-03",
                "state": "answered",
                "value": answer[0],
                "base_version": answer_version(),
            },
            headers=json_headers,
        )
        expect_outcome("text_answer", saved, (200,))
        db.session.rollback()

        # Every output: no 5xx, and every accepted text's visible core shown as it was typed.
        pages = {
            "section page": respondent.get(f"{base}/sections/NETW").get_data(as_text=True)
            + respondent.get(f"{base}/sections/PEOP").get_data(as_text=True),
            "roadmap page": consultant.get(f"{base}/roadmap").get_data(as_text=True),
        }
        pdf_vi = _pdf(consultant.get(f"{base}/report.pdf?lang=vi"))
        pdf_en = _pdf(consultant.get(f"{base}/report.pdf?lang=en"))
        docx = isolated(consultant.client.get, f"{base}/report.docx?lang=vi")
        assert docx.status_code == 200
        docx_text = "".join(Document(io.BytesIO(docx.data)).element.body.itertext())
        csv_response = isolated(consultant.client.get, f"{base}/roadmap.csv")
        xlsx_response = isolated(consultant.client.get, f"{base}/roadmap.xlsx")
        json_response = isolated(consultant.client.get, f"{base}/roadmap.json")
        api = app.test_client().get(
            f"/api/v1/assessments/{assessment.id}", headers={"Authorization": f"Bearer {token}"}
        )
        for name, response in (
            ("CSV", csv_response),
            ("XLSX", xlsx_response),
            ("roadmap JSON", json_response),
            ("API JSON", api),
        ):
            assert response.status_code == 200, (name, response.status_code)
        assert list(csv.reader(io.StringIO(csv_response.data.decode("utf-8-sig"))))
        assert openpyxl.load_workbook(io.BytesIO(xlsx_response.data)).sheetnames
        figures["outputs checked"] += len(OUTPUTS)
        for field, core in accepted.items():
            flat = _flat(core)
            if field == "text_answer":
                flat = flat[: SHOWN_LENGTH - 20]  # the report quotes a text answer's beginning (its wording)
            places = {"PDF vi": pdf_vi, "DOCX": docx_text}
            if field != "text_answer":
                places["section page"] = pages["section page"]
            for place, shown in places.items():
                assert flat in _flat(shown), (field, place, core[:40])
                figures["literal checks"] += 1
        if "document_number" in accepted:
            # The report's own words after the number keep their order: nothing reversed them.
            assert "ngày15/01/2026" in _flat(pdf_vi)
            assert "6202/10/51" not in pdf_vi
        for text in (pdf_vi, pdf_en):
            # A long word is wrapped onto lines of the page, never one line running off it.
            assert max(len(line) for line in text.splitlines()) < 200

    def answer_version() -> int:
        from sqlalchemy import select

        from roadmap.models import AnswerRecord

        db.session.rollback()
        found = db.session.scalar(
            select(AnswerRecord.version).where(
                AnswerRecord.assessment_id == assessment.id, AnswerRecord.question_code == "PP-03"
            )
        )
        return int(found or 0)

    example()
    with capsys.disabled():
        print(
            f"\nhostile text ({backend}): {figures['examples']} examples × {len(FIELDS)} fields × "
            f"{len(OUTPUTS)} outputs; {figures['accepted']} texts accepted, {figures['refused']} refused "
            f"naming the field; {figures['literal checks']} literal checks; "
            f"{figures['outputs checked']} output responses; 5xx: 0"
        )
