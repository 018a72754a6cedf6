"""Plan against actual at the next cycle (issue 22): last year's published roadmap, as the office followed
it, read beside the next assessment — hints at the questions a done initiative was expected to change (nothing
filled in from them), the projected level beside the level reached after approval, and the next roadmap
carrying over what is still open. On both databases; the demo shows it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import AnswerRecord, Cycle
from roadmap.services.plans import plan_actual, roadmaps, tracking
from roadmap.services.review import workflow as review
from roadmap.services.survey import assessments, steps
from roadmap.web import fragments
from tests.conftest import logged_in
from tests.test_assessment_service import save
from tests.test_review import fresh, submitted  # noqa: F401  (the fixture)
from tests.test_tracking import published  # noqa: F401  (the fixture)


def done(**values):
    return {"status": "done", "percent_done": "100", "evidence_note": "Biên bản nghiệm thu", **values}


@pytest.fixture
def followed(world, published):  # noqa: F811  (the fixture imported above)
    """Office A's 2026 roadmap (K01, K02, K03 planned from 2027) followed for a year: K02 done in 2027-Q2,
    K03 done in 2027-Q3, K01 still in progress; then the office's 2027 assessment started."""
    lines = {line.code: line for line in tracking.lines(published)}
    assert {"K01", "K02", "K03"} <= set(lines)
    actor = world.respondent_a
    tracking.update_progress(
        published,
        "K02",
        done(actual_start="2027-Q1", actual_finish="2027-Q2"),
        actor=actor,
        expected_version=0,
    )
    tracking.update_progress(
        published,
        "K03",
        done(actual_start="2027-Q3", actual_finish="2027-Q3"),
        actor=actor,
        expected_version=0,
    )
    tracking.update_progress(
        published,
        "K01",
        {"status": "in_progress", "percent_done": "50", "actual_start": "2027-Q2"},
        actor=actor,
        expected_version=0,
    )
    following = Cycle(
        code="2027",
        name_vi="Kỳ đánh giá năm 2027",
        name_en="2027 cycle",
        opens_on=dt.date(2027, 1, 1),
        closes_on=dt.date(2027, 12, 31),
    )
    db.session.add(following)
    db.session.commit()
    return steps.start(world.office_a, following, actor=actor, carry_forward=True)


def test_the_section_shows_what_done_initiatives_were_expected_to_change_and_fills_in_nothing(
    app, world, followed
):
    page = logged_in(app, world.respondent_a.email).get(f"/assessments/{followed.id}/sections/CYBR")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # In Vietnamese, the user's language: K02 at CY-03, K03 at CY-02 and CY-01; K01 is not done: no hint.
    assert 'data-follow-up-for="CY-03"' in html
    assert "được đánh dấu hoàn thành trong quý 2/2027" in html
    assert html.count('data-follow-up-for="CY-02"') == 1
    assert html.count('data-follow-up-for="CY-01"') == 1
    assert 'data-follow-up-for="NW-04"' not in html
    # Escaped like every text: the initiative's name is quoted by the page's own marks.
    assert "“K02 " in html
    # Nothing is filled in from it: CY-03 keeps last year's answer, to confirm.
    record = db.session.scalar(
        select(AnswerRecord).where(
            AnswerRecord.assessment_id == followed.id, AnswerRecord.question_code == "CY-03"
        )
    )
    assert record.value is False or record.value == "no"
    assert record.to_confirm
    hints = plan_actual.hints(followed)
    assert sorted(hints) == ["CY-01", "CY-02", "CY-03"]


def test_after_approval_projected_beside_reached_and_the_open_initiatives_carried_over(app, world, followed):
    respondent = world.respondent_a
    save(followed, respondent, "CY-03", value="yes")  # K02 delivered
    save(followed, respondent, "CY-02", value=["mfa"])  # K03's backup is not there
    save(followed, respondent, "CY-04", value="b")
    db.session.commit()
    for record in db.session.scalars(select(AnswerRecord).where(AnswerRecord.assessment_id == followed.id)):
        record.to_confirm = False
    db.session.commit()
    assert steps.submit(fresh(followed.id), actor=respondent, expected_status_version=None)
    review.start_review(fresh(followed.id), actor=world.consultant)
    review.approve(fresh(followed.id), actor=world.consultant)
    db.session.commit()
    assessment = fresh(followed.id)

    # By hand (small.yaml), last year's answers as this framework scores them:
    #   CYBR  CY-01 l3 0.5 ×3 + CY-02 {mfa, backup} 0.8 ×2 + CY-03 no 0 ×2 = 3.1 / 7 = 44.29 → level 2
    # projected with K01, K02, K03 (all planned to be finished by the end of 2027): CY-03 yes 1 ×2, CY-04
    # shown but not answered (not counted) → 5.1 / 7 = 72.86 → level 4; reached this year: CY-02 {mfa}
    # 0.4 ×2, CY-03 yes, CY-04 b 0.5 ×1 → (1.5 + 0.8 + 2 + 0.5) / 8 = 60 → level 3.
    #   NETW and PEOP: no effect changes their answers (NW-04 already yes): projected = last year = reached.
    found = plan_actual.comparison(assessment, roadmaps.basis_of(assessment).result)
    assert found is not None
    assert set(found.figures.planned) == {"K01", "K02", "K03"}
    assert found.figures.done == ("K02", "K03")
    rows = {d.code: d for d in found.figures.dimensions}
    assert (rows["CYBR"].level_before, rows["CYBR"].level_projected, rows["CYBR"].level_reached) == (2, 4, 3)
    assert [(u.initiative, u.questions) for u in rows["CYBR"].undelivered] == [("K03", ("CY-02",))]
    assert rows["NETW"].level_projected == rows["NETW"].level_before
    assert rows["PEOP"].level_projected == rows["PEOP"].level_before == rows["PEOP"].level_reached
    assert not rows["NETW"].undelivered
    assert not rows["PEOP"].undelivered

    # The results page shows it, after approval.
    page = logged_in(app, respondent.email).get(f"/assessments/{assessment.id}")
    html = page.get_data(as_text=True)
    assert 'data-plan-actual="CYBR"' in html
    assert 'data-undelivered="K03"' in html
    assert "thấp hơn kế hoạch" in html

    # The new roadmap carries over K01 (in progress), not K02 or K03 (done), and lists it once.
    roadmap = roadmaps.load(assessment)
    assert roadmap.carried_over == ("K01",)
    assert roadmap.carried_from == "2026"
    codes = [item.code for item in roadmap.plan.items]
    assert codes.count("K01") == 1
    assert "K03" not in roadmap.carried_over
    assert "K02" not in roadmap.carried_over
    consultant = logged_in(app, world.consultant.email)
    shown = consultant.get(f"/assessments/{assessment.id}/roadmap").get_data(as_text=True)
    assert 'data-carried-over="K01"' in shown
    assert "Chuyển tiếp từ lộ trình 2026" in shown or "Chuyển tiếp từ 2026" in shown


def test_nothing_without_a_previous_published_roadmap(app, world, submitted):  # noqa: F811
    assert plan_actual.hints(submitted) == {}
    assert plan_actual.comparison(submitted, roadmaps.basis_of(submitted).result) is None
    assert roadmaps.previous_published(submitted) is None


# --- the demo -----------------------------------------------------------------------------------------------


def check_the_demo(app):
    """The demo shows plan against actual on the current cycle. Called by the demo's test in
    tests/test_tracking.py, which loads the demo once for both (a load takes a minute)."""
    from roadmap.models import Assessment, InitiativeTracking, Office, User
    from roadmap.services.directory.accounts import hash_password
    from tests.conftest import PASSWORD

    with app.app_context():
        current = db.session.scalar(select(Cycle).order_by(Cycle.opens_on.desc()).limit(1))
        approved = db.session.scalars(
            select(Assessment)
            .where(Assessment.cycle_id == current.id, Assessment.status.in_(["approved", "published"]))
            .order_by(Assessment.id)
        ).all()
        assert len(approved) == 2  # the demo's approved and published offices of this cycle
        for assessment in approved:
            previous = roadmaps.previous_published(assessment)
            assert previous is not None
            assert previous.cycle.code == str(current.opens_on.year - 1)
            closed = set(
                db.session.scalars(
                    select(InitiativeTracking.initiative_code).where(
                        InitiativeTracking.assessment_id == previous.id,
                        InitiativeTracking.status.in_(["done", "dropped"]),
                    )
                )
            )
            roadmap = roadmaps.load(assessment)
            assert roadmap.carried_over, "last year's open initiatives are carried over"
            assert not set(roadmap.carried_over) & closed
            codes = [item.code for item in roadmap.plan.items]
            assert len(codes) == len(set(codes))
            assert set(roadmap.carried_over) <= set(codes)
            with app.test_request_context():
                found = plan_actual.comparison(assessment, roadmaps.basis_of(assessment).result)
                assert found is not None
                assert found.figures.done
                assert any(d.level_projected > d.level_before for d in found.figures.dimensions)
        # The office's respondent sees the comparison on the results page and the hints in the survey.
        office = db.session.get(Office, approved[0].office_id)
        respondent = db.session.scalars(select(User).where(User.office_id == office.id)).first()
        respondent.password_hash = hash_password(PASSWORD)
        db.session.commit()
        browser = logged_in(app, respondent.email)
        html = browser.get(f"/assessments/{approved[0].id}").get_data(as_text=True)
        assert "Đối chiếu lộ trình năm trước với kết quả năm nay" in html
        with app.test_request_context():
            hints = plan_actual.hints(approved[0])
        assert hints
        question = next(iter(hints))
        dimension = assessments.framework_of(approved[0]).question(question).dimension
        section = browser.get(f"/assessments/{approved[0].id}/sections/{dimension}").get_data(as_text=True)
        assert f'data-follow-up-for="{question}"' in section


def test_a_kept_section_page_shows_a_new_hint_once_last_years_roadmap_is_followed_further(
    app,
    world,
    followed,
    published,  # noqa: F811  (the fixture imported above)
):
    """The page cache's key reads last year's tracking with the assessment (one statement): an initiative
    marked done since the page was kept shows its hint at once."""
    browser = logged_in(app, world.respondent_a.email)
    framework = assessments.framework_of(followed)
    sections = {d.code: f"/assessments/{followed.id}/sections/{d.code}" for d in framework.dimensions}
    browser.get(sections[framework.dimensions[0].code])  # the first page shows a message once: never kept
    before = {code: browser.get(path).get_data(as_text=True) for code, path in sections.items()}
    for path in sections.values():
        hits = fragments.pages.hits
        assert browser.get(path).status_code == 200
        assert fragments.pages.hits == hits + 1  # kept
    expected = plan_actual.hints(followed)
    tracking.update_progress(
        published,
        "K01",
        done(actual_start="2027-Q2", actual_finish="2027-Q4"),
        actor=world.respondent_a,
        expected_version=1,
    )
    db.session.commit()
    now_expected = plan_actual.hints(followed)
    added = {code for code in now_expected if len(now_expected[code]) > len(expected.get(code, []))}
    assert added, now_expected  # K01 was expected to change some answer
    for code in added:
        dimension = framework.question(code).dimension
        after = browser.get(sections[dimension]).get_data(as_text=True)
        marker = f'data-follow-up-for="{code}"'
        assert after.count(marker) > before[dimension].count(marker)
        assert "quý 4/2027" in after
        assert "quý 4/2027" not in before[dimension]
