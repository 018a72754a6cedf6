"""The review before submitting (issue 23): what is missing counted per dimension with jump links, what the
answers without evidence cost, the contradictory answers, then the button; and the home page's way back in."""

from __future__ import annotations

import re

import pytest

from roadmap.extensions import db
from roadmap.services.survey import assessments, results, steps
from tests.conftest import logged_in
from tests.test_assessment_service import SMALL, fill_everything, save


@pytest.fixture
def draft(world):
    """Office A's draft of the small framework: NETW answered with a claim that needs evidence and has none,
    and answers that contradict each other (no monitoring, few outage hours); the rest unanswered."""
    from roadmap.services.survey import frameworks

    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    save(assessment, world.respondent_a, "NW-01", value="c")
    save(assessment, world.respondent_a, "NW-02", value="2")
    save(assessment, world.respondent_a, "NW-04", value="no")
    db.session.commit()
    return assessment


def _page(app, world, assessment) -> str:
    browser = logged_in(app, world.respondent_a.email)
    response = browser.get(f"/assessments/{assessment.id}/submit")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_missing_answers_are_counted_per_dimension_with_a_jump_link_to_the_first(app, world, draft):
    framework = assessments.framework_of(draft)
    scored = results.live_score(draft, guidance=False)
    missing = results.missing_answers(framework, scored.result, scored.records)
    grouped = results.missing_by_dimension(framework, missing)
    assert sum(len(group.questions) for group in grouped) == len(missing) > 0
    assert [group.dimension for group in grouped] == [
        d.code for d in framework.dimensions if any(g.dimension == d.code for g in grouped)
    ]
    page = _page(app, world, draft)
    assert f"Câu hỏi còn phải trả lời: {len(missing)}" in page
    for group in grouped:
        count = re.search(rf'data-missing-count="{group.dimension}">(\d+) câu hỏi<', page)
        assert count
        assert int(count.group(1)) == len(group.questions)
        first = f"/assessments/{draft.id}/sections/{group.dimension}#q-{group.questions[0]}"
        assert f'href="{first}"' in page
    assert "Chưa thể gửi bản đánh giá" in page
    assert f'action="/assessments/{draft.id}/submit"' not in page


def test_answers_without_required_evidence_show_the_points_and_index_they_lose(app, world, draft):
    costs = results.evidence_costs(results.live_score(draft, guidance=False))
    [cost] = costs.answers
    assert cost.question == "NW-01"
    assert cost.claimed == 1.0
    assert cost.counted < cost.claimed
    assert costs.index_with_evidence > costs.index_now
    page = _page(app, world, draft)
    assert 'data-evidence-cost="NW-01"' in page
    assert "Câu trả lời thiếu minh chứng cần có: 1" in page
    assert "1,00" in page


def test_contradictory_answers_are_listed_with_links_to_both_questions(app, world, draft):
    page = _page(app, world, draft)
    assert 'data-warning="C-NW-UNMONITORED"' in page
    for code in ("NW-02", "NW-04"):
        assert f"/assessments/{draft.id}/sections/NETW#q-{code}" in page


def test_a_complete_assessment_is_submitted_from_the_last_step_of_the_review(app, world, draft):
    fill_everything(draft, world.respondent_a)
    db.session.commit()
    page = _page(app, world, draft)
    assert "Mọi câu hỏi bắt buộc đã được trả lời" in page
    assert f'action="/assessments/{draft.id}/submit"' in page


def test_home_page_offers_to_continue_the_draft_with_its_progress(app, world, draft):
    browser = logged_in(app, world.respondent_a.email)
    page = browser.get("/").get_data(as_text=True)
    link = re.search(rf'data-continue="{draft.id}" href="/assessments/{draft.id}">([^<]+)<', page)
    assert link, page
    assert re.fullmatch(r"Tiếp tục bản đánh giá kỳ 2026 \(đã trả lời \d+\s?%\)", link.group(1))


def test_after_a_return_the_overview_lists_the_questions_carrying_comments(app, world, draft):
    from roadmap.services.review import workflow as review

    fill_everything(draft, world.respondent_a)
    db.session.commit()
    assert steps.submit(draft, actor=world.respondent_a, expected_status_version=None)
    review.start_review(draft, actor=world.consultant)
    review.add_comment(draft, "Bổ sung số liệu.", actor=world.consultant, question_code="NW-03")
    review.return_for_revision(draft, "Xem các ý kiến.", actor=world.consultant)
    page = logged_in(app, world.respondent_a.email).get(f"/assessments/{draft.id}").get_data(as_text=True)
    block = re.search(r'<section class="card commented".*?</section>', page, re.S).group(0)
    assert "Câu hỏi có ý kiến của chuyên gia tư vấn: 1" in block
    assert f'href="/assessments/{draft.id}/sections/NETW#q-NW-03"' in block
