"""Initiative effects: the answers an initiative brings about, validated when the file loads (a real,
scored question and an answer it can have), every problem located and all listed at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmap.engine.export import export_framework
from roadmap.engine.loader import FrameworkError, load_framework, load_framework_text

SMALL = Path(__file__).parent.parent / "fixtures" / "frameworks" / "small.yaml"
TEXT = SMALL.read_text(encoding="utf-8")


def problems_of(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(FrameworkError) as error:
        load_framework_text(text, "small.yaml")
    return [(problem.line, problem.path, problem.message) for problem in error.value.problems]


def line_of(fragment: str) -> int:
    return TEXT[: TEXT.index(fragment)].count("\n") + 1


def test_an_effect_on_an_unknown_question_is_a_located_problem() -> None:
    text = TEXT.replace("- {question: NW-04, value: true}", "- {question: NW-09, value: true}")
    assert problems_of(text) == [
        (
            line_of("- {question: NW-04, value: true}"),
            "initiatives[0].effects[0].question",
            "unknown question NW-09",
        )
    ]


def test_impossible_effect_values_are_all_reported_each_on_its_line() -> None:
    text = (
        TEXT.replace("- {question: NW-04, value: true}", "- {question: NW-04, value: 3}")
        .replace("- {question: CY-03, value: true}", "- {question: CY-03, at_least: 1}")
        .replace("- {question: CY-02, value: [mfa, backup]}", "- {question: CY-02, value: [mfa, vpn]}")
        .replace("- {question: CY-01, at_least: l3}", "- {question: CY-01, at_least: l9}")
        .replace("- {question: PP-01, at_least: 90}", "- {question: PP-01, at_least: 120}")
        .replace("- {question: PP-02, at_least: mid}", "- {question: PP-03, value: done}")
    )
    found = problems_of(text)
    assert [(path, message) for _line, path, message in found] == [
        ("initiatives[0].effects[0].value", "NW-04 is a yes_no question: its answer is true or false, not 3"),
        ("initiatives[1].effects[0].at_least", "CY-03 is a yes_no question, which has no order: use value"),
        ("initiatives[2].effects[0].value[1]", "CY-02 has no option vpn (options: mfa, backup, edr, none)"),
        ("initiatives[2].effects[1].at_least", "CY-01 has no option l9 (options: l1, l2, l3, l4, l5)"),
        ("initiatives[3].effects[0].at_least", "120 is outside the range of PP-01 (0 to 100)"),
        ("initiatives[3].effects[1]", "PP-03 is a text question: an effect cannot set its answer"),
    ]
    assert [line for line, _path, _message in found] == sorted(line for line, _p, _m in found)
    assert found[0][0] == line_of("- {question: NW-04, value: true}")


def test_an_initiative_without_effects_or_raises_and_a_doubled_effect_are_refused() -> None:
    text = TEXT.replace("    effects:\n      - {question: NW-04, value: true}\n", "").replace(
        "      - {question: PP-02, at_least: mid}",
        "      - {question: PP-02, at_least: mid}\n      - {question: PP-01, value: 100}",
    )
    assert [(path, message) for _line, path, message in problems_of(text)] == [
        ("initiatives[0]", "an initiative needs effects: the answers it brings about when done"),
        ("initiatives[3].effects[2].question", "PP-01 has two effects"),
    ]


def test_a_file_of_format_1_0_0_with_raises_only_still_loads() -> None:
    tiny = load_framework(Path(__file__).parent.parent / "fixtures" / "frameworks" / "tiny.yaml")
    assert all(initiative.raises and not initiative.effects for initiative in tiny.initiatives)
    assert tiny.initiatives[0].dimensions() == tuple(u.dimension for u in tiny.initiatives[0].raises)


def test_effects_survive_export_and_load() -> None:
    small = load_framework(SMALL)
    again = load_framework_text(export_framework(small), "exported.yaml")
    assert [i.effects for i in again.initiatives] == [i.effects for i in small.initiatives]
    assert again.fingerprint == small.fingerprint


PROFILED = Path(__file__).parent.parent / "fixtures" / "frameworks" / "profiled.yaml"


def test_obligation_problems_are_located_and_listed_at_once() -> None:
    text = PROFILED.read_text(encoding="utf-8")
    broken = (
        text.replace("      source: QD-28-2018\n", "      source: QD-99-2099\n")
        .replace("    trigger: {q: GV-01, op: le, value: b}", "    trigger: {level: GOV, op: le, value: 2}")
        .replace(
            "    mandatory: true\n    obligation:\n      kind: directive",
            "    obligation:\n      kind: directive",
        )
    )
    with pytest.raises(FrameworkError) as error:
        load_framework_text(broken, "profiled.yaml")
    assert [(problem.path, problem.message) for problem in error.value.problems] == [
        (
            "initiatives[2].trigger.level",
            "the trigger of an obligation tests the legal fact (answers, profile), not a level",
        ),
        ("initiatives[2].obligation", "only a mandatory initiative carries an obligation (mandatory: true)"),
        ("initiatives[3].obligation.source", "unknown policy QD-99-2099"),
    ]
    assert all(problem.line is not None and problem.line > 200 for problem in error.value.problems)
