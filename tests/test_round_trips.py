"""Round trips per request (issue 21): the SQL statements of the requests that the benchmark measures — a
section page, an autosave (a first answer and a change), a cached report download, the progress board —
pinned on SQLite and PostgreSQL alike, so that a statement added to any of them is noticed.

What each one reads, and why nothing else:
- every signed-in page: the user with the count of their unread notifications that its navigation shows (one
  statement: session, second factor and roles are columns of it; the count a subquery of it);
- a section page: the assessment with its office and cycle and what the page's cache key needs of last
  year's roadmap (its tracking), the answers,
  targets, overrides, the assessment's evidence and files (once: the section shows its own and the score
  needs which questions have any), the editors' names and the review comments; a page shown again
  unchanged comes from the page cache (the user, the assessment);
- an autosave: the assessment, then one statement that writes the answer (a compare-and-set UPDATE of a
  change, an INSERT … ON CONFLICT DO NOTHING of a first answer) and the "last edited" touch, the last
  statement before the commit, so that the assessment row is locked for one statement;
- a cached report: one statement for the assessment with its office and cycle, the roadmap's counter, the
  peers (the cycle's reviewed version), the office's profile versions, the settings in force and the signed
  PDF in force (none here); then the consultant's assignments (the policy);
- the board: the cycles, the offices (with whether the viewer may remind each), the assessments, their
  framework version, the answers counted, the answers that show_ifs test, the people, the reminders of
  the day.
"""

from __future__ import annotations

import datetime as dt

import pytest

from roadmap.extensions import db
from roadmap.services.plans import roadmaps
from roadmap.services.survey import assessments, frameworks, steps
from roadmap.web import fragments
from tests.conftest import logged_in
from tests.test_assessment_service import SMALL, save
from tests.test_survey import autosave
from tests.test_survey_queries import statements

# The office's previous published assessment, whose followed roadmap gives the hints at questions and is
# part of the page's cache key, is still looked up by the hints and by the comparison each (the cache key
# reads it with the assessment): two statements that could share one lookup.
PINNED = {
    "section page": 11,
    "kept section page": 2,
    "autosave of a change": 4,
    "autosave of a first answer": 4,
    "cached report": 3,
    "progress board": 9,
    # Public and the same for everyone: the session's checks are skipped, and the user is not loaded.
    "static file": 0,
}
# On PostgreSQL an autosave's write and its touch are one statement (a data-modifying WITH), run outside a
# transaction (tests/test_database_transactions.py).
PINNED_BY_BACKEND = {
    "sqlite": PINNED,
    "postgresql": {**PINNED, "autosave of a change": 3, "autosave of a first answer": 3},
}


@pytest.fixture
def counted(app, world):
    """Statements of each request, measured the second time it runs (caches of parsed frameworks and
    compiled forms warm, as on a running server)."""
    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    save(assessment, world.respondent_a, "NW-01", value="c")
    save(assessment, world.respondent_a, "CY-03", value="yes")
    roadmaps.generate(assessment, actor=world.consultant, today=dt.date(2026, 11, 15))
    db.session.commit()
    assessment_id = assessment.id
    framework = assessments.framework_of(assessment)
    section = f"/assessments/{assessment_id}/sections/{framework.dimensions[0].code}"
    respondent = logged_in(app, world.respondent_a.email)
    consultant = logged_in(app, world.consultant.email)
    respondent.csrf()
    versions = {"NW-02": 0}
    firsts = iter(["PP-01", "PP-02"])  # the warm-up's first answer, then the counted one

    def section_page():
        fragments.pages.clear()  # rendered, not taken from the page cache
        assert respondent.get(section).status_code == 200

    def kept_section_page():
        assert respondent.get(section).status_code == 200

    def change():
        value = "4" if versions["NW-02"] % 2 else "2"
        response = autosave(respondent, assessment_id, "NW-02", value=value, base_version=versions["NW-02"])
        assert response.status_code == 200, response.get_json()
        versions["NW-02"] = response.get_json()["version"]

    def first_answer():
        code = next(firsts)
        response = autosave(respondent, assessment_id, code, value="50" if code == "PP-01" else "mid")
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["version"] == 1

    def report():
        assert consultant.get(f"/assessments/{assessment_id}/report.docx?lang=vi").status_code == 200

    def board():
        assert consultant.get("/review/progress").status_code == 200

    def static_file():
        response = respondent.get("/static/css/app.css")
        assert response.status_code == 200
        response.close()

    requests = {
        "section page": section_page,
        "kept section page": kept_section_page,
        "autosave of a change": change,
        "autosave of a first answer": first_answer,
        "cached report": report,
        "progress board": board,
        "static file": static_file,
    }
    found = {}
    for name, request in requests.items():
        request()
        with statements() as executed:
            request()
        found[name] = executed
    return found


def test_each_request_runs_its_pinned_number_of_statements(counted, backend):
    counts = {name: len(executed) for name, executed in counted.items()}
    print(f"\n{backend}: {counts}")
    pinned = PINNED_BY_BACKEND[backend]
    assert counts == pinned, {name: counted[name] for name in counts if counts[name] != pinned[name]}


def test_an_autosave_locks_the_assessment_for_its_last_statement_only(counted, backend):
    for name in ("autosave of a change", "autosave of a first answer"):
        executed = [" ".join(statement.split()) for statement in counted[name]]
        writes = [statement for statement in executed if not statement.startswith("SELECT")]
        if backend == "postgresql":  # one statement: the answer's write in a WITH, then the touch
            assert len(writes) == 1, executed
            assert writes[0].startswith(
                ("WITH written AS (UPDATE answers", "WITH written AS (INSERT INTO answers")
            )
            assert " UPDATE assessments SET updated_at" in writes[0], executed
            assert executed[-1] == writes[0]
            continue
        assert len(writes) == 2, executed
        assert writes[0].startswith(("UPDATE answers", "INSERT INTO answers")), executed
        assert writes[1].startswith("UPDATE assessments SET updated_at"), executed
        assert executed[-1] == writes[1]  # the touch is the last statement before the commit


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # prepared statements are PostgreSQL's
def test_postgresql_connections_prepare_the_repeated_statements(app, backend):
    """Each request's statements repeat (SQLAlchemy builds their SQL once): psycopg prepares a statement on
    the server after DATABASE_PREPARE_THRESHOLD executions on a connection (5), then only executes it."""
    connection = db.engine.raw_connection()
    try:
        assert connection.driver_connection.prepare_threshold == 5
    finally:
        connection.close()
