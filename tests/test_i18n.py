"""Vietnamese is the default and complete; English is complete; every page renders in both."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from roadmap.extensions import db
from tests.conftest import PASSWORD, Browser

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
TAG = re.compile(r"<[^>]+>")


def catalogue(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def template_ids() -> set[str]:
    with open(ROOT / "translations" / "messages.pot", "rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def test_vietnamese_catalogue_is_complete_and_keeps_placeholders():
    messages = [m for m in catalogue("vi") if m.id]
    assert {m.id for m in messages} == template_ids(), "run `make translations-update`"
    untranslated = [m.id for m in messages if not m.string]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    for message in messages:
        assert sorted(PLACEHOLDER.findall(message.id)) == sorted(PLACEHOLDER.findall(message.string)), (
            message.id
        )


def test_english_catalogue_covers_every_message():
    # English is the source language: an empty msgstr shows the msgid, which is the English text.
    assert {m.id for m in catalogue("en") if m.id} == template_ids()


def test_every_user_facing_string_in_code_is_extracted():
    """A string shown to users but not marked for translation would stay English in Vietnamese pages."""
    for path in (ROOT / "templates").rglob("*.html"):
        text = TAG.sub("\n", path.read_text(encoding="utf-8"))
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "\n", text, flags=re.S)
        words = [
            line.strip()
            for line in text.splitlines()
            if re.search(r"[A-Za-z]{3,}", line.strip()) and line.strip() not in SAME_IN_BOTH
        ]
        assert words == [], f"untranslated text in {path.relative_to(ROOT)}: {words}"


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(TAG.sub(" ", html).split())


PAGES = {
    None: ["/login"],
    "resp.a@example.vn": [
        "/",
        "/cycles",
        "/account/password",
        "/account/tokens",
        "/offices/{office_a}",
        "/offices/{office_b}",
        "/offices/{office_a}/assessments",
        "/assessments/{assessment}",
        "/assessments/{assessment}/sections/NETW",
        "/assessments/{assessment}/sections/CYBR",
        "/assessments/{assessment}/submit",
        "/notifications",
    ],
    "consultant@example.vn": [
        "/",
        "/offices",
        "/offices/{office_a}",
        "/offices/{office_a}/assessments",
        "/assessments/{assessment}",
        "/assessments/{assessment}/sections/PEOP",
        "/assessments/{assessment}/targets",
        "/assessments/{assessment}/roadmap",
        "/assessments/{assessment}/roadmap/what-if",
        "/assessments/{assessment}/roadmap/changes",
        "/assessments/{assessment}/roadmap/edit",
        "/review",
        "/review/portfolio",
        "/review/assessments/{assessment}",
        "/notifications",
        "/jobs/{job}",  # a background job's status page (issue 10)
    ],
    "admin@example.vn": [
        "/",
        "/offices",
        "/cycles",
        "/admin/offices",
        "/admin/offices/new",
        "/admin/offices/{office_a}/edit",
        "/admin/users",
        "/admin/users/new",
        "/admin/report-settings",  # report settings (issue 12)
        "/admin/users/{respondent_a}/edit",
        "/admin/assignments",
        "/admin/cycles",
        "/admin/audit",
        "/account/tokens",
        "/no-such-page",
    ],
}
# Words that are legitimately the same in both languages, or proper names.
SAME_IN_BOTH = {"English", "Tiếng Việt"}


def english_ui_strings() -> list[str]:
    return sorted(
        (i for i in template_ids() if " " in i and "%" not in i and i not in SAME_IN_BOTH),
        key=len,
        reverse=True,
    )


def vietnamese_ui_strings() -> list[str]:
    return sorted(
        (
            m.string
            for m in catalogue("vi")
            if m.id and " " in m.string and "%" not in m.string and m.string not in SAME_IN_BOTH
        ),
        key=len,
        reverse=True,
    )


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_page_renders_in_each_language_without_the_other_languages_strings(
    app, world, locale, tmp_path
):
    foreign_strings = english_ui_strings() if locale == "vi" else vietnamese_ui_strings()
    from roadmap.services.survey import frameworks, steps

    frameworks.import_file(ROOT / "tests" / "fixtures" / "frameworks" / "small.yaml", actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    from roadmap.services.plans import roadmaps

    roadmaps.generate(assessment, actor=world.consultant)
    db.session.commit()
    from roadmap.services.platform import jobs

    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    job = jobs.enqueue("cycle-export", {"cycle": world.cycle.id, "fmt": "csv"}, requested_by=world.consultant)
    ids = {
        "job": job.id,
        "assessment": assessment.id,
        "office_a": world.office_a.id,
        "office_b": world.office_b.id,
        "respondent_a": world.respondent_a.id,
    }
    problems = []
    for email, urls in PAGES.items():
        browser = Browser(app.test_client())
        if email:
            browser.login(email, PASSWORD)
        if locale == "en":
            browser.post("/locale/en")
        for url in urls:
            response = browser.get(url.format(**ids))
            html = response.get_data(as_text=True)
            assert f'<html lang="{locale}">' in html, url
            text = _visible_text(html)
            # Whole words only: "1 năm" (1 year) must not be found in "tháng 11 năm" of a Vietnamese date.
            leaked = [
                s for s in foreign_strings if s in text and re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text)
            ]
            if leaked:
                problems.append(f"{email} {url}: {leaked[:3]}")
    assert problems == []


def test_dates_are_formatted_for_the_locale(app, world):
    browser = Browser(app.test_client())
    browser.login("admin@example.vn", PASSWORD)
    vietnamese = _visible_text(browser.get("/cycles").get_data(as_text=True))
    # One form per language on every screen (issue 23): day/month/year in Vietnamese, the month spelt in
    # English (roadmap.web.templating.DATE_FORMATS).
    assert "31/12/2026" in vietnamese
    assert "thg" not in vietnamese
    browser.post("/locale/en")
    english = _visible_text(browser.get("/cycles").get_data(as_text=True))
    assert "31 Dec 2026" in english
