"""Real-browser fixtures: the app served on a loopback port, Debian's Chromium driven by Playwright, axe-core.

The app runs as it runs for a person: a fresh SQLite database built by the migrations, `flask demo load`,
a threaded WSGI server on a random port of 127.0.0.1, real CSRF tokens and the real Content Security Policy.
Chromium is Debian's (`/usr/bin/chromium`, or CHROMIUM_PATH); no browser is downloaded. Without it the tests
are skipped with a clear reason, except under CI (CI set), where a missing browser is a failure.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import WSGIRequestHandler

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
SCREENSHOTS = BUILD / "screenshots"
AXE_VERSION = "4.14.1"  # from the npm registry, installed into build/axe (git-ignored) at test setup
AXE_DIR = BUILD / "axe"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
A11Y_REPORT = BUILD / "accessibility.json"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def unavailable(reason: str, *, module: bool = False) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=module)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"no Chromium at {CHROMIUM} (install Debian's: apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -r requirements-dev.txt)")
    return CHROMIUM


# --- the app, served ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    email: str
    password: str


@dataclass(frozen=True)
class LiveApp:
    url: str
    logins: dict[str, Login]  # by e-mail
    app: Any

    def login_of(self, email: str) -> Login:
        return self.logins[email]


class QuietHandler(WSGIRequestHandler):
    """No line per request in the test output (a journey makes hundreds)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def served_demo(home: Path, **config: Any) -> Iterator[LiveApp]:
    """The app on a fresh SQLite database under `home` with the demo loaded, served on a random loopback
    port in a thread (generator: stops the server and closes the database when done)."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{home / 'roadmap.db'}",
            "EVIDENCE_UPLOAD_DIR": str(home / "uploads"),
            **config,
        }
    )
    # The demo logins go to this run's own folder, not the checkout's instance/.
    app.instance_path = str(home / "instance")
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    saved = json.loads((home / "instance" / "demo-logins.json").read_text(encoding="utf-8"))
    logins = {entry["email"]: Login(entry["email"], entry["password"]) for entry in saved}

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveApp(f"http://127.0.0.1:{server.server_port}", logins, app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            from roadmap.extensions import db

            db.engine.dispose()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[LiveApp]:
    # Every journey signs in from the same loopback address within a few minutes, which the per-address
    # sign-in limits (20 a minute, 200 an hour) would refuse part-way, depending on the order the journeys
    # run in. The limits stay on for everything else; tests/test_rate_limits.py tests the sign-in ones.
    yield from served_demo(
        tmp_path_factory.mktemp("live"),
        RATE_LIMIT_LOGIN="1000 per minute",
        RATE_LIMIT_SECOND_FACTOR="1000 per minute",
    )


# --- the browser -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium(chromium_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_context(chromium: Any, live_app: LiveApp) -> Iterator[Any]:
    """Browser contexts (own cookies and storage each), in Vietnamese; closed after the test."""
    contexts: list[Any] = []
    problems: list[str] = []

    def watch(page: Any) -> None:
        # A script error or a refusal by the Content Security Policy is a bug a person would meet.
        page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"{page.url}: {message.text}")
                if message.type == "error" and "Refused to" in message.text
                else None
            ),
        )

    def open_context(**options: Any) -> Any:
        settings = {"base_url": live_app.url, "locale": "vi-VN", "viewport": DESKTOP, **options}
        context = chromium.new_context(**settings)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("page", watch)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
    assert problems == [], "script errors or CSP refusals in the pages: " + "; ".join(problems)


# --- screenshots and axe-core ----------------------------------------------------------------------------


@contextmanager
def only_this_worker(name: str) -> Iterator[None]:
    """An exclusive lock on build/<name>.lock: the browser tests' files run on both xdist workers, which must
    not install axe-core into the same folder at once (npm's ENOTEMPTY) or write one report over another."""
    BUILD.mkdir(exist_ok=True)
    with (BUILD / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def axe_script(chromium_path: Path) -> Path:
    """axe-core, pinned, from the npm registry into build/axe (once; kept between runs)."""
    with only_this_worker("axe"):
        if not AXE_SCRIPT.exists():
            _install_axe()
    return AXE_SCRIPT


def _install_axe() -> None:
    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is needed to install axe-core for the accessibility check")
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(  # noqa: S603 (fixed arguments)
        [
            str(npm),
            "install",
            "--no-save",
            "--no-package-lock",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(AXE_DIR),
            f"axe-core@{AXE_VERSION}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0 or not AXE_SCRIPT.exists():
        unavailable(f"npm could not install axe-core@{AXE_VERSION}: {completed.stderr[-500:]}")


@pytest.fixture(scope="session")
def accessibility_report() -> Iterator[dict[str, Any]]:
    """Every audited page's violations by impact, written to build/accessibility.json at the end."""
    report: dict[str, Any] = {}
    yield report
    with only_this_worker("accessibility"):
        previous = json.loads(A11Y_REPORT.read_text(encoding="utf-8")) if A11Y_REPORT.exists() else {}
        previous.update(report)
        A11Y_REPORT.write_text(json.dumps(previous, ensure_ascii=False, indent=2), encoding="utf-8")


@pytest.fixture
def look(chromium: Any, axe_script: Path, accessibility_report: dict[str, Any]) -> Any:
    """Screenshot a key page into build/screenshots/ and check it with axe-core: nothing serious or critical.

    axe runs in a twin of the page: a context with the same cookies that bypasses the Content Security
    Policy (the injected script is inline), so that the journeys themselves run under the real policy.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def check(page: Any, name: str, *, phone: bool = False) -> None:
        page.wait_for_load_state("load")  # a click returns before the page is parsed and styled
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        twin_context = chromium.new_context(
            bypass_csp=True,
            storage_state=page.context.storage_state(),
            locale="vi-VN",
            viewport=PHONE if phone else DESKTOP,
        )
        try:
            twin = twin_context.new_page()
            twin.goto(page.url)
            twin.add_script_tag(path=str(axe_script))
            result = twin.evaluate(
                """async () => {
                  const r = await axe.run(document, {resultTypes: ["violations"]});
                  return {rules: r.passes.length + r.violations.length + r.incomplete.length,
                    violations: r.violations.map(v => ({
                      id: v.id, impact: v.impact, help: v.help,
                      nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")), count: v.nodes.length}))};
                }"""
            )
        finally:
            twin_context.close()
        violations = result["violations"]
        assert result["rules"] > 20, f"axe-core did not run on {name}: {result}"
        counts: dict[str, int] = {}
        for violation in violations:
            counts[violation["impact"]] = counts.get(violation["impact"], 0) + 1
        accessibility_report[name] = {
            "url": page.url.split("?")[0],
            "rules_applied": result["rules"],
            "violations_by_impact": counts,
            "violations": violations,
        }
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert serious == [], f"axe-core found serious or critical problems on {name}: {serious}"

    return check
