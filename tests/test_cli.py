"""The command line: `flask users create` and `flask demo load`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import Assessment, ConsultantAssignment, Cycle, Office, RoadmapPlan, User
from tests.conftest import Browser


@pytest.fixture
def runner(app, tmp_path):
    # Demo logins are written under instance/: keep the test's copy out of the checkout.
    app.instance_path = str(tmp_path / "instance")
    return app.test_cli_runner()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_users_create_prints_a_one_time_password_that_logs_in(app, world, runner):
    result = runner.invoke(
        args=["users", "create", "--email", "cli@example.vn", "--role", "respondent", "--office", "VPA"]
    )
    assert result.exit_code == 0, result.output
    # The password is the rest of its line: log lines may follow it in the output.
    password = re.search(r"One-time password \(to be changed at first login\): (\S+)", result.output).group(1)
    browser = Browser(app.test_client())
    assert browser.login("cli@example.vn", password).status_code == 302


def test_users_create_reports_every_problem_and_creates_nothing(app, world, runner):
    before = count(User)
    result = runner.invoke(
        args=["users", "create", "--email", "resp.a@example.vn", "--role", "respondent", "--office", "ZZZ"]
    )
    assert result.exit_code == 1
    # The command line speaks the service's default language, Vietnamese.
    assert "Đã có tài khoản sử dụng địa chỉ thư điện tử này." in result.output
    assert "Không có đơn vị nào có mã ZZZ." in result.output
    assert count(User) == before


def test_demo_load_is_idempotent_and_prints_logins_that_work(app, runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    counts = (count(Office), count(User), count(ConsultantAssignment), count(Cycle), count(Assessment))
    assert counts == (10, 13, 10, 2, 19)
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert (
        count(Office),
        count(User),
        count(ConsultantAssignment),
        count(Cycle),
        count(Assessment),
    ) == counts
    assert first.output == second.output, "the same logins are printed again"
    for line in first.output.splitlines()[1:]:
        _role, email, password = line.split()[:3]
        browser = Browser(app.test_client())
        assert browser.login(email, password).status_code == 302, email
    for name in (
        "Văn phòng Trung ương Đảng",
        "Văn phòng Chủ tịch nước",
        "Văn phòng Quốc hội",
        "Văn phòng Chính phủ",
    ):
        assert db.session.scalar(select(Office).where(Office.name_vi == name)) is not None
    # The whole loop is on show: last cycle published everywhere, this cycle in every state.
    statuses = db.session.execute(
        select(Cycle.code, Assessment.status).join(Cycle, Cycle.id == Assessment.cycle_id)
    ).all()
    previous = {status for code, status in statuses if code != max(c for c, _ in statuses)}
    current = {status for code, status in statuses if code == max(c for c, _ in statuses)}
    assert previous == {"published"}
    assert current == {"draft", "submitted", "in_review", "returned", "approved", "published"}
    assert count(RoadmapPlan) >= 12
    saved = Path(app.instance_path) / "demo-logins.json"
    assert saved.stat().st_mode & 0o777 == 0o600


def test_demo_load_is_refused_in_production(app, runner):
    app.config["PRODUCTION"] = True
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 1
    assert count(User) == 0


def test_demo_reports_asks_for_the_demo_first(app, runner):
    # The whole command (every demo report of the day, about a minute) is what `make run` starts; its work
    # is `flask report prerender`'s (tests/test_reports_ahead.py).
    result = runner.invoke(args=["demo", "reports"])
    assert result.exit_code != 0
    assert "The demo is not loaded (flask demo load)." in result.output
