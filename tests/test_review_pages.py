"""The review page cannot lose a consultant's work (issue 23): refused forms stay in place with what was
typed, an override's effect is shown before it is saved, overrides and answers that moved are flagged,
approving and publishing need a confirmation, a resubmission needs no second start, and no internal code
reaches the Vietnamese page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import AssessmentStatus, ScoreOverride
from roadmap.services.review import workflow as review
from roadmap.services.survey import steps
from tests.conftest import logged_in
from tests.test_assessment_service import save
from tests.test_review import fresh, status_post, submitted  # noqa: F401 (`submitted`: the fixture, shared)

S = AssessmentStatus


@pytest.fixture
def in_review(world, submitted):  # noqa: F811 (the imported fixture, requested by name)
    review.start_review(submitted, actor=world.consultant)
    return submitted


def _article(page: str, code: str) -> str:
    match = re.search(rf'<article class="review-question" id="q-{code}".*?</article>', page, re.S)
    assert match, code
    return match.group(0)


def test_an_override_without_justification_stays_at_its_question_with_what_was_typed(app, world, in_review):
    consultant = logged_in(app, world.consultant.email)
    page = consultant.get(f"/review/assessments/{in_review.id}").get_data(as_text=True)
    # The form posts to an address with the question's anchor: the browser comes back to the question.
    assert f'action="/review/assessments/{in_review.id}/overrides/points#q-NW-02"' in page
    response = consultant.post(
        f"/review/assessments/{in_review.id}/overrides/points",
        {"question": "NW-02", "points": "0,4", "justification": "  ", "intent": "save"},
    )
    assert response.status_code == 400
    article = _article(response.get_data(as_text=True), "NW-02")
    assert '<details class="review-form" open>' in article
    assert 'value="0,4"' in article
    assert re.search(r'id="pj-NW-02-error">[^<]+</p>', article)
    assert 'aria-invalid="true"' in article
    assert db.session.scalar(select(func.count()).select_from(ScoreOverride)) == 0


def test_a_refused_comment_keeps_its_question_open(app, world, in_review):
    consultant = logged_in(app, world.consultant.email)
    response = consultant.post(
        f"/review/assessments/{in_review.id}/comments", {"question": "NW-03", "body": "   "}
    )
    assert response.status_code == 400
    assert '<details class="review-form" open>' in _article(response.get_data(as_text=True), "NW-03")


def test_the_effect_of_an_override_is_shown_before_it_is_saved(app, world, in_review):
    before = review.reviewed_score(fresh(in_review.id)).result
    current = before.question("NW-02").points
    consultant = logged_in(app, world.consultant.email)
    response = consultant.post(
        f"/review/assessments/{in_review.id}/overrides/points",
        {"question": "NW-02", "points": "0", "justification": "Chưa có số liệu.", "intent": "preview"},
    )
    assert response.status_code == 200
    article = _article(response.get_data(as_text=True), "NW-02")
    preview = re.search(r"<div class=\"preview\".*?</div>", article, re.S).group(0)
    after = review.preview_points(fresh(in_review.id), "NW-02", "0").after
    assert after.index < before.index
    assert f"điểm {current:.2f}".replace(".", ",") in preview
    assert "→ 0,00" in preview
    assert "chỉ số" in preview
    # What was typed stays for the save; nothing is stored by a preview.
    assert "Chưa có số liệu." in article
    assert db.session.scalar(select(func.count()).select_from(ScoreOverride)) == 0


def test_an_override_older_than_the_answer_is_flagged_and_changed_answers_are_marked(app, world, in_review):
    review.override_points(in_review, "NW-02", 0.5, "Một nửa", actor=world.consultant)
    review.return_for_revision(fresh(in_review.id), "Bổ sung NW-02", actor=world.consultant)
    save(fresh(in_review.id), world.respondent_a, "NW-02", value="30")
    db.session.commit()
    assert steps.submit(fresh(in_review.id), actor=world.respondent_a, expected_status_version=None)
    consultant = logged_in(app, world.consultant.email)
    page = consultant.get(f"/review/assessments/{in_review.id}").get_data(as_text=True)
    nw02 = _article(page, "NW-02")
    assert "Đã thay đổi sau khi trả lại" in nw02
    assert "Câu trả lời đã thay đổi sau khi điều chỉnh điểm" in nw02
    assert "Đã thay đổi sau khi trả lại" not in _article(page, "NW-01")


def test_a_resubmission_continues_the_review_without_a_second_start(app, world, in_review):
    review.return_for_revision(in_review, "Bổ sung", actor=world.consultant)
    save(fresh(in_review.id), world.respondent_a, "NW-03", value="90")
    db.session.commit()
    assert steps.submit(fresh(in_review.id), actor=world.respondent_a, expected_status_version=None)
    consultant = logged_in(app, world.consultant.email)
    page = consultant.get(f"/review/assessments/{in_review.id}").get_data(as_text=True)
    assert "Bắt đầu thẩm định" not in page
    assert "việc thẩm định tiếp tục mà không cần bắt đầu lại" in page
    assert (
        consultant.post(
            f"/review/assessments/{in_review.id}/comments", {"question": "NW-03", "body": "Đã xem."}
        ).status_code
        == 302
    )
    assert fresh(in_review.id).status == S.IN_REVIEW
    # And approving straight away works too.
    review.return_for_revision(fresh(in_review.id), "Lần nữa", actor=world.consultant)
    save(fresh(in_review.id), world.respondent_a, "NW-03", value="95")
    db.session.commit()
    assert steps.submit(fresh(in_review.id), actor=world.respondent_a, expected_status_version=None)
    assert status_post(consultant, in_review.id, "approve").status_code == 302
    assert fresh(in_review.id).status == S.APPROVED


def test_approve_and_publish_need_the_ticked_confirmation(app, world, in_review):
    consultant = logged_in(app, world.consultant.email)
    page = consultant.get(f"/review/assessments/{in_review.id}").get_data(as_text=True)
    approve = re.search(r'<form[^>]*data-decision="approve".*?</form>', page, re.S).group(0)
    assert 'name="confirm"' in approve
    assert "required" in approve
    # The return form is a separate part of the page, not right under the approve button.
    assert 'id="return"' in page
    assert page.index('id="return"') > page.index('id="general-heading"')
    refused = status_post(consultant, in_review.id, "approve", confirm="")
    assert refused.status_code == 400
    assert "Đề nghị đánh dấu xác nhận trước" in refused.get_data(as_text=True)
    assert fresh(in_review.id).status == S.IN_REVIEW
    assert status_post(consultant, in_review.id, "approve").status_code == 302
    assert status_post(consultant, in_review.id, "publish", confirm="").status_code == 400
    assert fresh(in_review.id).status == S.APPROVED
    assert status_post(consultant, in_review.id, "publish").status_code == 302
    published = consultant.get(f"/review/assessments/{in_review.id}").get_data(as_text=True)
    assert "Không thể ra quyết định" not in published
    assert "Đã công bố: đơn vị xem được kết quả" in published


def test_the_evidence_verdict_has_no_default_and_none_chosen_is_refused_in_place(app, world, in_review):
    consultant = logged_in(app, world.consultant.email)
    page = consultant.get(f"/review/assessments/{in_review.id}").get_data(as_text=True)
    select_box = re.search(r'<select name="verdict" id="verdict-NW-01".*?</select>', page, re.S).group(0)
    assert " selected" not in select_box
    refused = consultant.post(
        f"/review/assessments/{in_review.id}/evidence", {"question": "NW-01", "verdict": ""}
    )
    assert refused.status_code == 400
    assert "Đề nghị chọn xác nhận hoặc không chấp nhận minh chứng." in _article(
        refused.get_data(as_text=True), "NW-01"
    )


def test_the_review_page_has_jump_links_one_level_line_and_no_internal_codes(app, world, in_review):
    consultant = logged_in(app, world.consultant.email)
    page = consultant.get(f"/review/assessments/{in_review.id}").get_data(as_text=True)
    nav = re.search(r'<nav class="jump-links".*?</nav>', page, re.S).group(0)
    for dimension in ("NETW", "CYBR", "PEOP"):
        assert f'href="#d-{dimension}"' in nav
    assert len(re.findall(r'<p class="level-line">', page)) == 3
    assert "mức theo thang điểm" not in page
    text = re.sub(r"<[^>]+>", " ", page)
    for code in ("not_scored", "not_applicable", "unanswered", "(hidden)", "hidden)"):
        assert code not in text, code


def test_a_lettered_answer_shows_its_letter_on_the_review_page(app, world, in_review):
    consultant = logged_in(app, world.consultant.email)
    page = consultant.get(f"/review/assessments/{in_review.id}").get_data(as_text=True)
    assert '<span class="option-letter">c.</span>' in _article(page, "NW-01")  # answered "c"
    assert "option-letter" not in _article(page, "NW-04")  # yes / no
