"""Framework versions through the command line and the database: validate, import once, list, export."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from roadmap.engine.answers import Answer
from roadmap.engine.loader import load_framework
from roadmap.engine.planner import PlanningParameters, YearMonth, plan
from roadmap.engine.scoring import score
from roadmap.extensions import db
from roadmap.models import Assessment, AuditEvent, Cycle, FrameworkVersion
from roadmap.services.demo.answers import demo_answers
from roadmap.services.survey import frameworks

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "roadmap" / "frameworks" / "central-offices-1.0.1.yaml"
FRAMEWORK_2026 = ROOT / "roadmap" / "frameworks" / "central-offices-1.1.0.yaml"
SMALL = ROOT / "tests" / "fixtures" / "frameworks" / "small.yaml"
BROKEN = ROOT / "tests" / "fixtures" / "frameworks" / "broken"
FIXTURES = ROOT / "tests" / "fixtures" / "frameworks"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(FrameworkVersion))


def test_validate_accepts_the_shipped_framework(runner):
    result = runner.invoke(args=["framework", "validate", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    assert "valid — central-offices 1.0.1, 10 dimensions" in result.output


def test_validate_warns_about_citing_a_superseded_text_with_its_line(runner, tmp_path):
    text = (
        (FIXTURES / "small.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "  - code: ND-85-2016\n    title:",
            "  - code: ND-85-2016\n    status: superseded\n    superseded_by: QD-749-2020\n    title:",
        )
    )
    path = tmp_path / "superseded.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["framework", "validate", str(path)])
    assert result.exit_code == 0, result.output
    first = text[: text.index("[ND-85-2016]")].count("\n") + 1
    assert f"warning: {path}:{first}: " in result.output
    assert "cites ND-85-2016, which is superseded, superseded by QD-749-2020" in result.output


def test_validate_lists_every_problem_with_its_line(runner):
    result = runner.invoke(args=["framework", "validate", str(BROKEN / "several_problems.yaml")])
    assert result.exit_code == 1
    assert "6 problems in the framework file" in result.output
    assert (
        "several_problems.yaml:97: questions[5].show_if.q: refers to CY-04, which comes after CY-03"
        in result.output
    )
    assert "prerequisite cycle: K02 → K03 → K02" in result.output


@pytest.mark.parametrize("path", sorted(p.name for p in BROKEN.glob("*.yaml")))
def test_validate_refuses_every_broken_fixture(runner, path):
    result = runner.invoke(args=["framework", "validate", str(BROKEN / path)])
    assert result.exit_code == 1
    assert f"{path}:" in result.output


def test_validate_reports_a_missing_file(runner, tmp_path):
    result = runner.invoke(args=["framework", "validate", str(tmp_path / "none.yaml")])
    assert result.exit_code == 1
    assert "none.yaml" in result.output


def test_import_is_idempotent_and_audited(runner):
    first = runner.invoke(args=["framework", "import", str(SHIPPED)])
    second = runner.invoke(args=["framework", "import", str(SHIPPED)])
    assert first.exit_code == second.exit_code == 0
    assert first.output.startswith("Imported: central-offices 1.0.1")
    assert second.output.startswith("Already imported: central-offices 1.0.1")
    assert stored() == 1
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "framework.imported")).all()
    assert len(events) == 1


def test_changed_content_under_the_same_version_is_refused(runner, tmp_path):
    runner.invoke(args=["framework", "import", str(SMALL)])
    changed = tmp_path / "small-changed.yaml"
    text = SMALL.read_text(encoding="utf-8")
    assert "weight: 3" in text
    changed.write_text(text.replace("weight: 3", "weight: 4", 1), encoding="utf-8")
    result = runner.invoke(args=["framework", "import", str(changed)])
    assert result.exit_code == 1
    assert "phiên bản" in result.output  # the message says to give the file a new version (Vietnamese CLI)
    assert stored() == 1


def test_an_invalid_file_is_never_imported(runner):
    result = runner.invoke(args=["framework", "import", str(BROKEN / "several_problems.yaml")])
    assert result.exit_code == 1
    assert stored() == 0


def test_export_then_import_gives_the_same_fingerprint(app, runner, tmp_path):
    runner.invoke(args=["framework", "import", str(SHIPPED)])
    original = db.session.scalar(select(FrameworkVersion))
    exported = tmp_path / "export.yaml"
    result = runner.invoke(args=["framework", "export", "1.0.1", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    reloaded = frameworks.validate(exported.read_text(encoding="utf-8"), str(exported))
    assert reloaded.fingerprint == original.fingerprint
    # Importing the export is recognised as the same version, not a conflicting one.
    again = runner.invoke(args=["framework", "import", str(exported)])
    assert again.output.startswith("Already imported")


def test_list_shows_imported_versions(runner):
    assert "No framework imported yet" in runner.invoke(args=["framework", "list"]).output
    runner.invoke(args=["framework", "import", str(SHIPPED)])
    runner.invoke(args=["framework", "import", str(SMALL)])
    output = runner.invoke(args=["framework", "list"]).output
    assert "central-offices" in output
    assert "108 questions" in output
    assert len(output.strip().splitlines()) == 2


def test_stored_version_loads_the_same_framework(app):
    result = frameworks.import_file(SHIPPED, actor=None)
    framework = frameworks.framework_of(result.version)
    assert framework.fingerprint == result.version.fingerprint
    assert len(framework.questions) == result.version.question_count


def test_demo_load_puts_2025_on_the_2025_framework_and_2026_on_the_2026_one(app, tmp_path):
    app.instance_path = str(tmp_path)
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    rows = db.session.scalars(select(FrameworkVersion).order_by(FrameworkVersion.version)).all()
    assert [(row.framework_key, row.version) for row in rows] == [
        ("central-offices", "1.0.0"),
        ("central-offices", "1.1.0"),
    ]
    versions = {row.id: row.version for row in rows}
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.opens_on)).all()
    assert [versions[cycle.framework_version_id] for cycle in cycles] == ["1.0.0", "1.1.0"]
    # Every assessment takes its cycle's version.
    for assessment in db.session.scalars(select(Assessment)):
        assert assessment.framework_version_id == assessment.cycle.framework_version_id


# --- the 2026 framework (central-offices 1.1.0) -------------------------------------------------------------


def test_validate_accepts_the_2026_framework(runner):
    result = runner.invoke(args=["framework", "validate", str(FRAMEWORK_2026)])
    assert result.exit_code == 0, result.output
    assert "valid — central-offices 1.1.0, 11 dimensions" in result.output


def test_the_2026_version_imports_beside_the_2025_one_which_stays_the_default(runner):
    first = runner.invoke(args=["framework", "import", str(SHIPPED)])
    second = runner.invoke(args=["framework", "import", str(FRAMEWORK_2026)])
    assert first.exit_code == second.exit_code == 0, second.output
    assert second.output.startswith("Imported: central-offices 1.1.0")
    versions = db.session.scalars(select(FrameworkVersion.version).order_by(FrameworkVersion.version)).all()
    assert versions == ["1.0.1", "1.1.0"]
    assert frameworks.SHIPPED_FRAMEWORK.name == "central-offices-1.0.1.yaml"


def test_a_demo_like_government_office_scores_and_plans_on_the_2026_framework():
    framework = load_framework(FRAMEWORK_2026)
    answers = demo_answers(framework, {d.code: 0.55 for d in framework.dimensions}, seed=2026)
    answers["PLT-02"] = Answer.of(60.0)  # not every database that must be shared is connected yet
    profile = {"PRF-01": "government", "PRF-02": "level1", "PRF-03": True}
    result = score(framework, answers, profile=profile)
    assert 0 < result.index < 1000
    assert all(dimension.counted_weight > 0 for dimension in result.dimensions)
    assert {subtotal.code for subtotal in result.groups} == {"foundation", "operations", "special_use"}
    assert "DTI-NONE" in {subtotal.code for subtotal in result.dti}
    roadmap = plan(framework, result, PlanningParameters.for_office(YearMonth(2026, 1)))
    obligation = roadmap.item("I16")
    assert obligation.deadline is not None
    assert obligation.deadline.isoformat() == "2026-12-31"
    assert obligation.obligation is not None
    assert obligation.obligation.source == "ND-278-2025"
    # No date before the cycle is a schedule key: every deadline in the plan lies ahead of its start.
    assert all(item.deadline is None or item.deadline.year >= 2026 for item in roadmap.items)
