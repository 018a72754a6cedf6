"""Plan against actual at the next cycle (issue 22, roadmap.engine.plan_actual): a golden case on the small
framework, computed by hand below, and the expected effects read across versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmap.engine.answers import Answer
from roadmap.engine.framework import Effect
from roadmap.engine.loader import load_framework, load_framework_text
from roadmap.engine.plan_actual import Undelivered, compare, expected_effects
from roadmap.engine.scoring import score

SMALL = Path(__file__).parent.parent / "fixtures" / "frameworks" / "small.yaml"
TEXT = SMALL.read_text(encoding="utf-8")

# Last year's answers. By hand (small.yaml: level bands 0–25–50–70–90–100; score = 100 × Σ w·p / Σ w):
#   NETW  NW-01 b 0.5 ×3, NW-02 10 h 0.75 ×2, NW-03 50 % 0.5 ×2, NW-04 yes 1 ×1: 5 / 8 = 62.5 → level 3
#   CYBR  CY-01 l2 0.25 ×3, CY-02 {mfa} 0.4 ×2, CY-03 no 0 ×2 (CY-04 hidden): 1.55 / 7 = 22.14 → level 1
#   PEOP  PP-01 40 % 0 ×2, PP-02 basic 0 ×1, PP-04 2 people 0.5 ×1: 0.5 / 4 = 12.5 → level 1
LAST = {
    "NW-01": Answer.of("b"),
    "NW-02": Answer.of(10.0),
    "NW-03": Answer.of(50.0),
    "NW-04": Answer.of(True),
    "CY-01": Answer.of("l2"),
    "CY-02": Answer.of(frozenset({"mfa"})),
    "CY-03": Answer.of(False),
    "PP-01": Answer.of(40.0),
    "PP-02": Answer.of("basic"),
    "PP-04": Answer.of(2.0),
}
# The plan scheduled K02 (CY-03 yes), K03 (CY-02 gains mfa and backup, CY-01 at least l3) and K04 (PP-01 at
# least 90 %, PP-02 at least mid) to be finished by now. Projected:
#   CYBR  CY-01 l3 0.5 ×3, CY-02 {mfa, backup} 0.8 ×2, CY-03 yes 1 ×2 (CY-04 now shown, unanswered: not
#         counted): 5.1 / 7 = 72.86 → level 4
#   PEOP  PP-01 90 % 1 ×2, PP-02 mid 0.5 ×1, PP-04 0.5 ×1: 3 / 4 = 75 → level 4 (the gate "CYBR below 40"
#         no longer holds)
# This year: K02 and K03 marked done, K04 not. The office answers CY-01 l3 and CY-03 yes, but CY-02 still
# {mfa} only (no backup: K03's effect on CY-02 is not shown), CY-04 b, PP-01 60 %:
#   CYBR  1.5 + 0.8 + 2 + 0.5 (CY-04 b 0.5 ×1) = 4.8 / 8 = 60 → level 3
#   PEOP  PP-01 60 % 0.5 ×2 + 0 + 0.5 = 1.5 / 4 = 37.5 → level 2
NOW = {
    **LAST,
    "CY-01": Answer.of("l3"),
    "CY-03": Answer.of(True),
    "CY-04": Answer.of("b"),
    "PP-01": Answer.of(60.0),
}
PLANNED = ("K02", "K03", "K04")
DONE = ("K02", "K03")


@pytest.fixture(scope="module")
def small():  # type: ignore[no-untyped-def]
    return load_framework(SMALL)


def test_the_golden_case_projected_beside_reached_and_what_done_did_not_move(small) -> None:  # type: ignore[no-untyped-def]
    identity = {question.code: question.code for question in small.questions}
    effects = expected_effects(small, small, PLANNED, identity)
    current = score(small, NOW)
    found = compare(small, current, LAST, (), effects, PLANNED, DONE)
    assert found.planned == PLANNED
    assert found.done == DONE
    rows = {
        d.code: (d.level_before, d.level_projected, d.level_reached, d.shortfall) for d in found.dimensions
    }
    assert rows == {"NETW": (3, 3, 3, 0), "CYBR": (1, 4, 3, 1), "PEOP": (1, 4, 2, 2)}
    by_code = {d.code: d for d in found.dimensions}
    # K03 was done but CY-02 does not show its backup; K02 is shown; K04 was not done, so it is not listed.
    assert by_code["CYBR"].undelivered == (Undelivered("K03", ("CY-02",)),)
    assert by_code["PEOP"].undelivered == ()
    assert [d.score for d in current.dimensions] == [62.5, 60.0, 37.5]


def test_nothing_planned_projects_last_years_levels(small) -> None:  # type: ignore[no-untyped-def]
    found = compare(small, score(small, NOW), LAST, (), {}, (), ())
    assert [(d.level_before, d.level_projected) for d in found.dimensions] == [(3, 3), (1, 1), (1, 1)]


def test_effects_follow_the_map_and_a_file_without_effects_takes_the_newer_catalogues(small) -> None:  # type: ignore[no-untyped-def]
    # Last year's version called CY-02 "CY-2", and its K01 named only the dimension it raises.
    older_text = (
        TEXT.replace('version: "0.3.0"', 'version: "0.2.0"')
        .replace("CY-02", "CY-2")
        .replace(
            "    effects:\n      - {question: NW-04, value: true}\n",
            "    raises:\n      - {dimension: NETW, levels: 1}\n",
        )
    )
    older = load_framework_text(older_text, "older.yaml")
    question_map = {q.code: q.code for q in older.questions if q.code != "CY-2"} | {"CY-2": "CY-02"}
    effects = expected_effects(older, small, ("K01", "K03", "X99"), question_map)
    assert effects["K01"] == (Effect("NW-04", "NETW", True),)  # the newer file's, by the same code
    assert [e.question for e in effects["K03"]] == ["CY-02", "CY-01"]
    assert effects["X99"] == ()
    # A question the map leaves out is asked anew: an effect on it is not expected any more.
    del question_map["CY-2"]
    assert [e.question for e in expected_effects(older, small, ("K03",), question_map)["K03"]] == ["CY-01"]
