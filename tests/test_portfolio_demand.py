"""The department's demand block summed across the cycle's offices on the portfolio (issue 19): numbers
added up, choices counted per option, the offices that did not answer counted apart; the page, CSV and XLSX
say the same, with figures computed by hand."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from roadmap.extensions import db
from roadmap.models import AnswerRecord, Assessment, AssessmentStatus, Office
from roadmap.services.review import demand, portfolio
from roadmap.services.survey import frameworks, results
from tests.conftest import logged_in

SHIPPED = Path(__file__).resolve().parent.parent / "roadmap" / "frameworks" / "central-offices-1.1.0.yaml"

# What each office answered (None: no answer stored; "dont_know": a state, not a value). VPA and VPB have
# submitted results; VPC's draft never counts, whatever it says; VPD has not started.
ANSWERS = {
    "VPA": {"SVC-D1": 100, "SVC-D2": 4, "SVC-D3": 2, "SVC-D4": ["hosting", "security"]},
    "VPB": {"SVC-D1": 250.5, "SVC-D2": 0, "SVC-D3": "dont_know", "SVC-D4": ["security"]},
    "VPC": {"SVC-D1": 9000, "SVC-D2": 1000, "SVC-D4": ["hosting"]},
}


@pytest.fixture
def cycle_2026(app, world):
    """The world's cycle on central-offices 1.1.0, four offices: two submitted, a draft, one not started."""
    version = frameworks.import_file(SHIPPED, actor=None).version
    world.cycle.framework_version_id = version.id
    office_c = Office(code="VPC", name_vi="Văn phòng C", name_en="Office C", kind="state")
    office_d = Office(code="VPD", name_vi="Văn phòng D", name_en="Office D", kind="state")
    db.session.add_all([office_c, office_d])
    db.session.flush()
    offices = {"VPA": world.office_a, "VPB": world.office_b, "VPC": office_c}
    for code, given in ANSWERS.items():
        assessment = Assessment(
            office_id=offices[code].id, cycle_id=world.cycle.id, framework_version_id=version.id
        )
        db.session.add(assessment)
        db.session.flush()
        for question, value in given.items():
            state = "dont_know" if value == "dont_know" else "answered"
            db.session.add(
                AnswerRecord(
                    assessment_id=assessment.id,
                    question_code=question,
                    state=state,
                    value=None if state == "dont_know" else value,
                    version=1,
                )
            )
        if code != "VPC":
            assessment.status = AssessmentStatus.SUBMITTED.value
            db.session.flush()
            results.take_snapshot(assessment, "submitted", actor=None)
    db.session.commit()
    return world.cycle


def test_demand_is_summed_and_counted_across_offices_on_page_csv_and_xlsx(app, world, cycle_2026):
    view = portfolio.build(world.admin, cycle_2026)
    found = demand.build(view)
    assert found is not None
    assert (found.offices, found.with_result) == (4, 2)
    lines = {line.question.code: line for line in found.lines}
    assert list(lines) == ["SVC-D1", "SVC-D2", "SVC-D3", "SVC-D4"]
    # By hand, over VPA and VPB: 100 + 250.5; 4 + 0; 2 (VPB "don't know"); VPC's draft left out.
    assert lines["SVC-D1"].total == Decimal("350.5")
    assert (lines["SVC-D1"].answered, lines["SVC-D1"].not_answered) == (2, 2)
    assert lines["SVC-D2"].total == Decimal("4")
    assert (lines["SVC-D2"].answered, lines["SVC-D2"].not_answered) == (2, 2)
    assert lines["SVC-D3"].total == Decimal("2")
    assert (lines["SVC-D3"].answered, lines["SVC-D3"].not_answered) == (1, 3)
    assert all(line.without_result == 2 for line in found.lines)  # VPC's draft, VPD not started
    counts = {option.code: count for option, count in lines["SVC-D4"].counts}
    assert counts == {
        "capacity": 0,
        "hosting": 1,
        "security": 2,
        "video": 0,
        "ipv6": 0,
        "encryption": 0,
        "none": 0,
    }
    assert (lines["SVC-D4"].answered, lines["SVC-D4"].not_answered) == (2, 2)

    browser = logged_in(app, world.admin.email)
    vietnamese = browser.get(f"/review/portfolio?cycle={cycle_2026.id}").get_data(as_text=True)
    assert "Nhu cầu sử dụng dịch vụ của Cục Bưu điện Trung ương" in vietnamese
    assert 'data-demand-total="SVC-D1">350,5 Mbps' in vietnamese  # the Vietnamese decimal comma
    browser.post("/locale/en")
    page = browser.get(f"/review/portfolio?cycle={cycle_2026.id}").get_data(as_text=True)
    assert "Demand for the department" in page
    assert 'data-demand-total="SVC-D1">350.5 Mbps' in page
    assert 'data-demand-total="SVC-D2">4 endpoints' in page
    assert 'data-demand-option="SVC-D4:security">2<' in page
    assert "(of which 2 without a submitted result)" in page

    exported = browser.get(f"/review/portfolio/export.csv?cycle={cycle_2026.id}&part=demand")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    sums = {row["question"]: row for row in rows if row["measure"] == "sum"}
    assert sums["SVC-D1"]["value"] == "350.5"
    assert sums["SVC-D1"]["unit"] == "Mbps"
    assert (sums["SVC-D1"]["offices_answered"], sums["SVC-D1"]["offices_not_answered"]) == ("2", "2")
    assert sums["SVC-D1"]["offices_without_result"] == "2"
    assert sums["SVC-D2"]["value"] == "4"
    chosen = {row["option"]: row for row in rows if row["question"] == "SVC-D4"}
    assert chosen["security"]["value"] == "2"
    assert chosen["hosting"]["value"] == "1"
    assert chosen["hosting"]["option_label"] == "Chỗ đặt, hạ tầng máy chủ, điện toán đám mây"

    workbook = browser.get(f"/review/portfolio/export.xlsx?cycle={cycle_2026.id}&part=demand")
    sheet = load_workbook(io.BytesIO(workbook.data))["demand"]
    values = list(sheet.iter_rows(values_only=True))
    head = values[0]
    by_question = {(row[head.index("question")], row[head.index("option")] or ""): row for row in values[1:]}
    assert by_question[("SVC-D1", "")][head.index("value")] == 350.5
    assert by_question[("SVC-D2", "")][head.index("value")] == 4
    assert by_question[("SVC-D4", "security")][head.index("value")] == 2
    # The whole workbook carries the demand sheet beside the others.
    full = browser.get(f"/review/portfolio/export.xlsx?cycle={cycle_2026.id}")
    assert load_workbook(io.BytesIO(full.data)).sheetnames == ["scores", "answers", "roadmaps", "demand"]

    # A consultant sees the offices assigned to them only: VPA's figures alone.
    mine = demand.build(portfolio.build(world.consultant, cycle_2026))
    assert (mine.offices, mine.with_result) == (1, 1)
    assert mine.lines[0].total == Decimal("100")
    # A respondent never reaches it.
    respondent = logged_in(app, world.respondent_a.email)
    assert (
        respondent.get(f"/review/portfolio/export.csv?cycle={cycle_2026.id}&part=demand").status_code == 403
    )


def test_a_framework_without_a_demand_block_shows_none(app, world):
    frameworks.import_file("tests/fixtures/frameworks/small.yaml", actor=None)
    assert demand.build(portfolio.build(world.admin, world.cycle)) is None
