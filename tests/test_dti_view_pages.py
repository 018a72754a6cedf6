"""The DTI view on the assessment's page and in the scores API (issue 19): an office answering central-offices
1.1.0 sees its index split among the DTI main indices with the questions behind each, the pillars adding up to
the index, the API gives the same figures in the documented shape; a framework without DTI refs shows nothing
and the API says null."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from jsonschema import Draft202012Validator

from roadmap.extensions import db
from roadmap.models import Cycle
from roadmap.services.directory import api_tokens
from roadmap.services.survey import answers, assessments, frameworks, steps
from tests.conftest import isolated, logged_in
from tests.test_api import bearer

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORK_2026 = ROOT / "roadmap" / "frameworks" / "central-offices-1.1.0.yaml"
SMALL = ROOT / "tests" / "fixtures" / "frameworks" / "small.yaml"
# A few answers across main indices: leadership (BO.1), the network link (BO.3), e-documents (PLT-04, BO.6).
GIVEN = {"LDR-01": "e", "LDR-02": "c", "NET-01": "e", "PLT-04": "90"}


def started(world, path: Path, given: dict[str, str]):
    frameworks.import_file(path, actor=None)
    assessment = steps.start(world.office_a, db.session.get(Cycle, world.cycle.id), actor=world.respondent_a)
    framework = assessments.framework_of(assessment)
    for code, value in given.items():
        question = framework.question(code)
        answers.save_answer(
            assessment,
            question,
            answers.parse_answer(question, "answered", value),
            None,
            actor=world.respondent_a,
        )
    db.session.commit()
    return assessment


def scores_of(app, world, assessment_id: int) -> dict:
    secret = api_tokens.create(world.admin, "dti").secret
    client = app.test_client(use_cookies=False)
    response = isolated(client.get, f"/api/v1/assessments/{assessment_id}/scores", headers=bearer(secret))
    assert response.status_code == 200
    document = isolated(client.get, "/api/v1/openapi.json").get_json()
    schema = document["paths"]["/api/v1/assessments/{assessment_id}/scores"]["get"]["responses"]["200"]
    root = {**schema["content"]["application/json"]["schema"], "components": document["components"]}
    body = response.get_json()
    assert [error.message for error in Draft202012Validator(root).iter_errors(body)] == []
    return body


def test_the_2026_framework_shows_the_index_by_dti_main_index(app, world):
    assessment = started(world, FRAMEWORK_2026, GIVEN)
    body = scores_of(app, world, assessment.id)
    dti = body["dti"]
    assert dti["index"] == body["index"] > 0
    refs = [pillar["ref"] for pillar in dti["pillars"]]
    assert refs == ["BO.1", "BO.2", "BO.3", "BO.4", "BO.5", "BO.6", "NONE"]
    assert sum(Decimal(str(p["points"])) for p in dti["pillars"]) == Decimal(str(body["index"]))
    by_ref = {pillar["ref"]: pillar for pillar in dti["pillars"]}
    assert [q["code"] for q in by_ref["BO.1"]["questions"]] == ["LDR-01", "LDR-02"]
    # PLT-04 is a platform question (infrastructure) that feeds digital-transformation activities.
    assert [(q["code"], q["dimension"]) for q in by_ref["BO.6"]["questions"]] == [("PLT-04", "PLT")]
    assert "LDR-03" in by_ref["BO.1"]["not_counted"]
    assert by_ref["BO.4"]["points"] == 0
    assert by_ref["BO.4"]["questions"] == []

    page = logged_in(app, world.respondent_a.email).get(f"/assessments/{assessment.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Đối chiếu theo Bộ chỉ số DTI" in html
    assert "không phải điểm DTI chính thức" in html
    rows = re.findall(r'<tr data-dti="([A-Z-]+)">\s*<th scope="row">([^<]+)</th>', html)
    assert [(code, name.strip()) for code, name in rows][:3] == [
        ("DTI-AWARENESS", "BO.1 Nhận thức số"),
        ("DTI-INSTITUTIONS", "BO.2 Thể chế số"),
        ("DTI-INFRA", "BO.3 Hạ tầng số"),
    ]
    assert rows[-1] == ("DTI-NONE", "Ngoài Bộ chỉ số DTI")
    assert '#q-PLT-04">PLT-04</a>' in html
    assert "Không được tính điểm: " in html


def test_a_framework_without_dti_refs_shows_no_dti_view(app, world):
    assessment = started(world, SMALL, {})
    assert scores_of(app, world, assessment.id)["dti"] is None
    page = logged_in(app, world.respondent_a.email).get(f"/assessments/{assessment.id}")
    assert page.status_code == 200
    assert "dti-heading" not in page.get_data(as_text=True)
