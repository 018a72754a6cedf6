"""carry_forward: a newer version's map of answers from an older one, parsed and validated (unknown codes are
located errors), and the pure function that carries answers by it."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmap.engine.answers import Answer
from roadmap.engine.carry import carry_forward, carry_forward_problems
from roadmap.engine.export import export_framework
from roadmap.engine.loader import FrameworkError, load_framework, load_framework_text

SMALL = Path(__file__).parent.parent / "fixtures" / "frameworks" / "small.yaml"
OLD = load_framework(SMALL)
NEWER = (
    SMALL.read_text(encoding="utf-8")
    .replace('version: "0.3.0"', 'version: "0.4.0"')
    .replace(
        "\ninitiatives:\n",
        '\ncarry_forward:\n  from: "0.3.0"\n  map:\n    NW-01: NW-01\n    CY-03: CY-03\n    PP-01: PP-02\n'
        "\ninitiatives:\n",
    )
)


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def test_the_map_is_parsed_and_survives_export() -> None:
    newer = load_framework_text(NEWER, "newer.yaml")
    assert newer.carry_forward is not None
    assert newer.carry_forward.from_version == "0.3.0"
    assert newer.carry_forward.mapping == (("NW-01", "NW-01"), ("CY-03", "CY-03"), ("PP-01", "PP-02"))
    assert load_framework_text(export_framework(newer)).fingerprint == newer.fingerprint
    assert carry_forward_problems(newer, OLD) == ()


def test_a_map_into_unknown_or_doubled_new_codes_is_refused_with_lines() -> None:
    text = NEWER.replace("    CY-03: CY-03\n", "    CY-03: CY-09\n    CY-01: NW-01\n")
    with pytest.raises(FrameworkError) as error:
        load_framework_text(text, "newer.yaml")
    assert [(p.line, p.path, p.message) for p in error.value.problems] == [
        (line_of(text, "    CY-03: CY-09"), "carry_forward.map.CY-03", "unknown question CY-09"),
        (
            line_of(text, "    CY-01: NW-01"),
            "carry_forward.map.CY-01",
            "CY-01 and NW-01 both carry into NW-01",
        ),
    ]


def test_old_codes_are_checked_against_the_version_named_with_lines() -> None:
    text = NEWER.replace("    PP-01: PP-02\n", "    PP-07: PP-02\n")
    newer = load_framework_text(text, "newer.yaml")
    assert [(p.line, p.path, p.message) for p in carry_forward_problems(newer, OLD)] == [
        (
            line_of(text, "    PP-07: PP-02"),
            "carry_forward.map.PP-07",
            "unknown question PP-07 in small-test 0.3.0",
        ),
    ]
    wrong_version = load_framework_text(text.replace('from: "0.3.0"', 'from: "0.2.0"'), "newer.yaml")
    assert carry_forward_problems(wrong_version, OLD)[0].message == (
        "the map is from small-test 0.2.0, not small-test 0.3.0"
    )


def test_answers_carry_under_their_new_codes_and_only_where_the_new_question_allows_them() -> None:
    newer = load_framework_text(NEWER, "newer.yaml")
    answers = {
        "NW-01": Answer.of("c"),
        "CY-03": Answer.of(True),
        "PP-01": Answer.of(50.0),  # a percentage cannot answer PP-02, a scale: left behind with `into`
        "NW-02": Answer.of(3.0),  # not in the map: not carried
    }
    assert carry_forward(answers, dict(newer.carry_forward.mapping)) == {
        "NW-01": Answer.of("c"),
        "CY-03": Answer.of(True),
        "PP-02": Answer.of(50.0),
    }
    assert carry_forward(answers, newer.carry_forward.mapping, into=newer) == {
        "NW-01": Answer.of("c"),
        "CY-03": Answer.of(True),
    }


# --- which versions a declared map reaches (roadmap.engine.carry.declared_question_map) ---------------------


def test_the_2026_map_reaches_1_0_0_and_1_0_1_but_not_itself() -> None:
    from roadmap.engine.carry import declared_question_map
    from roadmap.engine.loader import load_framework

    shipped = Path(__file__).resolve().parents[2] / "roadmap" / "frameworks"
    v100, v101, v110 = (
        load_framework(shipped / f"central-offices-{v}.yaml") for v in ("1.0.0", "1.0.1", "1.1.0")
    )
    mapped = declared_question_map(v110, v100)
    assert mapped is not None
    assert declared_question_map(v110, v101) == mapped  # 1.0.1 kept 1.0.0's questions
    assert declared_question_map(v110, v110) is None  # the same version carries every answer by its code
    assert declared_question_map(v101, v100) is None  # 1.0.1 declares no map
    assert "PLT-02" not in mapped  # redefined by Decree 278/2025: asked again
    assert "DAT-08" not in mapped
