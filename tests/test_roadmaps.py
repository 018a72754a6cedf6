"""Roadmaps in the database and on screen: generation with its inputs, edits as a layer that survives
regeneration, the changes view, conflicts, mandatory removals, bad input, the page's SVG charts, the what-if,
the exports and who may see and change what (small.yaml: K01–K04, K02 mandatory with a deadline)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from flask_babel import refresh
from sqlalchemy import func, select

from roadmap.engine.overlay import EffectiveStatus, Inapplicable
from roadmap.engine.planner import PLANNER_VERSION, Origin, plan_from_dict
from roadmap.engine.scoring import result_from_dict
from roadmap.extensions import db
from roadmap.models import AssessmentStatus, AuditEvent, RoadmapEdit, RoadmapPlan
from roadmap.models import RoadmapEditKind as K
from roadmap.services import Invalid
from roadmap.services.plans import exports as roadmap_exports
from roadmap.services.plans import roadmaps
from roadmap.services.plans.roadmaps import Conflict, Locked, PlanningInput
from roadmap.services.survey import answers, assessments, frameworks, lifecycle, results, steps
from tests.conftest import Browser, isolated, logged_in

SMALL = Path(__file__).resolve().parent / "fixtures" / "frameworks" / "small.yaml"
TODAY = dt.date(2026, 11, 15)
SVG = "{http://www.w3.org/2000/svg}"
# Every required question of small.yaml at its worst: K01–K04 all triggered.
WORST = {
    "NW-01": "a",
    "NW-02": "100",
    "NW-03": "0",
    "NW-04": "no",
    "CY-01": "l1",
    "CY-02": ["none"],
    "CY-03": "no",
    "PP-01": "0",
    "PP-02": "basic",
    "PP-04": "0",
}


@pytest.fixture(autouse=True)
def english(app):
    """Messages in English, as for a user who chose it."""
    with app.test_request_context("/?lang=en"):
        refresh()
        yield
    refresh()


@pytest.fixture
def assessment(world):
    frameworks.import_file(SMALL, actor=None)
    return steps.start(world.office_a, world.cycle, actor=world.respondent_a)


@pytest.fixture
def foreign(world, assessment):
    return steps.start(world.office_b, world.cycle, actor=world.respondent_b)


def answer(assessment, actor, code, value):
    question = assessments.framework_of(assessment).question(code)
    parsed = answers.parse_answer(question, "answered", value)
    return answers.save_answer(assessment, question, parsed, None, actor=actor)


def generate(assessment, actor, **kwargs):
    row = roadmaps.generate(assessment, actor=actor, today=TODAY, **kwargs)
    db.session.commit()
    return row


def edit(assessment, actor, kind, reason="Agreed with the office", **kwargs):
    return roadmaps.add_edit(
        assessment,
        kind,
        actor=actor,
        expected_version=roadmaps.version_of(assessment),
        reason=reason,
        today=TODAY,
        **kwargs,
    )


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def codes(assessment):
    return [item.code for item in roadmaps.load(assessment).effective.items]


def publish(assessment, world):
    """Through the real lifecycle: submitted, in review, approved (with its roadmap), published."""
    for code, value in WORST.items():
        answer(assessment, world.respondent_a, code, value)
    assert steps.submit(assessment, actor=world.respondent_a, expected_status_version=None)
    lifecycle.transition(assessment, AssessmentStatus.IN_REVIEW, actor=world.consultant)
    lifecycle.transition(assessment, AssessmentStatus.APPROVED, actor=world.consultant)
    results.take_snapshot(assessment, "approved", actor=world.consultant)
    roadmaps.generate(assessment, actor=world.consultant, today=TODAY)
    lifecycle.transition(assessment, AssessmentStatus.PUBLISHED, actor=world.consultant)
    db.session.commit()


# --- generation ----------------------------------------------------------------------------------------


def test_generation_stores_the_plan_with_its_inputs_fingerprint_and_engine_version(world, assessment):
    row = generate(assessment, world.consultant)
    assert (row.version, row.cause, row.score_basis, row.score_snapshot_id) == (1, "approval", "live", None)
    assert row.framework_fingerprint == assessment.framework_version.fingerprint
    assert row.engine_version == PLANNER_VERSION
    # The 2026 cycle plans from the first quarter of 2027, medium office, 36 months.
    assert row.parameters["start"] == "2027-01"
    assert row.parameters["horizon_months"] == 36
    assert row.parameters["today"] == TODAY.isoformat()
    plan = plan_from_dict(row.plan)
    assert [item.code for item in plan.items] == ["K02", "K03", "K04"]  # no answers: K01 not triggered
    assert result_from_dict(row.basis_result).dimension("PEOP").gap == 1
    assert roadmaps.version_of(assessment) == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roadmap.generated"))
    assert event.details["plan_version"] == 1
    assert event.details["engine_version"] == PLANNER_VERSION


def test_an_assessment_with_the_consultants_is_planned_from_its_latest_snapshot(world, assessment):
    for code, value in WORST.items():
        answer(assessment, world.respondent_a, code, value)
    steps.submit(assessment, actor=world.respondent_a, expected_status_version=None)
    row = generate(assessment, world.consultant)
    assert row.score_basis == "snapshot"
    assert row.score_snapshot_id == results.latest_snapshot(assessment).id
    assert [item.code for item in plan_from_dict(row.plan).items] == ["K02", "K01", "K03", "K04"]


def test_current_targets_count(world, assessment):
    results.set_target(assessment, "PEOP", 1, actor=world.consultant)
    generate(assessment, world.consultant)
    assert "K04" not in codes(assessment)  # PEOP is at its target: no training proposed


# --- edits and regeneration ----------------------------------------------------------------------------


def test_regeneration_keeps_the_edits_and_reports_those_that_no_longer_apply(world, assessment):
    generate(assessment, world.consultant)
    edit(assessment, world.consultant, K.ADD, initiative="K01", reason="Monitoring is overdue")
    edit(assessment, world.consultant, K.MOVE, initiative="K03", payload={"quarter": "2028-Q1"})
    edit(
        assessment, world.consultant, K.NOTE, initiative="K02", payload={"text": "Với Cục An toàn thông tin"}
    )
    edit(assessment, world.consultant, K.REMOVE, initiative="K04", reason="Training runs elsewhere")
    roadmap = roadmaps.load(assessment)
    assert roadmap.row.version == 2  # the addition re-planned at once
    assert roadmap.plan.item("K01").origin is Origin.INCLUDED
    assert roadmap.effective.item("K01").added_by.reason == "Monitoring is overdue"
    assert roadmap.effective.inapplicable() == ()

    # The office changes its answers: monitoring is now called for, and training no longer is.
    answer(assessment, world.respondent_a, "NW-04", "no")
    results.set_target(assessment, "PEOP", 1, actor=world.consultant)
    regenerated = roadmaps.regenerate(
        assessment, actor=world.consultant, expected_version=roadmap.version, today=TODAY
    )

    assert regenerated.row.version == 3
    assert count(RoadmapEdit) == 4  # kept, every one
    assert regenerated.plan.item("K01").origin is Origin.TRIGGERED
    stale = {
        outcome.edit.initiative: outcome.inapplicable for outcome in regenerated.effective.inapplicable()
    }
    assert stale == {"K01": Inapplicable.ALREADY_PROPOSED, "K04": Inapplicable.NOT_IN_PLAN}
    assert regenerated.effective.item("K03").start_quarter == "2028-Q1"
    assert regenerated.effective.item("K03").moved_by is not None
    assert [n.payload["text"] for n in regenerated.effective.item("K02").notes] == [
        "Với Cục An toàn thông tin"
    ]


def test_the_changes_view_lists_exactly_the_edits(app, world, assessment):
    generate(assessment, world.consultant)
    browser = logged_in(app, "consultant@example.vn")
    url = f"/assessments/{assessment.id}/roadmap"
    posts = [
        ("add", {"add-initiative": "K01", "add-reason": "Giám sát mạng là ưu tiên"}),
        ("move", {"move-initiative": "K03", "move-quarter": "2027-Q4", "move-reason": "Chờ ngân sách"}),
        ("note", {"note-initiative": "", "note-text": "Rà soát lại vào quý 3", "note-reason": "Họp 12/11"}),
    ]
    for kind, data in posts:
        browser.get(f"{url}/edit")
        version = roadmaps.version_of(assessment)
        response = browser.post(f"{url}/edits/{kind}", {**data, f"{kind}-version": str(version)})
        assert response.status_code == 302, response.get_data(as_text=True)
    page = browser.get(f"{url}/changes").get_data(as_text=True)
    rows = re.findall(r'<tr id="edit-(\d+)"[^>]*>(.*?)</tr>', page, re.S)
    assert [seq for seq, _ in rows] == ["1", "2", "3"]
    for (_, data), (_, row) in zip(posts, rows, strict=True):
        reason = next(value for key, value in data.items() if key.endswith("reason"))
        assert reason in row
        assert "Consultant" in row  # the author
    assert "Giám sát mạng là ưu tiên" in page
    assert roadmaps.load(assessment).effective.notes[0].payload["text"] == "Rà soát lại vào quý 3"


def test_two_consultants_editing_at_once_get_a_conflict_not_an_overwrite(app, world, assessment):
    generate(assessment, world.consultant)
    first = logged_in(app, "consultant@example.vn")
    second = logged_in(app, "admin@example.vn")
    second.post("/locale/en")
    url = f"/assessments/{assessment.id}/roadmap"
    first.get(f"{url}/edit")
    second.get(f"{url}/edit")
    seen = str(roadmaps.version_of(assessment))
    note = {"note-initiative": "K02", "note-version": seen}
    mine = first.post(f"{url}/edits/note", {**note, "note-text": "Mine", "note-reason": "First"})
    theirs = second.post(f"{url}/edits/note", {**note, "note-text": "Theirs", "note-reason": "Second"})
    assert mine.status_code == 302
    assert theirs.status_code == 409
    assert "Another consultant changed this roadmap" in theirs.get_data(as_text=True)
    assert "Theirs" in theirs.get_data(as_text=True)  # what they typed is kept on the page
    assert db.session.scalars(select(RoadmapEdit.reason)).all() == ["First"]
    # In the service: a stale version is refused as a whole.
    with pytest.raises(Conflict):
        roadmaps.add_edit(
            assessment, K.NOTE, actor=world.consultant, expected_version=1, reason="x", payload={"text": "y"}
        )
    assert count(RoadmapEdit) == 1


def test_a_mandatory_initiative_is_removed_only_with_a_justification_and_stays_visible(
    app, world, assessment
):
    generate(assessment, world.consultant)
    with pytest.raises(Invalid) as refused:
        edit(assessment, world.consultant, K.REMOVE, initiative="K02")
    assert refused.value.problems[0].field == "justification"
    assert "K02 is mandatory" in str(refused.value.problems[0].message)
    assert count(RoadmapEdit) == 0

    edit(
        assessment,
        world.consultant,
        K.REMOVE,
        initiative="K02",
        reason="Carried out by the parent office",
        payload={"justification": "Văn bản số 123/VPCP-KSTT"},
    )
    effective = roadmaps.load(assessment).effective
    item = effective.item("K02")
    assert item.removed
    assert item.status is EffectiveStatus.REMOVED
    assert "K02" in codes(assessment)  # still listed
    assert [f.code for f in effective.item("K03").findings] == ["prerequisite_removed"]
    assert "K02" not in effective.phases[0].initiatives  # and no longer loads its phase
    page = logged_in(app, "consultant@example.vn").get(f"/assessments/{assessment.id}/roadmap")
    html = page.get_data(as_text=True)
    assert 'id="initiative-K02"' in html
    assert "Văn bản số 123/VPCP-KSTT" in html


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "horizon", "field", "fragment"),
    [
        ("0; 10; 20", "36", "capacity", "phase 1 has 0"),
        ("12; -4; 20", "36", "capacity", "phase 2 has -4"),
        ("", "1", "horizon_months", "shorter than the shortest initiative to plan (K04, 2 months)"),
    ],
)
def test_bad_parameters_give_a_clear_message_and_store_no_plan(
    world, assessment, capacity, horizon, field, fragment
):
    planning = roadmaps.planning_input("2027-01", horizon, "medium", capacity)
    with pytest.raises(Invalid) as refused:
        roadmaps.regenerate(
            assessment, actor=world.consultant, expected_version=0, planning=planning, today=TODAY
        )
    problem = refused.value.problems[0]
    assert problem.field == field
    assert fragment in str(problem.message)
    assert count(RoadmapPlan) == 0
    assert roadmaps.version_of(assessment) == 0


def test_a_prerequisite_cycle_through_a_custom_initiative_is_refused(world, assessment):
    generate(assessment, world.consultant)

    def custom(code, prerequisites):
        return {
            "code": code,
            "name": {"vi": f"Nhiệm vụ {code}"},
            "raises": [{"dimension": "NETW", "levels": 1}],
            "prerequisites": prerequisites,
            "duration_months": "3",
            "effort_person_months": "2",
            "cost_class": "S",
        }

    edit(assessment, world.consultant, K.ADD_CUSTOM, payload=custom("X-1", []))
    edit(assessment, world.consultant, K.ADD_CUSTOM, payload=custom("X-2", ["X-1"]))
    assert roadmaps.load(assessment).plan.item("X-2").origin is Origin.INCLUDED
    plans = count(RoadmapPlan)
    with pytest.raises(Invalid) as refused:  # X-1 defined again, now needing X-2: X-1 → X-2 → X-1
        edit(assessment, world.consultant, K.ADD_CUSTOM, payload=custom("X-1", ["X-2"]))
    problem = refused.value.problems[0]
    assert problem.field == "prerequisites"
    assert "would form a cycle" in str(problem.message)
    assert "X-1 → X-2 → X-1" in str(problem.message)
    assert count(RoadmapPlan) == plans  # nothing stored
    assert count(RoadmapEdit) == 2
    with pytest.raises(Invalid) as itself:
        edit(assessment, world.consultant, K.ADD_CUSTOM, payload=custom("X-3", ["X-3"]))
    assert "would form a cycle" in str(itself.value.problems[0].message)


def test_a_bad_capacity_on_the_form_is_shown_beside_the_field(app, world, assessment):
    browser = logged_in(app, "consultant@example.vn")
    url = f"/assessments/{assessment.id}/roadmap"
    browser.post("/locale/en")
    browser.get(f"{url}/edit")
    form = {"plan-start": "2027-01", "plan-horizon_months": "36", "plan-office_size": "medium"}
    refused = browser.post(f"{url}/generate", {**form, "plan-capacity": "0; 48; 72", "plan-version": "0"})
    assert refused.status_code == 400
    assert "The capacity of each phase must be a positive number" in refused.get_data(as_text=True)
    off_quarter = browser.post(f"{url}/generate", {**form, "plan-start": "2027-02", "plan-version": "0"})
    assert off_quarter.status_code == 400
    assert "starts at the beginning of a quarter" in off_quarter.get_data(as_text=True)
    assert count(RoadmapPlan) == 0
    made = browser.post(f"{url}/generate", {**form, "plan-capacity": "", "plan-version": "0"})
    assert made.status_code == 302
    assert count(RoadmapPlan) == 1


# --- screens -------------------------------------------------------------------------------------------


def svgs(html):
    return [ET.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", html, re.S)]  # noqa: S314 (ours)


def test_the_page_shows_a_gantt_and_a_trajectory_as_svg(app, world, assessment):
    generate(assessment, world.consultant)
    edit(assessment, world.consultant, K.MOVE, initiative="K04", payload={"quarter": "2028-Q2"})
    browser = logged_in(app, "consultant@example.vn")
    browser.post("/locale/en")
    html = browser.get(f"/assessments/{assessment.id}/roadmap").get_data(as_text=True)
    gantt, trajectory = svgs(html)
    assert gantt.findtext(f"{SVG}title") == "Schedule by quarter"
    labels = [t.text for t in gantt.iter(f"{SVG}text")]
    assert {"Q1/2027", "Q4/2029"} <= set(labels)  # 36 months from 2027-01, by quarter
    assert any(label.startswith("K02 ") for label in labels)
    assert "moved" in labels  # K04's note
    bars = [r for r in gantt.iter(f"{SVG}rect") if r.get("rx")]
    assert len(bars) == 3
    assert trajectory.findtext(f"{SVG}title") == "Projected index after each phase"
    assert len(list(trajectory.iter(f"{SVG}polyline"))) == 2
    # Why K03: the trace in words, with the question's text from the framework.
    assert "CY-02 Which of these technical controls does the office apply?" in html
    assert "does not include “Multi-factor authentication”" in html
    # Policy references by their titles, in the user's language.
    assert "Decree 85/2016/ND-CP of 1 July 2016 on information-system security by level" in html


def test_the_what_if_panel_changes_the_projected_levels(app, world, assessment):
    for code, value in WORST.items():
        answer(assessment, world.respondent_a, code, value)
    generate(assessment, world.consultant)
    browser = logged_in(app, "consultant@example.vn")
    url = f"/assessments/{assessment.id}/roadmap/what-if"

    def projected(query):
        html = browser.get(url + query).get_data(as_text=True)
        row = re.search(r'<tr data-dimension="CYBR">(.*?)</tr>', html, re.S).group(1)
        return int(re.search(r'class="projected-level">(\d)', row).group(1))

    assert projected("?shown=1") == 1  # nothing ticked: as now
    # K02 brings CY-03 yes: (0 + 0 + 2×1) / 7 = 28.57 (CY-04, now shown, is unanswered) → level 2
    assert projected("?shown=1&initiative=K02") == 2
    # K03 adds CY-02 {mfa, backup} (0.8) and CY-01 l3 (0.5): (3×0.5 + 2×0.8 + 2×1) / 7 = 72.86 → level 4
    assert projected("?shown=1&initiative=K02&initiative=K03") == 4
    assert projected("?shown=1&initiative=NOPE") == 1  # unknown codes are ignored
    # First visit: the whole roadmap done; K01 and K04 change no CYBR answer, so CYBR stays at 4.
    assert projected("") == 4


def test_exports_parse_back_with_vietnamese_intact_and_formulas_neutralised(app, world, assessment):
    generate(assessment, world.consultant)
    edit(
        assessment,
        world.consultant,
        K.ADD_CUSTOM,
        reason="@SUM(A1:A9)",
        payload={
            "code": "X-1",
            "name": {"vi": '=HYPERLINK("http://x.example","Bấm vào")'},
            "raises": [{"dimension": "NETW", "levels": 1}],
            "duration_months": "2",
            "effort_person_months": "1.5",
            "cost_class": "S",
            "kpis": [{"vi": "+1 đơn vị kết nối"}],
        },
    )
    browser = logged_in(app, "resp.a@example.vn")
    assert (
        isolated(browser.client.get, f"/assessments/{assessment.id}/roadmap.csv").status_code == 404
    )  # not published
    consultant = logged_in(app, "consultant@example.vn")  # in Vietnamese, the default
    base = f"/assessments/{assessment.id}/roadmap"
    kpi_column = roadmap_exports.headers().index("Key performance indicators")

    response = isolated(consultant.client.get, f"{base}.csv")
    assert response.headers["Content-Disposition"] == "attachment; filename=roadmap-VPA-2026-v2.csv"
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    rows = {row[1]: row for row in table[1:]}
    assert set(rows) == {"K02", "K03", "K04", "X-1"}
    assert rows["K02"][2] == "Phê duyệt cấp độ hệ thống thông tin"
    assert rows["X-1"][2] == '\'=HYPERLINK("http://x.example","Bấm vào")'
    assert rows["X-1"][kpi_column] == "'+1 đơn vị kết nối"
    for row in table:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)

    response = isolated(consultant.client.get, f"{base}.xlsx")
    assert response.headers["Content-Disposition"] == "attachment; filename=roadmap-VPA-2026-v2.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    initiatives, _phases, changes = workbook.worksheets
    cells = {row[1].value: row for row in initiatives.iter_rows(min_row=2)}
    assert cells["K03"][2].value == "Áp dụng xác thực đa yếu tố và sao lưu"
    assert cells["X-1"][2].value == '\'=HYPERLINK("http://x.example","Bấm vào")'
    assert cells["X-1"][2].data_type == "s"  # text, not a formula
    assert all(cell.data_type != "f" for sheet in workbook for row in sheet.iter_rows() for cell in row)
    assert [c.value for c in next(changes.iter_rows(min_row=2))][3] == "'@SUM(A1:A9)"

    response = isolated(consultant.client.get, f"{base}.json")
    assert response.headers["Content-Disposition"] == "attachment; filename=roadmap-VPA-2026-v2.json"
    data = json.loads(response.data)
    assert data["framework_fingerprint"] == assessment.framework_version.fingerprint
    assert data["edits"][0]["payload"]["name"]["vi"].endswith('"Bấm vào")')
    assert [item["code"] for item in data["approved"]["items"]] == [i[1] for i in table[1:]]


# --- who may see and change ----------------------------------------------------------------------------


def test_the_office_sees_its_roadmap_only_once_published(app, world, assessment):
    generate(assessment, world.consultant)
    respondent = logged_in(app, "resp.a@example.vn")
    pages = ["", "/what-if", "/changes", ".json"]
    for page in pages:
        assert respondent.get(f"/assessments/{assessment.id}/roadmap{page}").status_code == 404
    assert "/roadmap" not in respondent.get(f"/offices/{world.office_a.id}").get_data(as_text=True)
    publish(assessment, world)
    for page in ("", "/changes", ".xlsx"):
        assert respondent.get(f"/assessments/{assessment.id}/roadmap{page}").status_code == 200
    # The what-if and the raw data stay the consultants' tools (issue 23): for the office they do not exist.
    for page in ("/what-if", ".json", ".csv"):
        assert respondent.get(f"/assessments/{assessment.id}/roadmap{page}").status_code == 404
    office_page = respondent.get(f"/offices/{world.office_a.id}").get_data(as_text=True)
    assert f"/assessments/{assessment.id}/roadmap" in office_page


def test_consultants_of_other_offices_see_nothing_and_respondents_change_nothing(app, world, foreign):
    generate(foreign, world.admin)
    consultant = logged_in(app, "consultant@example.vn")  # assigned to office A only
    for page in ("", "/edit", "/what-if", ".csv"):
        assert consultant.get(f"/assessments/{foreign.id}/roadmap{page}").status_code == 404
    assert consultant.post(f"/assessments/{foreign.id}/roadmap/edits/note", {}).status_code == 404
    own = assessments.assessment_for(world.office_a, world.cycle)
    generate(own, world.consultant)
    respondent = logged_in(app, "resp.a@example.vn")
    assert respondent.get(f"/assessments/{own.id}/roadmap/edit").status_code == 403
    note = {"note-text": "x", "note-reason": "y", "note-version": "1"}
    assert respondent.post(f"/assessments/{own.id}/roadmap/edits/note", note).status_code == 403
    assert (
        respondent.post(f"/assessments/{own.id}/roadmap/generate", {"plan-version": "1"}).status_code == 403
    )
    assert count(RoadmapEdit) == 0


def test_a_published_roadmap_is_no_longer_changed(app, world, assessment):
    publish(assessment, world)
    version = roadmaps.version_of(assessment)
    with pytest.raises(Locked):
        roadmaps.add_edit(
            assessment,
            K.NOTE,
            actor=world.consultant,
            expected_version=version,
            reason="late",
            payload={"text": "x"},
        )
    browser = logged_in(app, "consultant@example.vn")
    browser.get(f"/assessments/{assessment.id}/roadmap/edit")
    planning = PlanningInput("2027-01")
    response = browser.post(
        f"/assessments/{assessment.id}/roadmap/generate",
        {
            "plan-start": planning.start,
            "plan-horizon_months": "36",
            "plan-office_size": "medium",
            "plan-version": str(version),
        },
    )
    assert response.status_code == 409
    assert count(RoadmapPlan) == 1


def test_pages_render_without_a_roadmap_and_for_every_role(app, world, assessment):
    consultant = logged_in(app, "consultant@example.vn")
    page = consultant.get(f"/assessments/{assessment.id}/roadmap")
    assert page.status_code == 200
    assert f"/assessments/{assessment.id}/roadmap/edit" in page.get_data(as_text=True)
    assert consultant.get(f"/assessments/{assessment.id}/roadmap/what-if").status_code == 404
    assert consultant.get(f"/assessments/{assessment.id}/roadmap/edit").status_code == 200
    admin = Browser(app.test_client())
    admin.login("admin@example.vn", "correct horse battery staple")
    assert admin.get(f"/assessments/{assessment.id}/roadmap").status_code == 200
