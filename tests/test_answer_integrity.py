"""Every stored answer is what its author meant: numbers read in the user's language, and a change sent
again after a failure recognised by its idempotency key, never by the account that sent it (SQLite and
PostgreSQL, through the real autosave endpoint)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import AnswerRecord, RoadmapEdit, RoadmapPlan, ScoreOverride
from roadmap.services.review import workflow as review
from tests.conftest import Browser, isolated, logged_in
from tests.test_review import submitted  # noqa: F401 - the fixture
from tests.test_survey import fieldset_of, fill_small, record, second_respondent, small_assessment


def change(
    browser: Browser,
    assessment_id: int,
    question: str,
    value: Any,
    *,
    base_version: int = 0,
    key: str | None = None,
    follows: list[str] | None = None,
) -> Any:
    """One queued change as the page's script sends it, with its idempotency key."""
    body: dict[str, Any] = {"question": question, "state": "answered", "value": value}
    body.update(base_version=base_version, key=key, follows=follows or [])
    return isolated(
        browser.client.post,
        f"/assessments/{assessment_id}/answers",
        json=body,
        headers={"X-CSRFToken": browser.csrf(), "Accept": "application/json"},
    )


def stored_rows() -> list[Any]:
    return list(
        db.session.execute(
            select(AnswerRecord.question_code, AnswerRecord.value, AnswerRecord.version).order_by(
                AnswerRecord.question_code
            )
        ).all()
    )


# --- numbers ---------------------------------------------------------------------------------------------


def test_one_thousand_written_in_vietnamese_is_stored_as_one_thousand(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    for typed, stored in (("1.000", 1000), ("2.500", 2500), ("38,5", 38.5), ("1.234,5", 1234.5)):
        response = change(browser, assessment.id, "NW-02", typed, base_version=0)
        assert response.status_code == 200, response.get_json()
        assert record(assessment.id, "NW-02").value == stored
        db.session.delete(record(assessment.id, "NW-02"))
        db.session.commit()


def test_one_point_zero_zero_zero_in_english_is_one_as_the_english_form_says(app, world):
    world.respondent_a.locale = "en"
    db.session.commit()
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    assert change(browser, assessment.id, "NW-02", "1.000").status_code == 200
    assert record(assessment.id, "NW-02").value == 1
    db.session.delete(record(assessment.id, "NW-02"))
    db.session.commit()
    assert change(browser, assessment.id, "NW-02", "1,000").status_code == 200
    assert record(assessment.id, "NW-02").value == 1000


def test_a_number_in_the_wrong_form_is_refused_naming_the_question_and_the_expected_form(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    for typed in ("38.5", "1.0000", "1,2,3"):
        response = change(browser, assessment.id, "NW-02", typed)
        assert response.status_code == 400
        body = response.get_json()
        assert body["status"] == "invalid"
        assert "NW-02" in body["message"]
        assert "1.234,5" in body["message"]
        assert record(assessment.id, "NW-02") is None


def test_a_range_in_a_message_is_written_in_the_form_the_parser_reads(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    body = change(browser, assessment.id, "NW-02", "9.000").get_json()
    assert body["status"] == "invalid"
    assert "8.760" in body["message"]


def test_a_stored_decimal_is_shown_back_in_the_users_form_after_a_reload(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    assert change(browser, assessment.id, "NW-02", "2,5").status_code == 200
    assert change(browser, assessment.id, "NW-03", "1.000").status_code == 400  # a percent is at most 100
    page = browser.get(f"/assessments/{assessment.id}/sections/NETW").get_data(as_text=True)
    assert 'value="2,5"' in fieldset_of(page, "NW-02")
    assert "từ 0 đến 8.760" in fieldset_of(page, "NW-02")


def test_a_section_posted_without_scripts_reads_numbers_in_the_users_language(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    browser.get(f"/assessments/{assessment.id}/sections/NETW")
    response = browser.post(
        f"/assessments/{assessment.id}/sections/NETW", {"NW-02-value": "1.000", "NW-02-version": ""}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert record(assessment.id, "NW-02").value == 1000


# --- idempotency keys --------------------------------------------------------------------------------


def test_a_stale_change_of_the_same_account_that_never_arrived_is_a_conflict(app, world):
    """Browser B queued "e" offline (it never left); A saved "d"; B's change then meets A's as a conflict."""
    assessment = small_assessment(world)
    laptop = logged_in(app, world.respondent_a.email)
    phone = logged_in(app, world.respondent_a.email)
    assert change(laptop, assessment.id, "NW-01", "c", key="laptop-1").status_code == 200
    response = change(phone, assessment.id, "NW-01", "a", key="phone-1")
    assert response.status_code == 409
    body = response.get_json()
    assert body["status"] == "conflict"
    assert body["theirs"]["value"] == "c"
    assert body["theirs"]["mine"] is True  # the same account, and still a conflict
    assert body["mine"]["value"] == "a"
    assert record(assessment.id, "NW-01").value == "c"
    # Sent again, the same change is still a conflict: nothing is stored until the person chooses.
    assert change(phone, assessment.id, "NW-01", "a", key="phone-1").status_code == 409
    assert record(assessment.id, "NW-01").value == "c"


def test_a_change_whose_first_attempt_arrived_is_accepted_quietly_when_sent_again(app, world):
    assessment = small_assessment(world)
    phone = logged_in(app, world.respondent_a.email)
    first = change(phone, assessment.id, "NW-01", "a", key="phone-1")  # its answer never reached the page
    assert first.status_code == 200
    again = change(phone, assessment.id, "NW-01", "a", key="phone-1")
    assert again.status_code == 200
    assert again.get_json()["status"] == "unchanged"
    assert again.get_json()["version"] == 1
    assert record(assessment.id, "NW-01").idempotency_key == "phone-1"


def test_a_retry_after_someone_else_changed_the_answer_is_a_conflict(app, world):
    assessment = small_assessment(world)
    phone = logged_in(app, world.respondent_a.email)
    laptop = logged_in(app, world.respondent_a.email)
    assert change(phone, assessment.id, "NW-01", "a", key="phone-1").status_code == 200
    assert change(laptop, assessment.id, "NW-01", "c", base_version=1, key="laptop-1").status_code == 200
    assert change(phone, assessment.id, "NW-01", "a", key="phone-1").status_code == 409
    assert record(assessment.id, "NW-01").value == "c"


def test_a_later_change_follows_the_pages_own_earlier_change_that_arrived_unheard(app, world):
    assessment = small_assessment(world)
    phone = logged_in(app, world.respondent_a.email)
    assert change(phone, assessment.id, "NW-01", "a", key="phone-1").status_code == 200
    # The page never heard of version 1; its next change names the first one's key.
    later = change(phone, assessment.id, "NW-01", "b", key="phone-2", follows=["phone-1"])
    assert later.status_code == 200
    assert later.get_json()["version"] == 2
    assert record(assessment.id, "NW-01").value == "b"


def test_a_key_reused_with_another_value_is_refused_and_nothing_is_stored(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    assert change(browser, assessment.id, "NW-01", "a", key="k-1").status_code == 200
    before = stored_rows()
    for base_version in (0, 1):
        response = change(browser, assessment.id, "NW-01", "b", base_version=base_version, key="k-1")
        assert response.status_code == 422
        body = response.get_json()
        assert body["status"] == "invalid"
        assert "NW-01" in body["message"]
        assert stored_rows() == before


def test_a_malformed_key_is_refused(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    for key, follows in (("bad key!", []), ("x" * 65, []), ("ok", ["also bad!"]), ("ok", ["k"] * 21)):
        assert change(browser, assessment.id, "NW-01", "a", key=key, follows=follows).status_code == 400
    assert record(assessment.id, "NW-01") is None


def test_a_form_post_leaves_no_key_behind(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    assert change(browser, assessment.id, "NW-02", "5", key="k-1").status_code == 200
    browser.get(f"/assessments/{assessment.id}/sections/NETW")
    browser.post(f"/assessments/{assessment.id}/sections/NETW", {"NW-02-value": "6", "NW-02-version": "1"})
    stored = record(assessment.id, "NW-02")
    assert (stored.value, stored.idempotency_key) == (6, None)


# --- submitting ------------------------------------------------------------------------------------------


def test_the_submitter_sees_the_confirmation_even_when_a_repeat_of_their_submit_answers_last(app, world):
    assessment = small_assessment(world)
    fill_small(assessment, world.respondent_a)
    colleague = second_respondent(world)
    browser = logged_in(app, world.respondent_a.email)
    form = {"status_version": str(assessment.status_version)}
    first = browser.post(f"/assessments/{assessment.id}/submit", form, follow_redirects=True)
    assert "Đã gửi bản đánh giá" in first.get_data(as_text=True)
    # The same click arriving twice: the answer the browser keeps is the repeat's.
    repeat = browser.post(f"/assessments/{assessment.id}/submit", form, follow_redirects=True)
    assert "Đã gửi bản đánh giá" in repeat.get_data(as_text=True)
    assert "đã được gửi trước đó" not in repeat.get_data(as_text=True)
    # A colleague whose page was open at the same moment learns that it had been submitted already.
    other = logged_in(app, colleague.email)
    late = other.post(f"/assessments/{assessment.id}/submit", form, follow_redirects=True)
    assert "Bản đánh giá này đã được gửi trước đó" in late.get_data(as_text=True)


# --- numbers typed into the consultants' forms ---------------------------------------------------------


def test_override_points_are_read_in_the_users_language_and_a_foreign_form_is_refused(
    app,
    world,
    submitted,  # noqa: F811 - the imported fixture
):
    review.start_review(submitted, actor=world.consultant)
    consultant = logged_in(app, world.consultant.email)
    url = f"/review/assessments/{submitted.id}/overrides/points"
    why = "Chỉ một phần các đơn vị có kết nối."
    refused = consultant.post(url, {"question": "NW-02", "points": "0.4", "justification": why})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "1.234,5" in page
    assert 'value="0.4"' in page  # what was typed stays in the field
    assert db.session.scalar(select(func.count()).select_from(ScoreOverride)) == 0
    accepted = consultant.post(url, {"question": "NW-02", "points": "0,4", "justification": why})
    assert accepted.status_code == 302
    assert db.session.scalar(select(ScoreOverride.value)) == 0.4


def test_roadmap_capacities_are_read_in_the_users_language_and_shown_back_so(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.consultant.email)
    url = f"/assessments/{assessment.id}/roadmap"
    browser.get(f"{url}/edit")
    form = {"plan-start": "2027-01", "plan-horizon_months": "36", "plan-office_size": "medium"}
    refused = browser.post(f"{url}/generate", {**form, "plan-capacity": "24; 48.5; 72", "plan-version": "0"})
    assert refused.status_code == 400
    assert "1.234,5" in refused.get_data(as_text=True)
    assert "24; 48.5; 72" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RoadmapPlan)) == 0
    made = browser.post(f"{url}/generate", {**form, "plan-capacity": "24; 48,5; 1.000", "plan-version": "0"})
    assert made.status_code == 302, made.get_data(as_text=True)
    page = browser.get(f"{url}/edit").get_data(as_text=True)
    assert 'value="24; 48,5; 1.000"' in page


def test_a_custom_initiatives_effort_is_read_in_the_users_language(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.consultant.email)
    url = f"/assessments/{assessment.id}/roadmap"
    browser.get(f"{url}/edit")
    plan = {"plan-start": "2027-01", "plan-horizon_months": "36", "plan-office_size": "medium"}
    assert browser.post(f"{url}/generate", {**plan, "plan-version": "0"}).status_code == 302
    browser.get(f"{url}/edit")
    custom = {
        "add_custom-code": "X-1",
        "add_custom-name_vi": "Số hóa hồ sơ lưu trữ",
        "add_custom-dimension": "NETW",
        "add_custom-levels": "1",
        "add_custom-duration_months": "2",
        "add_custom-cost_class": "S",
        "add_custom-reason": "Theo đề nghị của đơn vị",
        "add_custom-version": "1",
    }
    refused = browser.post(f"{url}/edits/add-custom", {**custom, "add_custom-effort_person_months": "1.5"})
    assert refused.status_code == 400
    assert "1.234,5" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RoadmapEdit)) == 0
    browser.get(f"{url}/edit")
    made = browser.post(f"{url}/edits/add-custom", {**custom, "add_custom-effort_person_months": "1,5"})
    assert made.status_code == 302, made.get_data(as_text=True)
    assert db.session.scalar(select(RoadmapEdit.payload))["effort_person_months"] == 1.5
