"""Survey filling through the test client: sections, show_if, autosave, conflicts, CSRF and session recovery,
submit (idempotent, also under parallel submits), return and resubmit, and other offices kept out."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from roadmap.engine.framework import Question, QuestionType
from roadmap.extensions import db
from roadmap.models import (
    AnswerRecord,
    Assessment,
    AssessmentStatus,
    AuditEvent,
    Notification,
    ReviewComment,
    ScoreSnapshot,
    User,
)
from roadmap.services.directory.accounts import hash_password
from roadmap.services.survey import answers, assessments, frameworks, lifecycle, results, steps
from tests.conftest import PASSWORD, Browser, isolated, logged_in

SMALL = Path(__file__).resolve().parent / "fixtures" / "frameworks" / "small.yaml"


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


# --- helpers -----------------------------------------------------------------------------------------


def small_assessment(world, office=None, respondent=None) -> Assessment:
    frameworks.import_file(SMALL, actor=None)
    return steps.start(office or world.office_a, world.cycle, actor=respondent or world.respondent_a)


def autosave(
    browser: Browser,
    assessment_id: int,
    question: str,
    value: Any = None,
    *,
    state: str | None = "answered",
    base_version: int = 0,
    token: str | None = None,
) -> Any:
    """What the page's script sends for one change."""
    return isolated(
        browser.client.post,
        f"/assessments/{assessment_id}/answers",
        json={"question": question, "state": state, "value": value, "base_version": base_version},
        headers={"X-CSRFToken": token or browser.csrf(), "Accept": "application/json"},
    )


def live(browser: Browser, assessment_id: int, section: str | None = None) -> Any:
    """What the page asks for once its saves are sent: the live result."""
    query = f"?section={section}" if section else ""
    response = isolated(
        browser.client.get,
        f"/assessments/{assessment_id}/live{query}",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def fresh_token(browser: Browser) -> Any:
    return isolated(browser.client.get, "/session/token", headers={"Accept": "application/json"})


def good_answer(question: Question) -> tuple[str, Any]:
    """A valid answer that opens the follow-up questions (highest option, yes, a number above zero)."""
    if question.type in (QuestionType.SINGLE_CHOICE, QuestionType.SCALE):
        return "answered", question.options[-1].code
    if question.type is QuestionType.MULTI_CHOICE:
        return "answered", [option.code for option in question.options if not option.exclusive]
    if question.type is QuestionType.YES_NO:
        return "answered", "yes"
    if question.type is QuestionType.PERCENT:
        return "answered", "100"
    if question.type is QuestionType.NUMBER:
        low = question.min_value if question.min_value is not None else 0
        high = question.max_value if question.max_value is not None else low + 10
        return "answered", str(min(max(low, 1), high)).replace(".", ",")
    return "answered", "Đơn vị đã có kế hoạch chi tiết."


def record(assessment_id: int, code: str) -> AnswerRecord | None:
    return db.session.scalar(
        select(AnswerRecord).where(
            AnswerRecord.assessment_id == assessment_id, AnswerRecord.question_code == code
        )
    )


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def fieldset_of(html: str, code: str) -> str:
    match = re.search(rf'<fieldset id="q-{re.escape(code)}".*?</fieldset>', html, flags=re.S)
    assert match, code
    return match.group(0)


def page_versions(html: str) -> dict[str, str]:
    """The answer versions a section page carries (what its form posts back)."""
    return dict(re.findall(r'<input[^>]*name="([A-Z0-9-]+-version)"[^>]*value="(\d*)"', html))


def second_respondent(world) -> User:
    colleague = User(
        email="colleague.a@example.vn",
        full_name="Colleague A",
        role="respondent",
        office_id=world.office_a.id,
        password_hash=hash_password(PASSWORD),
    )
    db.session.add(colleague)
    db.session.commit()
    return colleague


def fill_small(assessment: Assessment, actor: User) -> None:
    """Every visible required question of the small framework answered, through the service."""
    framework = assessments.framework_of(assessment)
    for question in framework.questions:
        if question.show_if is not None:
            continue
        state, value = good_answer(question)
        answers.save_answer(
            assessment, question, answers.parse_answer(question, state, value), 0, actor=actor
        )
    question = framework.question("CY-04")  # shown, since CY-03 is yes
    answers.save_answer(assessment, question, answers.parse_answer(question, "answered", "c"), 0, actor=actor)


# --- the respondent's home -----------------------------------------------------------------------------


def test_respondent_starts_the_assessment_of_the_open_cycle_once(app, world):
    frameworks.import_file(SMALL, actor=None)
    browser = logged_in(app, world.respondent_a.email)
    page = browser.get(f"/offices/{world.office_a.id}/assessments").get_data(as_text=True)
    assert f'action="/cycles/{world.cycle.id}/assessment"' in page
    started = browser.post(f"/cycles/{world.cycle.id}/assessment")
    assert started.status_code == 302
    assessment = db.session.scalar(select(Assessment).where(Assessment.office_id == world.office_a.id))
    assert started.headers["Location"].endswith(f"/assessments/{assessment.id}")

    again = browser.post(f"/cycles/{world.cycle.id}/assessment", follow_redirects=True)
    assert "đã có bản đánh giá cho kỳ 2026" in again.get_data(as_text=True)
    assert count(Assessment) == 1
    listing = browser.get(f"/offices/{world.office_a.id}/assessments").get_data(as_text=True)
    assert "Bản nháp" in listing  # the status
    assert "31 thg 12, 2026" in listing or "31/12/2026" in listing  # the deadline, formatted for Vietnamese
    assert "0/10" in listing  # progress
    assert f'action="/cycles/{world.cycle.id}/assessment"' not in listing


def test_home_links_a_respondent_to_the_office_assessments(app, world):
    browser = logged_in(app, world.respondent_a.email)
    assert f'href="/offices/{world.office_a.id}/assessments"' in browser.get("/").get_data(as_text=True)


# --- filling every section -----------------------------------------------------------------------------


def test_a_respondent_fills_every_section_of_the_shipped_framework_and_submits(app, world):
    frameworks.import_file(frameworks.SHIPPED_FRAMEWORK, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    framework = assessments.framework_of(assessment)
    browser = logged_in(app, world.respondent_a.email)
    hidden: set[str] = set()
    answered = 0
    for dimension in framework.dimensions:
        page = browser.get(f"/assessments/{assessment.id}/sections/{dimension.code}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        for question in framework.questions_of(dimension.code):
            assert f'id="q-{question.code}"' in html
            if question.code in hidden:
                continue
            state, value = good_answer(question)
            response = autosave(browser, assessment.id, question.code, value, state=state)
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            assert body["status"] == "saved"
            assert body["version"] == 1
            hidden = set(live(browser, assessment.id, dimension.code)["hidden"])
            answered += 1
    assert answered == len(framework.questions) - len(hidden)
    scored = results.live_score(db.session.get(Assessment, assessment.id))
    assert results.missing_answers(scored.framework, scored.result, scored.records) == []
    page = browser.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
    version = re.search(r'name="status_version" type="hidden" value="(\d+)"', page).group(1)
    submitted = browser.post(f"/assessments/{assessment.id}/submit", {"status_version": version})
    assert submitted.status_code == 302
    assert db.session.get(Assessment, assessment.id).status == AssessmentStatus.SUBMITTED.value


def test_show_if_questions_appear_and_disappear_and_a_hidden_answer_is_kept_but_not_counted(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    page = browser.get(f"/assessments/{assessment.id}/sections/CYBR").get_data(as_text=True)
    follow_up = fieldset_of(page, "CY-04")
    assert " hidden>" in follow_up.split("\n")[0]  # hidden until CY-03 is yes
    assert '"q": "CY-03"' in follow_up  # its condition, for the page's script

    assert autosave(browser, assessment.id, "CY-03", "yes").status_code == 200
    shown = live(browser, assessment.id, "CYBR")
    assert "CY-04" not in shown["hidden"]
    assert (
        " hidden>"
        not in fieldset_of(
            browser.get(f"/assessments/{assessment.id}/sections/CYBR").get_data(as_text=True), "CY-04"
        ).split("\n")[0]
    )
    assert autosave(browser, assessment.id, "CY-04", "c").status_code == 200
    required_with_follow_up = shown["progress"]["sections"]["CYBR"]["required"]

    assert autosave(browser, assessment.id, "CY-03", "no", base_version=1).status_code == 200
    hidden = live(browser, assessment.id, "CYBR")
    assert "CY-04" in hidden["hidden"]
    assert hidden["progress"]["sections"]["CYBR"]["required"] == required_with_follow_up - 1
    assert record(assessment.id, "CY-04").value == "c"  # kept …
    scored = results.live_score(db.session.get(Assessment, assessment.id))
    assert scored.result.question("CY-04").counted is False  # … but not counted
    assert "CY-04" not in results.missing_answers(scored.framework, scored.result, scored.records)

    # Shown again, the kept answer is back.
    assert autosave(browser, assessment.id, "CY-03", "yes", base_version=2).status_code == 200
    again = live(browser, assessment.id, "CYBR")
    assert "CY-04" not in again["hidden"]
    assert results.live_score(db.session.get(Assessment, assessment.id)).result.question("CY-04").counted


# --- autosave ------------------------------------------------------------------------------------------


def test_autosave_answers_with_the_version_the_time_and_the_live_result_follows(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    before = live(browser, assessment.id, "NETW")
    body = autosave(browser, assessment.id, "NW-01", "b").get_json()
    assert body["status"] == "saved"
    assert body["version"] == 1
    assert re.fullmatch(r"\d{1,2}:\d{2}", body["saved_at"])
    assert body["message"].startswith("Đã lưu lúc")
    assert body["edited_by"] == world.respondent_a.full_name
    # The save only stores; the live result the page asks for next includes it.
    assert "result" not in body
    assert "panel_html" not in body
    after = live(browser, assessment.id, "NETW")
    assert {d["code"] for d in after["result"]["dimensions"]} == {"NETW", "CYBR", "PEOP"}
    assert after["result"]["index"] > before["result"]["index"]
    assert "level" in after["result"]
    assert 'id="result-heading"' in after["panel_html"]
    assert after["progress"]["answered"] == before["progress"]["answered"] + 1
    page = browser.get(f"/assessments/{assessment.id}/sections/NETW").get_data(as_text=True)
    assert f"{world.respondent_a.full_name}" in fieldset_of(page, "NW-01")  # last edited by


def test_a_retried_save_is_idempotent(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    first = autosave(browser, assessment.id, "NW-02", "12").get_json()
    retry = autosave(browser, assessment.id, "NW-02", "12").get_json()  # the same request again
    assert (first["status"], retry["status"]) == ("saved", "unchanged")
    assert first["version"] == retry["version"] == 1
    assert count(AnswerRecord, AnswerRecord.assessment_id == assessment.id) == 1


def test_clearing_an_answer_needs_the_current_version(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    autosave(browser, assessment.id, "PP-03", "Ghi chú")
    assert autosave(browser, assessment.id, "PP-03", state=None, base_version=0).status_code == 409
    cleared = autosave(browser, assessment.id, "PP-03", state=None, base_version=1)
    assert cleared.get_json()["status"] == "cleared"
    assert record(assessment.id, "PP-03") is None


def test_autosave_conflicts_between_two_users_are_detected_and_resolved_by_choice(app, world):
    assessment = small_assessment(world)
    colleague = second_respondent(world)
    first = logged_in(app, world.respondent_a.email)
    second = logged_in(app, colleague.email)
    # Both opened the page when NW-01 had no answer (version 0).
    assert autosave(first, assessment.id, "NW-01", "c", base_version=0).status_code == 200
    conflict = autosave(second, assessment.id, "NW-01", "a", base_version=0)
    assert conflict.status_code == 409
    body = conflict.get_json()
    assert body["status"] == "conflict"
    assert body["theirs"]["value"] == "c"
    assert body["theirs"]["version"] == 1
    assert body["theirs"]["by"] == world.respondent_a.full_name
    assert body["theirs"]["mine"] is False
    assert body["theirs"]["text"] == "Tất cả các đơn vị đã kết nối"
    assert body["mine"]["text"] == "Chưa kết nối"
    assert record(assessment.id, "NW-01").value == "c"  # nothing overwritten

    # Two people giving the same answer do not conflict.
    assert autosave(second, assessment.id, "NW-01", "c", base_version=0).get_json()["status"] == "unchanged"
    # "Keep mine": the second user saves again on the version they have now seen.
    kept = autosave(second, assessment.id, "NW-01", "a", base_version=1)
    assert kept.status_code == 200
    assert kept.get_json()["version"] == 2
    # The first user's page is now stale in turn.
    stale = autosave(first, assessment.id, "NW-01", "b", base_version=1)
    assert stale.status_code == 409
    assert stale.get_json()["theirs"]["by"] == colleague.full_name
    assert record(assessment.id, "NW-01").value == "a"


def test_a_stale_csrf_token_is_recovered_without_losing_the_change(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    refused = autosave(browser, assessment.id, "NW-04", "yes", token="stale-token")
    assert refused.status_code == 400
    assert refused.get_json()["status"] == "csrf"  # what the script recognises: keep the change, get a token
    assert record(assessment.id, "NW-04") is None
    token = fresh_token(browser).get_json()["token"]
    saved = autosave(browser, assessment.id, "NW-04", "yes", token=token)
    assert saved.status_code == 200
    assert saved.get_json()["status"] == "saved"
    assert record(assessment.id, "NW-04").value is True


def test_logging_in_again_elsewhere_invalidates_the_page_token_and_the_change_still_saves(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    old_token = browser.csrf()
    # A new session, as after the session ended and the user logged in again in another tab.
    browser.logout()
    assert browser.login(world.respondent_a.email, PASSWORD).status_code == 302
    assert autosave(browser, assessment.id, "NW-04", "no", token=old_token).get_json()["status"] == "csrf"
    token = fresh_token(browser).get_json()["token"]
    assert autosave(browser, assessment.id, "NW-04", "no", token=token).get_json()["status"] == "saved"


def test_an_ended_session_answers_401_and_the_kept_change_saves_after_logging_in(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    token = browser.csrf()
    browser.client.delete_cookie("roadmap_session")
    ended = autosave(browser, assessment.id, "NW-02", "3", token=token)
    assert ended.status_code == 401
    assert ended.get_json()["status"] == "login_required"
    assert fresh_token(browser).status_code == 401
    assert record(assessment.id, "NW-02") is None
    browser.login(world.respondent_a.email, PASSWORD)
    token = fresh_token(browser).get_json()["token"]
    assert autosave(browser, assessment.id, "NW-02", "3", token=token).get_json()["status"] == "saved"


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "value", "words"),
    [
        ("ZZ-99", "a", "ZZ-99"),  # a forged question code
        ("NW-01", "z", "NW-01"),  # an option not in the list
        ("NW-03", "150", "0 đến 100"),  # 150 %
        ("NW-02", "nhiều", "NW-02"),  # not a number
        ("CY-02", ["mfa", "none"], "CY-02"),  # "none of these" with others
        ("PP-03", "x" * 100_000, "5000"),  # a pasted book
    ],
)
def test_bad_answers_are_refused_with_a_localised_message_and_nothing_changes(
    app, world, question, value, words
):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    autosave(browser, assessment.id, "NW-04", "yes")
    before = db.session.execute(
        select(AnswerRecord.question_code, AnswerRecord.value, AnswerRecord.version)
    ).all()
    response = autosave(browser, assessment.id, question, value)
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == "invalid"
    assert words in body["message"]
    assert "question" not in body["message"].lower().split()  # Vietnamese, not the English source
    assert (
        db.session.execute(select(AnswerRecord.question_code, AnswerRecord.value, AnswerRecord.version)).all()
        == before
    )


def test_a_request_that_is_not_json_is_refused(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    response = isolated(
        browser.client.post,
        f"/assessments/{assessment.id}/answers",
        data="question=NW-01",
        headers={"X-CSRFToken": browser.csrf(), "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["status"] == "invalid"


# --- the form without JavaScript -----------------------------------------------------------------------


def section_post(browser: Browser, assessment_id: int, dimension: str, values: dict[str, Any]) -> Any:
    page = browser.get(f"/assessments/{assessment_id}/sections/{dimension}").get_data(as_text=True)
    data = page_versions(page)
    data.update(values)
    return browser.post(f"/assessments/{assessment_id}/sections/{dimension}", data)


def test_without_javascript_a_section_saves_as_a_form(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    values = {"NW-01-value": "b", "NW-02-value": "12,5", "NW-03-value": "80", "NW-04-value": "yes"}
    response = section_post(browser, assessment.id, "NETW", values)
    assert response.status_code == 302
    assert record(assessment.id, "NW-02").value == 12.5
    assert record(assessment.id, "NW-04").value is True
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã lưu lúc" in page


def test_without_javascript_errors_come_back_beside_the_fields_with_the_typed_values_and_nothing_is_stored(
    app, world
):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    response = section_post(
        browser, assessment.id, "NETW", {"NW-01-value": "b", "NW-02-value": "abc", "NW-03-value": "150"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    field = fieldset_of(html, "NW-03")
    assert 'value="150"' in field  # what was typed is kept
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="NW-03-error"' in field
    assert re.search(r'id="NW-03-error"[^>]*>[^<]*0 đến 100', field)
    assert 'value="abc"' in fieldset_of(html, "NW-02")
    assert count(AnswerRecord, AnswerRecord.assessment_id == assessment.id) == 0


def test_without_javascript_a_colleagues_newer_answer_is_a_conflict_not_overwritten(app, world):
    assessment = small_assessment(world)
    colleague = second_respondent(world)
    browser = logged_in(app, world.respondent_a.email)
    page = browser.get(f"/assessments/{assessment.id}/sections/NETW").get_data(as_text=True)
    versions = page_versions(page)
    other = logged_in(app, colleague.email)
    autosave(other, assessment.id, "NW-01", "c")
    response = browser.post(
        f"/assessments/{assessment.id}/sections/NETW", {**versions, "NW-01-value": "a", "NW-04-value": "no"}
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert colleague.full_name in fieldset_of(html, "NW-01")
    assert record(assessment.id, "NW-01").value == "c"
    assert record(assessment.id, "NW-04").value is False  # the rest was saved
    # Saving again keeps the user's answer knowingly (the page now carries the colleague's version).
    versions = page_versions(html)
    assert versions["NW-01-version"] == "1"
    assert versions["NW-04-version"] == "1"
    again = browser.post(
        f"/assessments/{assessment.id}/sections/NETW", {**versions, "NW-01-value": "a", "NW-04-value": "no"}
    )
    assert again.status_code == 302
    assert record(assessment.id, "NW-01").value == "a"


# --- carry forward ---------------------------------------------------------------------------------------


def test_carried_forward_answers_wait_for_confirmation(app, world):
    import datetime as dt

    from roadmap.models import Cycle

    frameworks.import_file(SMALL, actor=None)
    previous_cycle = Cycle(
        code="2025",
        name_vi="Kỳ 2025",
        name_en="2025",
        opens_on=dt.date(2025, 1, 1),
        closes_on=dt.date(2025, 12, 31),
    )
    db.session.add(previous_cycle)
    db.session.commit()
    previous = steps.start(world.office_a, previous_cycle, actor=world.respondent_a)
    fill_small(previous, world.respondent_a)
    previous.status = AssessmentStatus.APPROVED.value
    db.session.commit()

    browser = logged_in(app, world.respondent_a.email)
    assert "carry_forward" in browser.get(f"/offices/{world.office_a.id}/assessments").get_data(as_text=True)
    browser.post(f"/cycles/{world.cycle.id}/assessment", {"carry_forward": "y"})
    current = db.session.scalar(select(Assessment).where(Assessment.cycle_id == world.cycle.id))
    assert record(current.id, "NW-01").to_confirm is True
    page = browser.get(f"/assessments/{current.id}/sections/NETW").get_data(as_text=True)
    assert 'data-to-confirm-for="NW-01"' in page
    scored = results.live_score(current)
    assert "NW-01" in results.missing_answers(scored.framework, scored.result, scored.records)

    # Saving the section form does not confirm silently; ticking "I confirm" does.
    section_post(browser, current.id, "NETW", {"NW-01-value": "c"})
    assert record(current.id, "NW-01").to_confirm is True
    section_post(browser, current.id, "NETW", {"NW-01-value": "c", "NW-01-confirmed": "y"})
    assert record(current.id, "NW-01").to_confirm is False
    # The script confirms by sending the same answer again.
    confirmed = autosave(browser, current.id, "NW-02", "1", base_version=1).get_json()
    assert confirmed["status"] == "saved"
    assert confirmed["to_confirm"] is False


# --- submit ----------------------------------------------------------------------------------------------


def test_submission_is_refused_until_complete_with_links_to_what_is_missing(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    autosave(browser, assessment.id, "NW-01", "c")
    page = browser.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
    assert f'href="/assessments/{assessment.id}/sections/NETW#q-NW-02"' in page
    assert f'href="/assessments/{assessment.id}/sections/PEOP#q-PP-01"' in page
    # The review lists what is missing (NW-01 is answered; that it lacks evidence is another part).
    missing = re.search(r'data-check="missing".*?</section>', page, re.S).group(0)
    assert "NW-01" not in re.findall(r"#q-([A-Z0-9-]+)", missing)
    refused = browser.post(f"/assessments/{assessment.id}/submit", {"status_version": "1"})
    assert refused.status_code == 409
    assert "#q-NW-02" in refused.get_data(as_text=True)
    assert db.session.get(Assessment, assessment.id).status == AssessmentStatus.DRAFT.value


def test_submit_is_idempotent_under_ten_parallel_submits(app, world):
    assessment = small_assessment(world)
    fill_small(assessment, world.respondent_a)
    assessment_id, version, consultant_id = assessment.id, assessment.status_version, world.consultant.id
    browsers = [logged_in(app, world.respondent_a.email) for _ in range(10)]
    tokens = [browser.csrf() for browser in browsers]
    db.session.remove()  # the test's own connection stays out of the way
    start = threading.Barrier(len(browsers))

    def submit(index: int) -> int:
        start.wait()
        response = browsers[index].client.post(
            f"/assessments/{assessment_id}/submit",
            data={"csrf_token": tokens[index], "status_version": str(version)},
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
        statuses = list(pool.map(submit, range(len(browsers))))
    assert statuses == [302] * len(browsers)
    submitted = db.session.get(Assessment, assessment_id)
    assert submitted.status == AssessmentStatus.SUBMITTED.value
    assert submitted.status_version == version + 1
    assert count(ScoreSnapshot, ScoreSnapshot.assessment_id == assessment_id) == 1
    assert count(AuditEvent, AuditEvent.action == "assessment.submitted") == 1
    assert count(Notification, Notification.user_id == consultant_id) == 1


def test_a_replayed_submit_changes_nothing_and_the_assessment_becomes_read_only(app, world):
    assessment = small_assessment(world)
    fill_small(assessment, world.respondent_a)
    browser = logged_in(app, world.respondent_a.email)
    form = {"status_version": str(assessment.status_version)}
    assert browser.post(f"/assessments/{assessment.id}/submit", form).status_code == 302
    replay = browser.post(f"/assessments/{assessment.id}/submit", form, follow_redirects=True)
    assert "Đã gửi bản đánh giá" in replay.get_data(as_text=True)  # the submitter's own, confirmed again
    assert count(ScoreSnapshot) == 1
    locked = autosave(browser, assessment.id, "NW-01", "a", base_version=1)
    assert locked.status_code == 409
    assert locked.get_json()["status"] == "locked"
    note = isolated(
        browser.client.post,
        f"/assessments/{assessment.id}/evidence",
        json={"question": "NW-01", "note": "thêm"},
        headers={"X-CSRFToken": browser.csrf(), "Accept": "application/json"},
    )
    assert note.status_code == 409
    page = browser.get(f"/assessments/{assessment.id}/sections/NETW").get_data(as_text=True)
    assert 'data-editable="0"' in page
    assert "disabled" in fieldset_of(page, "NW-01")
    assert 'name="action"' not in page  # no Save button


def test_submitting_notifies_the_assigned_consultants_in_their_language(app, world):
    assessment = small_assessment(world)
    fill_small(assessment, world.respondent_a)
    browser = logged_in(app, world.respondent_a.email)
    browser.post(f"/assessments/{assessment.id}/submit", {"status_version": str(assessment.status_version)})
    consultant = logged_in(app, world.consultant.email)
    home = consultant.get("/").get_data(as_text=True)
    assert re.search(r'class="nav-count">1<', home)
    page = consultant.get("/notifications").get_data(as_text=True)
    assert "Văn phòng A đã gửi bản đánh giá kỳ 2026" in page
    # The link goes through the notification (which it marks read) to the assessment.
    [link] = re.findall(r'href="(/notifications/\d+)"', page)
    followed = consultant.get(link)
    assert followed.headers["Location"].endswith(f"/assessments/{assessment.id}")
    assert consultant.get(f"/assessments/{assessment.id}").status_code == 200
    consultant.post("/notifications/read")
    assert 'class="nav-count"' not in consultant.get("/").get_data(as_text=True)
    # The admin is not assigned to the office: nothing for them.
    assert count(Notification, Notification.user_id == world.admin.id) == 0


def test_a_returned_assessment_shows_the_comments_at_their_questions_and_can_be_resubmitted(app, world):
    assessment = small_assessment(world)
    fill_small(assessment, world.respondent_a)
    browser = logged_in(app, world.respondent_a.email)
    browser.post(f"/assessments/{assessment.id}/submit", {"status_version": str(assessment.status_version)})
    # The consultant's side (issue 7) through the lifecycle.
    reviewed = db.session.get(Assessment, assessment.id)
    consultant = db.session.get(User, world.consultant.id)
    lifecycle.transition(reviewed, AssessmentStatus.IN_REVIEW, actor=consultant)
    lifecycle.transition(reviewed, AssessmentStatus.RETURNED, actor=consultant, comment="Xem lại NW-01")
    db.session.add(
        ReviewComment(
            assessment_id=reviewed.id,
            question_code="NW-01",
            body="Cần quyết định kết nối kèm theo.",
            author_id=consultant.id,
        )
    )
    db.session.commit()

    page = browser.get(f"/assessments/{assessment.id}/sections/NETW").get_data(as_text=True)
    assert "Cần quyết định kết nối kèm theo." in fieldset_of(page, "NW-01")
    assert 'data-editable="1"' in page
    version = record(assessment.id, "NW-01").version
    changed = autosave(browser, assessment.id, "NW-01", "b", base_version=version)
    assert changed.status_code == 200
    assert changed.get_json()["assessment_status"] == "draft"
    status_version = db.session.get(Assessment, assessment.id).status_version
    assert (
        browser.post(
            f"/assessments/{assessment.id}/submit", {"status_version": str(status_version)}
        ).status_code
        == 302
    )
    resubmitted = db.session.get(Assessment, assessment.id)
    assert resubmitted.status == AssessmentStatus.SUBMITTED.value
    assert count(ScoreSnapshot, ScoreSnapshot.assessment_id == assessment.id) == 2
    assert count(AuditEvent, AuditEvent.action == "assessment.submitted") == 2


# --- other offices -------------------------------------------------------------------------------------


def test_one_offices_user_can_neither_read_nor_write_another_offices_assessment(app, world):
    import io

    from roadmap.services.survey import evidence

    assessment = small_assessment(world)
    framework = assessments.framework_of(assessment)
    [file] = evidence.add_files(
        assessment,
        framework.question("NW-01"),
        [evidence.check_upload("plan.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"))],
        actor=world.respondent_a,
    )
    autosave(logged_in(app, world.respondent_a.email), assessment.id, "NW-01", "c")
    before = db.session.execute(
        select(AnswerRecord.question_code, AnswerRecord.value, AnswerRecord.version)
    ).all()
    outsider = logged_in(app, world.respondent_b.email)
    base = f"/assessments/{assessment.id}"
    for url in (base, f"{base}/sections/NETW", f"{base}/submit", f"{base}/files/{file.id}"):
        assert outsider.get(url).status_code == 404, url
    assert autosave(outsider, assessment.id, "NW-01", "a", base_version=1).status_code == 404
    evidence_post = isolated(
        outsider.client.post,
        f"{base}/evidence",
        json={"question": "NW-01", "note": "x"},
        headers={"X-CSRFToken": outsider.csrf(), "Accept": "application/json"},
    )
    assert evidence_post.status_code == 404
    for url, data in (
        (f"{base}/sections/NETW", {"NW-01-version": "1", "NW-01-value": "a"}),
        (f"{base}/files/delete", {"file_id": str(file.id)}),
        (f"{base}/files", {"question": "NW-01"}),
        (f"{base}/submit", {"status_version": "1"}),
    ):
        assert outsider.post(url, data).status_code == 404, url
    assert (
        db.session.execute(select(AnswerRecord.question_code, AnswerRecord.value, AnswerRecord.version)).all()
        == before
    )
    assert count(evidence.EvidenceFile) == 1


def test_a_sections_guidance_alone_is_the_same_as_in_the_full_result(app, world):
    assessment = small_assessment(world)
    framework = assessments.framework_of(assessment)
    for code, value in (("NW-01", "b"), ("NW-04", "no"), ("CY-03", "no"), ("PP-01", "20")):
        question = framework.question(code)
        answer = answers.parse_answer(question, "answered", value)
        answers.save_answer(assessment, question, answer, 0, actor=world.respondent_a)
    full = results.live_score(assessment).result
    for dimension in framework.dimensions:
        one = results.live_score(assessment, guidance_for=dimension.code).result
        expected = full.guidance_for(dimension.code)
        assert one.guidance == ((expected,) if expected is not None else ())
        assert (one.index, one.dimensions) == (full.index, full.dimensions)
