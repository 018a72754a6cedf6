"""The survey pages read right for the office (issue 23): lettered options, exclusive options marked for the
script that clears the others, coverage beside each dimension's level, the save status in a bar of its own,
a skip link to the first unanswered question, an announced result, one date form per language."""

from __future__ import annotations

import re

from roadmap.extensions import db
from roadmap.models import User
from tests.conftest import logged_in
from tests.test_assessment_service import save
from tests.test_survey import small_assessment


def _section(app, world, assessment, dimension="NETW") -> str:
    browser = logged_in(app, world.respondent_a.email)
    response = browser.get(f"/assessments/{assessment.id}/sections/{dimension}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _fieldset(page: str, code: str) -> str:
    return re.search(rf'<fieldset id="q-{code}".*?</fieldset>', page, re.S).group(0)


def test_options_coded_by_letter_show_their_letter_and_others_do_not(app, world):
    assessment = small_assessment(world)
    page = _section(app, world, assessment)
    labels = re.findall(r'<label for="NW-01-value-\d">(.*?)</label>', _fieldset(page, "NW-01"), re.S)
    assert [re.search(r'option-letter">(\w)\.', label).group(1) for label in labels] == ["a", "b", "c"]
    assert "option-letter" not in _fieldset(page, "NW-04")  # yes / no


def test_an_exclusive_option_is_marked_for_the_script_that_clears_the_others(app, world):
    assessment = small_assessment(world)
    page = _section(app, world, assessment, "CYBR")
    boxes = re.findall(
        r'<input type="checkbox"[^>]*value="(\w+)"[^>]*data-answer="CY-02"', _fieldset(page, "CY-02")
    )
    marked = re.findall(
        r'<input type="checkbox"[^>]*value="(\w+)"[^>]*data-exclusive', _fieldset(page, "CY-02")
    )
    assert boxes == ["mfa", "backup", "edr", "none"]
    assert marked == ["none"]
    assert '<script src="/static/js/exclusive.js" defer></script>' in page
    # Loaded before the survey's script, whose change handler saves what the boxes show.
    assert page.index("js/exclusive.js") < page.index("js/survey.js")


def test_each_dimensions_level_shows_how_much_of_it_is_answered(app, world):
    assessment = small_assessment(world)
    save(assessment, world.respondent_a, "NW-01", value="c")
    db.session.commit()
    page = _section(app, world, assessment)
    coverage = re.search(r'data-coverage="NETW">\((\d+)/(\d+)\)', page)
    assert coverage
    assert coverage.group(1) == "1"
    assert int(coverage.group(2)) > 1


def test_the_section_page_skips_to_the_first_unanswered_question_and_announces_the_result(app, world):
    assessment = small_assessment(world)
    save(assessment, world.respondent_a, "NW-01", value="c")
    db.session.commit()
    page = _section(app, world, assessment)
    links = re.findall(r'<a class="skip-link" href="([^"]+)">([^<]+)</a>', page)
    assert links[1] == ("#q-NW-02", "Đến câu hỏi đầu tiên chưa trả lời")
    assert re.search(r'<aside class="result-panel"[^>]*aria-live="polite"', page)
    # The save status has a bar of its own (kept in view by the style sheet), outside the heading.
    bar = re.search(r'<div class="save-bar">.*?</div>', page, re.S).group(0)
    assert "data-save-state" in bar
    assert "data-save-state" not in re.search(r'<div class="survey-head">.*?</div>', page, re.S).group(0)


def test_dates_and_times_have_one_form_per_language(app, world):
    assessment = small_assessment(world)
    save(assessment, world.respondent_a, "NW-01", value="c")
    db.session.commit()
    browser = logged_in(app, world.respondent_a.email)
    page = browser.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", page)
    assert "31/12/2026" in text  # the deadline
    assert re.search(r"\d{2}:\d{2} \d{2}/\d{2}/\d{4}", text)  # the last edit
    assert "thg" not in text
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2}\b", text)  # no two-digit years
    user = db.session.get(User, world.respondent_a.id)
    user.locale = "en"
    db.session.commit()
    english = re.sub(
        r"<[^>]+>",
        " ",
        logged_in(app, world.respondent_a.email).get(f"/assessments/{assessment.id}").get_data(as_text=True),
    )
    assert "31 Dec 2026" in english
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}", english)
