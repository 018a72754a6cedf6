"""Answers carry into a newer framework version through the newer file's declared carry-forward map, each
"to confirm", and the portfolio compares dimensions across the two versions through the same map: a small
renamed question proves the wiring, the shipped 1.0.x → 1.1.0 map the 2026 cycle's content."""

from __future__ import annotations

import pytest

from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus
from roadmap.services.review import portfolio
from roadmap.services.survey import answers, frameworks, steps
from tests.test_assessment_service import SMALL, save
from tests.test_framework_per_cycle import approved_in, cycle_named, open_cycle

SHIPPED = SMALL.parents[3] / "roadmap" / "frameworks"


def small_with_a_renamed_question() -> str:
    """small-test 0.8.0: PP-04 renamed PP-05 (same answers), NW-02 left out of the map (its meaning changed
    though it takes the same answers), every other question mapped to itself."""
    text = SMALL.read_text(encoding="utf-8").replace('version: "0.3.0"', 'version: "0.8.0"', 1)
    text = text.replace("PP-04", "PP-05")
    mapped = ["NW-01", "NW-03", "NW-04", "CY-01", "CY-02", "CY-03", "CY-04", "PP-01", "PP-02", "PP-03"]
    lines = "".join(f"    {code}: {code}\n" for code in mapped)
    carry = f'carry_forward:\n  from: "0.3.0"\n  map:\n{lines}    PP-04: PP-05\n'
    return text.replace("published: 2026-03-15\n", f"published: 2026-03-15\n{carry}", 1)


def test_answers_carry_through_the_newer_version_s_map_and_unmapped_ones_do_not(app, world):
    first = frameworks.import_file(SMALL, actor=None).version
    world.cycle.framework_version_id = first.id
    db.session.commit()
    previous = approved_in(world, world.cycle)
    frameworks.import_text(small_with_a_renamed_question(), "small-0.8.0.yaml", actor=None)
    assert open_cycle(app.test_cli_runner(), "2027", "0.8.0").exit_code == 0

    carried = steps.start(world.office_a, cycle_named("2027"), actor=world.respondent_a, carry_forward=True)

    before = answers.answer_records(db.session.get(Assessment, previous.id))
    after = answers.answer_records(carried)
    assert "PP-05" in after  # renamed: carried under its new code
    assert "PP-04" not in after
    assert after["PP-05"].value == before["PP-04"].value
    assert "NW-02" in before
    assert "NW-02" not in after  # same code, left out of the map: asked again
    assert all(record.to_confirm for record in after.values())


def test_the_portfolio_compares_a_renamed_question_s_dimension_through_the_map(app, world):
    first = frameworks.import_file(SMALL, actor=None).version
    second = frameworks.import_text(small_with_a_renamed_question(), "small-0.8.0.yaml", actor=None).version
    comparable = portfolio._Comparable(frameworks.framework_of(second))
    # PEOP's questions map one to one only through PP-04 → PP-05; NETW's NW-02 is not in the map (and the
    # engine compares by code where the map is silent), so NETW compares as before.
    assert "PEOP" in comparable.across(first)


@pytest.mark.parametrize("earlier_version", ["1.0.0", "1.0.1"])
def test_2025_answers_carry_into_the_2026_framework_through_its_map(app, world, earlier_version):
    earlier = frameworks.import_file(SHIPPED / f"central-offices-{earlier_version}.yaml", actor=None).version
    frameworks.import_file(SHIPPED / "central-offices-1.1.0.yaml", actor=None)
    world.cycle.framework_version_id = earlier.id
    db.session.commit()
    previous = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    given = {
        "LDR-01": "c",
        "NET-01": "c",  # carried; shown to level-I users only
        "SEC-01": "80",
        "SEC-11": "5",  # the security budget share: carried, now recorded without points
        "PLT-02": "60",  # redefined by Decree 278/2025: not mapped, asked again
        "DAT-08": "3",  # a count replaced by the share DAT-12: not carried
    }
    for code, value in given.items():
        save(previous, world.respondent_a, code, value=value)
    previous.status = AssessmentStatus.APPROVED.value
    db.session.commit()
    assert open_cycle(app.test_cli_runner(), "2027", "1.1.0").exit_code == 0

    carried = steps.start(world.office_a, cycle_named("2027"), actor=world.respondent_a, carry_forward=True)

    after = answers.answer_records(carried)
    assert set(after) == {"LDR-01", "NET-01", "SEC-01", "SEC-11"}
    assert all(record.to_confirm for record in after.values())
    before = answers.answer_records(db.session.get(Assessment, previous.id))
    assert {code: after[code].value for code in after} == {code: before[code].value for code in after}


def test_the_portfolio_trend_from_2025_to_2026_covers_the_dimensions_that_map(app, world):
    earlier = frameworks.import_file(SHIPPED / "central-offices-1.0.0.yaml", actor=None).version
    newer = frameworks.import_file(SHIPPED / "central-offices-1.1.0.yaml", actor=None).version
    comparable = portfolio._Comparable(frameworks.framework_of(newer))
    # Dimensions whose scored questions kept their weights and points; NET, IP6, PLT, DAT, SEC changed
    # content (docs/framework-1.1-changes.md, "Trends") and SVC is new.
    assert comparable.across(earlier) == {"LDR", "GOV", "OPS", "SWF", "SKL"}
