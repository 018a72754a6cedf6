"""Browser protections (issue 9): HSTS over HTTPS, no unescaped user data (a scan of every `|safe` and
`Markup(` against an audited allowlist, and hostile text shown on the pages that show it).

The headers of every response of every route are checked inside the permission matrix
(tests/test_permissions.py, `header_problems`), for every role."""

from __future__ import annotations

import re
from pathlib import Path

from roadmap.extensions import db
from roadmap.models import Office, User
from roadmap.services.survey import assessments, evidence, frameworks, steps
from tests.conftest import isolated, logged_in
from tests.security_checks import header_problems

ROOT = Path(__file__).resolve().parent.parent

# --- HSTS ----------------------------------------------------------------------------------------------


def test_hsts_is_sent_over_https_and_in_production(app, world):
    client = app.test_client()
    secure = isolated(client.get, "/login", base_url="https://roadmap.example.vn")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert header_problems(secure, "/login") == []
    assert "Strict-Transport-Security" not in isolated(client.get, "/login").headers
    app.config["SESSION_COOKIE_SECURE"] = True  # what production sets
    assert "Strict-Transport-Security" in isolated(client.get, "/login").headers


def test_error_pages_and_redirects_carry_the_headers_too(app, world):
    client = app.test_client()
    for path, status in (("/no/such/page", 404), ("/", 302), ("/.git/config", 404), ("/static/", 404)):
        response = isolated(client.get, path)
        assert response.status_code == status, path
        assert header_problems(response, path) == [], path


# --- no unescaped user data ----------------------------------------------------------------------------

UNESCAPING = re.compile(
    r"\|\s*safe\b|\bMarkup\s*\(|autoescape\s+false|render_template_string|\|\s*unescape\b"
)

# Every audited use: (file, the line's text). A new use fails the test until it is reviewed and listed.
AUDITED = {
    # `flags`/`f_flags` are built in the template from two constant strings (aria-invalid, disabled); the
    # question types' input partials, included by _question.html, write its `flags`.
    ("templates/survey/_question.html", "flags|safe"),
    ("templates/survey/_question.html", "f_flags|safe"),
    ("templates/survey/types/options.html", "flags|safe"),
    ("templates/survey/types/figure.html", "flags|safe"),
    ("templates/survey/types/text.html", "flags|safe"),
    ("templates/survey/types/date.html", "flags|safe"),
    # The SVG charts: roadmap.charts escapes every label and title it draws (tests/test_charts.py).
    ("roadmap/web/review.py", "heatmap=Markup(heatmap),"),
    ("roadmap/services/plans/figures.py", "return Markup(gantt_chart(roadmap).svg())"),
    ("roadmap/services/plans/figures.py", "return Markup(trajectory_chart(roadmap).svg())"),
    ("roadmap/services/plans/figures.py", "return Markup(progress_gantt_chart(lines, today).svg())"),
    # The report's charts: the same roadmap.charts SVG (tests/test_report_pdf.py plants hostile names).
    ("templates/report/report.html", "r.radar.print_svg()|safe"),
    ("templates/report/report.html", "r.roadmap.gantt.print_svg()|safe"),
    ("templates/report/report.html", "r.roadmap.trajectory.print_svg()|safe"),
    # The live result panel: the output of our own autoescaping template, kept in the fragment cache.
    ("roadmap/web/survey.py", "Markup(  # noqa: S704"),
    # The text boundary's output filter (issue 20): a value that was Markup already stays Markup once
    # scrubbed (characters only removed); `bdi` wraps a constant tag around the value, which % escapes.
    ("roadmap/web/templating.py", "return Markup(clean) if isinstance(value, Markup) else clean"),
    ("roadmap/web/templating.py", 'return Markup("<bdi>%s</bdi>") % scrubbed('),
}


def _uses() -> list[tuple[str, str]]:
    found = []
    paths = [*ROOT.joinpath("templates").rglob("*"), *ROOT.joinpath("roadmap").rglob("*.py")]
    paths += [*ROOT.joinpath("forms").rglob("*.py"), ROOT / "app.py"]
    for path in paths:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if UNESCAPING.search(line) and not line.lstrip().startswith(("from ", "import ")):
                found.append((str(path.relative_to(ROOT)), line.strip()))
    return found


def test_every_unescaped_output_is_an_audited_one():
    unaudited = [
        (path, line)
        for path, line in _uses()
        if not any(path == audited_path and snippet in line for audited_path, snippet in AUDITED)
    ]
    assert unaudited == [], "review these uses and add them to AUDITED, or escape the data"


def test_the_scan_finds_what_it_looks_for():
    for sample in ("{{ note|safe }}", "{{ x | safe }}", "Markup(user.name)", "{% autoescape false %}"):
        assert UNESCAPING.search(sample), sample


PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_text_is_shown_as_text_everywhere(app, world, tmp_path):
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    office = db.session.get(Office, world.office_a.id)
    office.name_vi = office.name_en = "Văn phòng " + PAYLOAD
    respondent = db.session.get(User, world.respondent_a.id)
    respondent.full_name = "Nguyễn " + PAYLOAD
    db.session.commit()
    frameworks.import_file("tests/fixtures/frameworks/small.yaml", actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    framework = assessments.framework_of(assessment)
    evidence.save_text(
        assessment,
        framework.question("NW-01"),
        evidence.parse_text("Ghi chú " + PAYLOAD, "javascript:alert(1)", None),
        actor=world.respondent_a,
    )
    db.session.commit()
    pages = {
        world.respondent_a.email: [
            "/",
            f"/offices/{world.office_a.id}",
            f"/assessments/{assessment.id}",
            f"/assessments/{assessment.id}/sections/NETW",
        ],
        world.admin.email: ["/admin/users", "/admin/offices", "/offices", "/admin/audit"],
        world.consultant.email: [f"/assessments/{assessment.id}/sections/NETW"],
    }
    shown = 0
    for email, urls in pages.items():
        browser = logged_in(app, email)
        for url in urls:
            page = browser.get(url).get_data(as_text=True)
            assert "<script>alert" not in page, url
            assert "<img src=x" not in page, url
            assert 'href="javascript:' not in page, url
            shown += page.count("&lt;script&gt;alert(")
    assert shown >= 8, "the hostile text is on these pages, escaped"
