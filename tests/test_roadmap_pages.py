"""The roadmap's pages read right (issue 23): the edit lists say when each initiative runs and whether it is
mandatory, a change shows its consequences where it was made, a removed initiative has no schedule, one
quarter reads as one quarter, codes are explained, and the phone layout stacks the narrow tables."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from roadmap.engine.planner import Origin
from roadmap.models import RoadmapEditKind as K
from roadmap.services.plans import roadmaps
from tests.conftest import logged_in
from tests.test_roadmaps import assessment, edit, generate  # noqa: F401 (`assessment`: the fixture)


def _options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S)
    assert select, name
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))


def test_edit_lists_show_each_initiatives_quarter_and_whether_it_is_mandatory(app, world, assessment):  # noqa: F811
    generate(assessment, world.consultant)
    effective = roadmaps.load(assessment).effective
    mandatory = next(item for item in effective.items if item.item.mandatory)
    page = logged_in(app, world.consultant.email).get(f"/assessments/{assessment.id}/roadmap/edit")
    options = _options(page.get_data(as_text=True), "move-initiative")
    label = next(option for option in options if option.startswith(mandatory.code))
    assert "Quý " in label
    assert label.endswith("bắt buộc")
    assert all("Quý " in option for option in options)


def test_a_move_shows_its_consequences_at_the_move_form(app, world, assessment):  # noqa: F811
    generate(assessment, world.consultant)
    effective = roadmaps.load(assessment).effective
    # An initiative with a prerequisite, moved to the first quarter: before its prerequisite ends.
    dependent = next(item for item in effective.items if item.item.prerequisites)
    first_quarter = effective.quarters()[0]
    browser = logged_in(app, world.consultant.email)
    url = f"/assessments/{assessment.id}/roadmap"
    browser.get(f"{url}/edit")
    moved = browser.post(
        f"{url}/edits/move",
        {
            "move-initiative": dependent.code,
            "move-quarter": first_quarter,
            "move-reason": "Thử",
            "move-version": str(roadmaps.version_of(assessment)),
        },
    )
    assert moved.status_code == 302
    location = urlsplit(moved.headers["Location"])
    assert parse_qs(location.query) == {"kind": ["move"], "changed": [dependent.code]}
    assert location.fragment == "edit-move"
    page = browser.get(f"{location.path}?{location.query}").get_data(as_text=True)
    card = re.search(r'<section class="card edit-card[^"]*" id="edit-move".*?</section>', page, re.S).group(0)
    consequences = re.search(r"<div class=\"consequences\".*?</div>", card, re.S)
    assert consequences
    assert "<li>" in consequences.group(0)
    assert dependent.code in consequences.group(0)


def test_a_removed_initiative_has_no_schedule_and_one_quarter_reads_as_one(app, world, assessment):  # noqa: F811
    generate(assessment, world.consultant)
    effective = roadmaps.load(assessment).effective
    removable = next(i for i in effective.items if not i.item.mandatory and i.item.origin is Origin.TRIGGERED)
    edit(assessment, world.consultant, K.REMOVE, initiative=removable.code)
    page = logged_in(app, world.consultant.email).get(f"/assessments/{assessment.id}/roadmap")
    html = page.get_data(as_text=True)
    card = re.search(
        rf'<article class="initiative-card is-removed" id="initiative-{removable.code}".*?</article>',
        html,
        re.S,
    )
    assert card
    assert "Không thực hiện: đã loại khỏi lộ trình" in card.group(0)
    assert "Quý " not in card.group(0)
    assert not re.search(r"(Quý \d/\d{4}) đến \1", html)
    assert "Nhóm chi phí" not in html
    assert re.search(r"<dd>(nhỏ|trung bình|lớn|rất lớn) \((S|M|L|XL)\)</dd>", html)


def test_phone_layout_stacks_the_phase_table_and_folds_the_card_details(app, world, assessment):  # noqa: F811
    generate(assessment, world.consultant)
    html = (
        logged_in(app, world.consultant.email)
        .get(f"/assessments/{assessment.id}/roadmap")
        .get_data(as_text=True)
    )
    assert '<table class="phase-table stack">' in html
    table = re.search(r'<table class="phase-table stack">.*?</table>', html, re.S).group(0)
    rows = table.count("<tr") - 1  # the head's row has no values
    assert table.count("data-label=") == 4 * rows
    assert html.count('<details class="card-details">') == html.count('<article class="initiative-card')
