"""The administrator's framework page in a real Chromium (issue 18): an invalid file is answered with its
problems and lines and nothing is kept; a valid one shows the difference and the survey's preview, and is
imported — while the demo's open cycle keeps its version. In Vietnamese, then in English."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from roadmap.engine.loader import load_framework
from roadmap.services.survey.frameworks import FRAMEWORK_2026
from tests.browser.conftest import ROOT, LiveApp, unavailable
from tests.browser.test_journeys import log_in

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the pinned dev requirements have it
    unavailable("Playwright for Python is not installed (pip install -r requirements-dev.txt)", module=True)

# The demo's current cycle uses the 2026 framework; the file uploaded is that version changed, as 9.0.0.
SHIPPED = FRAMEWORK_2026
SHIPPED_VERSION = load_framework(SHIPPED).version
NEXT = "9.0.0"
BROKEN = ROOT / "tests" / "fixtures" / "frameworks" / "broken" / "several_problems.yaml"


def next_version(folder: Path) -> Path:
    """The shipped framework as a next version, with one option worth 0.3 instead of 0.25."""
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace(f'version: "{SHIPPED_VERSION}"', f'version: "{NEXT}"', 1)
    changed = text.replace('en: "Draft only"}, points: 0.25}', 'en: "Draft only"}, points: 0.3}', 1)
    assert changed != text
    path = folder / f"central-offices-{NEXT}.yaml"
    path.write_text(changed, encoding="utf-8")
    return path


def test_administrator_validates_compares_previews_and_imports_a_framework(
    new_context: Any, live_app: LiveApp, look: Any, tmp_path: Path
) -> None:
    page = new_context().new_page()
    log_in(page, live_app, "quantri@cbdtw.demo.vn")
    page.get_by_role("link", name="Phiên bản bộ tiêu chí").click()
    expect(page.locator("h1")).to_have_text("Phiên bản bộ tiêu chí")
    page.wait_for_load_state("domcontentloaded")  # inner_text does not wait for the badge's text
    shipped_row = page.locator(f'tr[data-version="{SHIPPED_VERSION}"]')
    expect(shipped_row).to_contain_text("central-offices")
    current_year = shipped_row.locator(".badge").first.inner_text()

    page.set_input_files('input[name="file"]', str(BROKEN))
    page.get_by_role("button", name="Kiểm tra").click()
    report = page.locator('[data-section="validation-report"]')
    expect(report.locator("h2")).to_have_text("Số lỗi trong tệp: 6. Không có gì được lưu.")
    page.wait_for_load_state("domcontentloaded")  # every row is read, and a version absent, once all parsed
    lines = [int(cell) for cell in report.locator("tbody tr td:first-child").all_inner_texts()]
    assert lines == [53, 74, 97, 105, 112, 150]
    expect(page.locator('tr[data-version="0.1.0"]')).to_have_count(0)
    look(page, "framework-validation-report")

    page.set_input_files('input[name="file"]', str(next_version(tmp_path)))
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.locator("h1")).to_have_text("Xem xét tệp bộ tiêu chí")
    expect(page.locator('[data-value="version"]')).to_have_text(NEXT)
    change = page.locator('[data-code="LDR-01/b"]')
    expect(change).to_contain_text("thay đổi")
    expect(change.locator("del")).to_have_text("0.25")
    expect(change.locator("ins")).to_have_text("0.3")
    preview = page.locator('[data-section="preview"]')
    preview.locator("summary").first.click()
    expect(preview.locator("[data-question]").first).to_be_visible()
    look(page, "framework-review")

    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Review a framework file")
    expect(page.locator('[data-code="LDR-01/b"]')).to_contain_text("changed")
    expect(page.locator("#preview-heading")).to_have_text("Preview of the survey")
    page.get_by_role("button", name="Import this version").click()
    expect(page.locator(".flash-success")).to_contain_text(f"version {NEXT} imported")
    expect(page.locator("h1")).to_have_text("Framework versions")
    new_row = page.locator(f'tr[data-version="{NEXT}"]')
    expect(new_row).to_contain_text("none")
    # The demo's cycles stay on the version they were opened with.
    expect(page.locator(f'tr[data-version="{SHIPPED_VERSION}"]')).to_contain_text(current_year)
    assert re.fullmatch(r"\d{4}", current_year)
    # The administrator's choice of language is kept on the account, and the served demo is shared by the
    # journeys that follow (the two-factor one names the administrator's buttons in Vietnamese): back to it.
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
