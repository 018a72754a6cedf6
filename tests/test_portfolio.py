"""The portfolio: offices × dimensions from reviewed results, trends, concerns; fixed query count."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from roadmap.extensions import db
from roadmap.models import Cycle, User
from roadmap.services.review import portfolio
from tests.conftest import Browser


@pytest.fixture
def demo(app, tmp_path):
    app.instance_path = str(tmp_path)
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    logins = {}
    for line in result.output.splitlines()[1:]:
        _role, email, password = line.split()[:3]
        logins[email] = password
    return logins


def login(app, demo, email):
    browser = Browser(app.test_client())
    assert browser.login(email, demo[email]).status_code == 302
    return browser


def current_cycle():
    return db.session.scalar(select(Cycle).order_by(Cycle.opens_on.desc()).limit(1))


def test_portfolio_figures_trends_query_count_and_peers(app, demo):
    """One demo load per database for every service-level check (the load takes seconds)."""
    consultant = db.session.scalar(select(User).where(User.email == "tuvan1@cbdtw.demo.vn"))
    view = portfolio.build(consultant, current_cycle())
    codes = {row.office.code for row in view.rows}
    assert codes == {"VPTW", "VPCTN", "BTCTW", "UBKTTW", "BNCTW"}
    shown = {row.office.code for row in view.with_results}
    # Drafts never show figures; submitted, approved and published results do.
    assert shown == {"VPTW", "VPCTN", "BTCTW"}
    # The 2026 cycle is on central-offices 1.1.0: eleven dimensions, the department's services among them.
    assert all(len(row.levels) == 11 for row in view.with_results)
    assert sum(count for _, count in view.distribution) == 3

    # Last cycle was on 1.0.0: no index trend across two versions, a level change for the dimensions whose
    # scored questions map one to one through 1.1.0's carry-forward map.
    admin = db.session.scalar(select(User).where(User.email == "quantri@cbdtw.demo.vn"))
    view = portfolio.build(admin, current_cycle())
    assert view.previous is not None
    for row in view.with_results:
        assert row.change is None
        assert row.not_comparable == "1.0.0 → 1.1.0"
        assert set(row.level_changes) == {"LDR", "GOV", "OPS", "SWF", "SKL"}
    assert view.improved == []

    # A fixed number of queries whatever the number of offices.
    statements = []

    def count(*args, **kwargs):
        statements.append(1)

    cycle = current_cycle()
    portfolio.build(admin, cycle)  # frameworks parsed and cached once per process
    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        portfolio.build(admin, cycle)
        for_ten = len(statements)
        statements.clear()
        portfolio.build(consultant, cycle)
        for_five = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert for_ten == for_five
    assert for_ten <= 6

    # Peer figures appear only from five offices with reviewed results.
    assert portfolio.peer_figures(cycle) is None  # two approved or published offices this cycle
    previous = portfolio.previous_cycle(cycle)
    figures = portfolio.peer_figures(previous)
    assert figures is not None
    assert figures.count == 10
    low, middle, high = figures.quartiles["NET"]
    assert low <= middle <= high
    assert re.match(r"^\d", str(middle))


def test_portfolio_page_draws_the_heatmap_and_hides_it_from_respondents(app, demo):
    browser = login(app, demo, "tuvan1@cbdtw.demo.vn")
    browser.post("/locale/en")
    page = browser.get("/review/portfolio").get_data(as_text=True)
    assert "<svg" in page
    assert "Levels by office and dimension" in page
    assert "Party Central Office" in page
    assert "Supreme People's Court" not in page  # not this consultant's office
    respondent = login(app, demo, "daumoi.vptw@demo.vn")
    assert respondent.get("/review/portfolio").status_code == 403


def test_respondents_see_peer_quartiles_only_from_five_offices(app, demo):
    from roadmap.models import Assessment, Office

    browser = login(app, demo, "daumoi.vptw@demo.vn")
    browser.post("/locale/en")
    office = db.session.scalar(select(Office).where(Office.code == "VPTW"))
    cycle = current_cycle()
    previous = portfolio.previous_cycle(cycle)
    last_year = db.session.scalar(
        select(Assessment).where(Assessment.office_id == office.id, Assessment.cycle_id == previous.id)
    )
    this_year = db.session.scalar(
        select(Assessment).where(Assessment.office_id == office.id, Assessment.cycle_id == cycle.id)
    )
    with_peers = browser.get(f"/assessments/{last_year.id}").get_data(as_text=True)
    assert "Levels of the 10 offices with approved or published results" in with_peers
    assert "Median" in with_peers
    without = browser.get(f"/assessments/{this_year.id}").get_data(as_text=True)
    assert "Peer figures appear once at least 5 offices have approved results" in without
    assert "Lower quartile" not in without


def test_cycle_exports_parse_back_with_vietnamese_intact(app, demo):
    import csv
    import io

    from openpyxl import load_workbook

    browser = login(app, demo, "quantri@cbdtw.demo.vn")
    cycle = current_cycle()
    previous = portfolio.previous_cycle(cycle)
    scores = browser.get(f"/review/portfolio/export.csv?cycle={previous.id}&part=scores")
    assert scores.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(scores.get_data().decode("utf-8-sig"))))
    assert rows[0][:5] == ["office_code", "office", "status", "index", "level"]
    assert {row[1] for row in rows[1:]} >= {"Văn phòng Trung ương Đảng", "Tòa án nhân dân tối cao"}
    assert all(0 <= float(row[3]) <= 1000 for row in rows[1:])
    workbook = load_workbook(
        io.BytesIO(browser.get(f"/review/portfolio/export.xlsx?cycle={previous.id}").get_data())
    )
    assert workbook.sheetnames == ["scores", "answers", "roadmaps"]
    assert workbook["answers"].max_row > 100
    assert workbook["roadmaps"].max_row > 10
    assert browser.get(f"/review/portfolio/export.csv?cycle={previous.id}&part=secrets").status_code == 400
