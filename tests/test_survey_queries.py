"""No N+1: a section page and an autosave run as many SQL statements whatever the section's size."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from roadmap.extensions import db
from roadmap.services.survey import answers, assessments, evidence, frameworks, steps
from tests.conftest import logged_in
from tests.test_survey import autosave, good_answer, live


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")


@contextmanager
def statements():
    executed: list[str] = []

    def count(connection, cursor, statement, parameters, context, executemany):
        executed.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield executed
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_section_page_and_autosave_use_a_fixed_number_of_statements(app, world):
    frameworks.import_file(frameworks.SHIPPED_FRAMEWORK, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    framework = assessments.framework_of(assessment)
    small, large = "GOV", "SEC"
    assert len(framework.questions_of(large)) >= 2 * len(framework.questions_of(small))
    # Both sections fully answered, each answer with a note and a file, so that every per-question
    # look-up (editor, evidence, files) would show up as extra statements in the larger one.
    for dimension in (small, large):
        for question in framework.questions_of(dimension):
            answer = answers.parse_answer(question, *good_answer(question))
            answers.save_answer(assessment, question, answer, 0, actor=world.respondent_a)
            evidence.save_text(
                assessment,
                question,
                evidence.EvidenceText("Quyết định số 1", "", None),
                actor=world.respondent_a,
            )
            upload = evidence.check_upload("a.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"))
            evidence.add_files(assessment, question, [upload], actor=world.respondent_a)
    browser = logged_in(app, world.respondent_a.email)
    for dimension in (small, large):  # warm caches (parsed framework, form classes) outside the count
        assert browser.get(f"/assessments/{assessment.id}/sections/{dimension}").status_code == 200
    browser.csrf()

    from roadmap.web import fragments

    counts = {}
    assessment_id = assessment.id  # read here, not within a count (the commit above expired the object)
    for dimension in (small, large):
        fragments.pages.clear()  # rendered, not taken from the page cache
        with statements() as executed:
            assert browser.get(f"/assessments/{assessment_id}/sections/{dimension}").status_code == 200
        counts[f"page {dimension}"] = len(executed)
        with statements() as executed:  # shown again, nothing changed: from the page cache
            assert browser.get(f"/assessments/{assessment_id}/sections/{dimension}").status_code == 200
        counts[f"kept page {dimension}"] = len(executed)
    for dimension in (small, large):
        question = framework.questions_of(dimension)[0]
        with statements() as executed:
            response = autosave(browser, assessment_id, question.code, state="dont_know", base_version=1)
            assert response.status_code == 200, response.get_json()
        counts[f"save {dimension}"] = len(executed)

    for dimension in (small, large):
        with statements() as executed:
            live(browser, assessment.id, dimension)
        counts[f"live {dimension}"] = len(executed)

    assert counts[f"page {small}"] == counts[f"page {large}"], counts
    # The user (with the unread count), the assessment with its office and cycle (and last year's roadmap's
    # tracking): nothing about the questions.
    assert counts[f"kept page {small}"] == counts[f"kept page {large}"] <= 2, counts
    assert counts[f"live {small}"] == counts[f"live {large}"], counts
    assert counts[f"live {small}"] <= 12, counts
    assert counts[f"save {small}"] == counts[f"save {large}"], counts
    assert counts[f"page {small}"] <= 20, counts
    # A save only stores: the user, the assessment, one compare-and-set update of the answer (at the
    # version the page showed) and the assessment's "last edited" (on PostgreSQL, one statement for both).
    assert counts[f"save {small}"] == (3 if db.engine.dialect.name == "postgresql" else 4), counts


def test_a_section_shown_again_reuses_the_markup_of_unchanged_questions_only(app, world):
    """The fragment cache: a reload renders no question again; a changed answer renders that question
    only, and the page shows the new answer (a changed input makes a new key, never a stale fragment)."""
    from roadmap.web import fragments

    frameworks.import_file(frameworks.SHIPPED_FRAMEWORK, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    framework = assessments.framework_of(assessment)
    questions = [q for q in framework.questions_of("SEC") if q.show_if is None]
    browser = logged_in(app, world.respondent_a.email)
    page = f"/assessments/{assessment.id}/sections/SEC"
    assert browser.get(page).status_code == 200

    before = fragments.questions.misses
    assert browser.get(page).status_code == 200
    assert fragments.questions.misses == before  # nothing rendered again

    question = questions[0]
    state, value = good_answer(question)
    assert autosave(browser, assessment.id, question.code, value, state=state).status_code == 200
    before = fragments.questions.misses
    html = browser.get(page).get_data(as_text=True)
    assert fragments.questions.misses == before + 1  # only the changed question
    assert world.respondent_a.full_name in html.split(f'id="q-{question.code}"')[1].split("</fieldset>")[0]


def test_a_kept_section_page_is_the_same_page_with_a_working_token_and_changes_show_at_once(app, world):
    """The page cache: a reload is served without rendering, its CSRF token works for the form without
    scripts, and any change to the survey (a colleague's answer, a consultant's comment) shows at once,
    because the database moves the assessment's revision."""
    import re

    from roadmap.models import Assessment, ReviewComment
    from roadmap.web import fragments

    frameworks.import_file(frameworks.SHIPPED_FRAMEWORK, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    framework = assessments.framework_of(assessment)
    question = next(q for q in framework.questions_of("SEC") if q.show_if is None)
    browser = logged_in(app, world.respondent_a.email)
    page = f"/assessments/{assessment.id}/sections/SEC"
    browser.get("/")  # the welcome message after logging in is shown once, on a page not kept
    fragments.pages.clear()
    first = browser.get(page).get_data(as_text=True)
    hits = fragments.pages.hits
    again = browser.get(page).get_data(as_text=True)
    assert fragments.pages.hits == hits + 1
    token = re.compile(r'name="csrf_token" type="hidden" value="[^"]+"|name="csrf_token" value="[^"]+"')
    assert token.sub("", first) == token.sub("", again)  # the same page but for the token's signature

    revision = db.session.get(Assessment, assessment.id).revision
    state, value = good_answer(question)
    colleague = logged_in(app, world.respondent_a.email)
    assert autosave(colleague, assessment.id, question.code, value, state=state).status_code == 200
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).revision > revision
    changed = browser.get(page).get_data(as_text=True)
    block = changed.split(f'id="q-{question.code}"')[1].split("</fieldset>")[0]
    assert world.respondent_a.full_name in block  # last edited by: the new answer is there

    db.session.add(
        ReviewComment(assessment_id=assessment.id, question_code=question.code, body="Bổ sung căn cứ")
    )
    db.session.commit()
    assert db.session.get(Assessment, assessment.id).revision > revision + 1

    # The token of a kept page posts the form without scripts.
    kept = browser.get(page).get_data(as_text=True)
    posted_token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', kept).group(
        1
    )
    response = browser.client.post(page, data={"csrf_token": posted_token, "action": "save"})
    assert response.status_code in (200, 302)


def test_the_results_page_is_kept_until_its_survey_or_its_peers_change(app, world):
    """The overview (results) page is kept like a section page; the peers' figures are part of its key."""
    from roadmap.models import Assessment
    from roadmap.services.review import portfolio
    from roadmap.web import fragments

    frameworks.import_file(frameworks.SHIPPED_FRAMEWORK, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    browser = logged_in(app, world.respondent_a.email)
    page = f"/assessments/{assessment.id}"
    browser.get("/")
    fragments.pages.clear()
    assert browser.get(page).status_code == 200
    hits = fragments.pages.hits
    assert browser.get(page).status_code == 200
    assert fragments.pages.hits == hits + 1  # kept

    peers = portfolio.peer_version(world.cycle)
    other = steps.start(world.office_b, world.cycle, actor=world.respondent_b)
    other = db.session.get(Assessment, other.id)
    other.status = "approved"
    other.status_version += 1
    db.session.commit()
    assert portfolio.peer_version(world.cycle) != peers  # another office's approval moves the peers
    before = fragments.pages.misses
    assert browser.get(page).status_code == 200
    assert fragments.pages.misses == before + 1  # rendered again

    framework = assessments.framework_of(assessment)
    question = next(q for q in framework.questions if q.show_if is None)
    state, value = good_answer(question)
    assert autosave(browser, assessment.id, question.code, value, state=state).status_code == 200
    before = fragments.pages.misses
    html = browser.get(page).get_data(as_text=True)
    assert fragments.pages.misses == before + 1  # the answer moved the revision
    assert "result-heading" in html


def _unread_shown(page: bytes) -> int | None:
    """The count beside "Notifications" in the page's navigation (None when there is none)."""
    found = re.search(rb'<span class="nav-count">(\d+)<span class="visually-hidden">', page)
    return int(found.group(1)) if found else None


def test_the_navigation_counts_unread_notifications_on_pages_kept_or_not(app, world):
    """The count is read with the user (one statement): a kept section page shows a new count at once, and a
    notification followed is one less on the next page."""
    from roadmap.services.platform import notifications

    frameworks.import_file(frameworks.SHIPPED_FRAMEWORK, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    db.session.commit()
    section = f"/assessments/{assessment.id}/sections/GOV"
    browser = logged_in(app, world.respondent_a.email)
    assert _unread_shown(browser.get(section).data) is None
    assert _unread_shown(browser.get(section).data) is None  # kept
    sent = [
        notifications.about_assessment(
            assessment, notifications.ASSESSMENT_SUBMITTED, [world.respondent_a.id]
        )[0]
        for _ in range(2)
    ]
    db.session.commit()
    assert _unread_shown(browser.get(section).data) == 2
    assert _unread_shown(browser.get("/").data) == 2
    assert browser.get(f"/notifications/{sent[0].id}").status_code == 302  # followed: read
    assert _unread_shown(browser.get(section).data) == 1
    assert _unread_shown(browser.get(f"/assessments/{assessment.id}").data) == 1
    # Someone else's count is their own.
    consultant = logged_in(app, world.consultant.email)
    assert _unread_shown(consultant.get("/").data) is None


def test_each_change_of_an_answer_moves_the_revision_once(app, world):
    """The revision sums up what the survey shows: it moves with every change, and by one (on PostgreSQL an
    update bumped it for the old row and for the new one, two writes of the assessment row per save)."""
    from roadmap.models import Assessment

    frameworks.import_file(frameworks.SHIPPED_FRAMEWORK, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    db.session.commit()
    question = next(q for q in assessments.framework_of(assessment).questions if q.show_if is None)
    state, value = good_answer(question)
    browser = logged_in(app, world.respondent_a.email)

    def revision() -> int:
        db.session.expire_all()
        return db.session.get(Assessment, assessment.id).revision

    start = revision()
    first = autosave(browser, assessment.id, question.code, value, state=state)
    assert first.status_code == 200
    assert revision() == start + 1
    changed = autosave(browser, assessment.id, question.code, state="dont_know", base_version=1)
    assert changed.status_code == 200, changed.get_json()
    assert revision() == start + 2
    cleared = autosave(browser, assessment.id, question.code, None, state=None, base_version=2)
    assert cleared.status_code == 200, cleared.get_json()
    assert revision() == start + 3
