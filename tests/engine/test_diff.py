"""The difference between two framework versions, and which dimensions stay comparable across them."""

from __future__ import annotations

from pathlib import Path

from roadmap.engine.diff import ChangeKind, Part, comparable_dimensions, diff_frameworks
from roadmap.engine.loader import load_framework, load_framework_text
from tests.framework_versions import small_next_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "frameworks"
SMALL = FIXTURES / "small.yaml"


def test_a_version_compared_with_itself_has_no_difference_and_every_dimension_compares() -> None:
    small = load_framework(SMALL)
    assert diff_frameworks(small, small).is_empty
    assert comparable_dimensions(small, small) == {"NETW", "CYBR", "PEOP"}


def test_changed_points_and_weights_are_listed_with_their_values() -> None:
    changes = diff_frameworks(load_framework(SMALL), load_framework_text(small_next_text()))
    assert [(c.part, c.kind, c.code) for c in changes.changes] == [
        (Part.QUESTION, ChangeKind.CHANGED, "CY-01"),
        (Part.OPTION, ChangeKind.CHANGED, "NW-01/b"),
    ]
    [weight] = changes.of(Part.QUESTION)[0].fields
    assert (weight.field, weight.before, weight.after) == ("weight", "3", "4")
    [points] = changes.of(Part.OPTION)[0].fields
    assert (points.field, points.before, points.after) == ("points", "0.5", "0.6")


def test_added_and_removed_items_are_named_and_their_options_are_not_listed_apart() -> None:
    text = SMALL.read_text(encoding="utf-8").replace('version: "0.3.0"', 'version: "0.5.0"')
    start = text.index("  - code: PP-02")
    end = text.index("  - code: PP-03")
    # The initiative whose effect named PP-02 loses that effect too (an effect must name a real question).
    without = (text[:start] + text[end:]).replace("      - {question: PP-02, at_least: mid}\n", "")
    removed = load_framework_text(without)
    changes = diff_frameworks(load_framework(SMALL), removed)
    questions = [c for c in changes.changes if c.part is Part.QUESTION]
    assert [(c.kind, c.code) for c in questions] == [(ChangeKind.REMOVED, "PP-02")]
    assert questions[0].name is not None
    assert questions[0].name.get("en").startswith("What is the typical digital-skills level")
    assert [(c.part, c.kind, c.code) for c in changes.changes if c.part is not Part.QUESTION] == [
        (Part.INITIATIVE, ChangeKind.CHANGED, "K04")
    ]
    back = diff_frameworks(removed, load_framework(SMALL))
    added = [(c.kind, c.code) for c in back.changes if c.part is Part.QUESTION]
    assert added == [(ChangeKind.ADDED, "PP-02")]
    # PEOP lost a scored question: it is no longer comparable; the other dimensions are.
    assert comparable_dimensions(load_framework(SMALL), removed) == {"NETW", "CYBR"}


def test_a_dimension_compares_across_versions_only_if_its_scored_questions_keep_their_points() -> None:
    assert comparable_dimensions(load_framework(SMALL), load_framework_text(small_next_text())) == {"PEOP"}


def test_a_renamed_question_compares_through_the_map_given() -> None:
    text = SMALL.read_text(encoding="utf-8").replace('version: "0.3.0"', 'version: "0.6.0"')
    renamed = load_framework_text(text.replace("PP-02", "PP-20"))
    assert "PEOP" not in comparable_dimensions(load_framework(SMALL), renamed)
    assert "PEOP" in comparable_dimensions(load_framework(SMALL), renamed, {"PP-02": "PP-20"})


def test_answers_carry_where_the_question_takes_the_same_answers_or_is_mapped() -> None:
    from roadmap.engine.diff import carried_questions

    small = load_framework(SMALL)
    assert carried_questions(small, small) == {q.code: q.code for q in small.questions}
    text = small_next_text("0.8.0").replace("PP-02", "PP-20")
    start = text.index("  - code: NW-01")
    text = text[:start] + text[start:].replace("      - code: c\n", "      - code: all\n", 1)
    text = text.replace("evidence: {from_option: c}", "evidence: {from_option: all}", 1)
    changed = load_framework_text(text)
    carried = carried_questions(small, changed)
    assert "NW-01" not in carried  # its options changed: asked again
    assert "PP-02" not in carried  # renamed, and no map says so
    assert carried["CY-01"] == "CY-01"  # only its weight changed
    assert carried_questions(small, changed, {"PP-02": "PP-20"})["PP-02"] == "PP-20"
