"""The framework loader: what a valid file becomes, and how every kind of broken file is reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from roadmap.engine.conditions import AllOf, AnyOf, Leaf, Not, Operator, Subject
from roadmap.engine.export import export_framework, framework_document
from roadmap.engine.framework import Framework, LocalText, QuestionType
from roadmap.engine.loader import FrameworkError, Problem, load_framework, load_framework_text

FRAMEWORKS = Path(__file__).parent.parent / "fixtures" / "frameworks"
BROKEN = FRAMEWORKS / "broken"
SMALL = FRAMEWORKS / "small.yaml"
TINY = FRAMEWORKS / "tiny.yaml"
PROFILED = FRAMEWORKS / "profiled.yaml"
SHIPPED = Path(__file__).parent.parent.parent / "roadmap" / "frameworks" / "central-offices-1.0.1.yaml"


@pytest.fixture(scope="module")
def small() -> Framework:
    return load_framework(SMALL)


def problems_of(path: Path) -> tuple[Problem, ...]:
    with pytest.raises(FrameworkError) as caught:
        load_framework(path)
    return caught.value.problems


# --- a valid file ---------------------------------------------------------------------------------------


def test_small_fixture_loads_into_frozen_objects(small: Framework) -> None:
    assert small.id == "small-test"
    assert small.version == "0.3.0"
    assert small.locales == ("vi", "en")
    assert small.published == dt.date(2026, 3, 15)
    assert [d.code for d in small.dimensions] == ["NETW", "CYBR", "PEOP"]
    assert len(small.questions) == 12
    assert [q.code for q in small.questions_of("PEOP")] == ["PP-01", "PP-02", "PP-03", "PP-04"]
    assert {q.type for q in small.questions} == set(QuestionType)
    with pytest.raises(AttributeError):
        small.questions[0].weight = 9  # type: ignore[misc]


def test_texts_keep_the_file_locale_order(small: Framework) -> None:
    name = small.dimension("NETW").name
    assert name == LocalText((("vi", "Hạ tầng mạng và kết nối"), ("en", "Network and connectivity")))
    assert name.get("en") == "Network and connectivity"
    assert name.get("fr") == "Hạ tầng mạng và kết nối"


def test_yes_no_question_without_options_gets_yes_one_and_no_zero(small: Framework) -> None:
    options = small.question("NW-04").options
    assert [(o.code, o.points) for o in options] == [("yes", 1.0), ("no", 0.0)]
    assert options[0].label.as_dict() == {"vi": "Có", "en": "Yes"}
    assert options[1].label.as_dict() == {"vi": "Không", "en": "No"}


def test_yes_no_question_keeps_its_own_option_labels(small: Framework) -> None:
    assert small.question("CY-03").option("yes").label.get("vi") == "Đã phê duyệt"  # type: ignore[union-attr]


def test_evidence_from_option_becomes_that_option_points(small: Framework) -> None:
    question = small.question("NW-01")
    assert question.evidence_threshold == 1.0
    assert question.evidence_from_option == "c"
    assert small.question("NW-03").evidence_threshold == 0.75
    assert small.question("NW-03").evidence_from_option is None
    assert small.question("NW-02").evidence_threshold is None


def test_percent_ranges_over_0_to_100_and_number_keeps_its_range(small: Framework) -> None:
    percent, number = small.question("NW-03"), small.question("NW-02")
    assert (percent.min_value, percent.max_value) == (0.0, 100.0)
    assert (number.min_value, number.max_value) == (0.0, 8760.0)
    assert [(s.at_least, s.points) for s in number.points_by_value] == [
        (0, 1),
        (4, 0.75),
        (24, 0.25),
        (72, 0),
    ]
    assert small.question("CY-01").min_value is None


def test_condition_leaves_are_resolved_for_evaluation(small: Framework) -> None:
    show_if = small.question("CY-04").show_if
    assert show_if == Leaf(Subject.ANSWER, "CY-03", Operator.EQ, True)
    trigger = small.initiative("K03").trigger
    assert isinstance(trigger, AnyOf)
    negated, ordinal = trigger.items
    assert negated == Not(Leaf(Subject.ANSWER, "CY-02", Operator.CONTAINS, "mfa"))
    assert ordinal == Leaf(Subject.ANSWER, "CY-01", Operator.LE, "l2", ("l1", "l2", "l3", "l4", "l5"))
    gate_condition = small.scoring.gates[1].when
    assert isinstance(gate_condition, AnyOf)
    score_leaf, number_leaf = gate_condition.items
    assert score_leaf == Leaf(Subject.SCORE, "CYBR", Operator.LT, 40.0)
    assert isinstance(number_leaf, Leaf)
    assert isinstance(number_leaf.value, float)
    consistency = small.scoring.consistency[0].when
    assert isinstance(consistency, AllOf)


def test_list_values_become_tuples() -> None:
    text = TINY.read_text(encoding="utf-8").replace(
        "trigger: {q: NW-03, op: eq, value: false}", "trigger: {q: NW-02, op: in, value: [0, 1.5]}"
    )
    trigger = load_framework_text(text).initiative("K01").trigger
    assert trigger == Leaf(Subject.ANSWER, "NW-02", Operator.IN, (0.0, 1.5))
    assert isinstance(trigger, Leaf)
    assert all(isinstance(value, float) for value in trigger.value)  # type: ignore[union-attr]


def test_scoring_and_initiatives(small: Framework) -> None:
    scoring = small.scoring
    assert [(b.level, b.min_score, b.max_score) for b in scoring.bands][2] == (3, 50, 70)
    assert (scoring.score_decimals, scoring.index_decimals) == (2, 1)
    assert (scoring.dont_know_points, scoring.evidence_discount) == (0.1, 0.4)
    assert [g.code for g in scoring.gates] == ["G-CYBR-LEVELS", "G-PEOP-WEAK-CYBR"]
    mandatory = small.initiative("K02")
    assert mandatory.mandatory
    assert mandatory.deadline == dt.date(2027, 6, 30)
    assert small.initiative("K04").prerequisites == ("K03",)
    k04 = small.initiative("K04")
    assert k04.raises == ()
    assert [(e.question, e.dimension, e.at_least) for e in k04.effects] == [
        ("PP-01", "PEOP", 90.0),
        ("PP-02", "PEOP", "mid"),
    ]


# --- fingerprint and round trip -------------------------------------------------------------------------


def test_fingerprint_ignores_formatting_comments_and_number_spelling(small: Framework) -> None:
    document = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    document["dimensions"][0]["weight"] = 50.0
    reformatted = "# another comment\n" + yaml.safe_dump(document, allow_unicode=True, sort_keys=True)
    assert load_framework_text(reformatted).fingerprint == small.fingerprint
    assert len(small.fingerprint) == 64


def test_fingerprint_changes_with_content(small: Framework) -> None:
    changed = SMALL.read_text(encoding="utf-8").replace("weight: 50", "weight: 51")
    assert load_framework_text(changed).fingerprint != small.fingerprint


def test_spelled_out_defaults_do_not_change_the_fingerprint() -> None:
    tiny = load_framework(TINY)
    explicit = TINY.read_text(encoding="utf-8").replace(
        "    weight: 1\n  - code: CY-01\n",
        "    weight: 1\n    critical: false\n    allow_na: false\n  - code: CY-01\n",
    )
    assert load_framework_text(explicit).fingerprint == tiny.fingerprint


@pytest.mark.parametrize("path", [SMALL, TINY, PROFILED, SHIPPED], ids=lambda path: path.name)
def test_export_then_load_gives_the_same_framework_and_fingerprint(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path.name} is not written yet")
    original = load_framework(path)
    exported = export_framework(original)
    again = load_framework_text(exported, "exported.yaml")
    assert again.fingerprint == original.fingerprint
    assert again == original
    assert export_framework(again) == exported


def test_export_leaves_default_yes_no_options_out_and_keeps_custom_ones(small: Framework) -> None:
    questions = {q["code"]: q for q in framework_document(small)["questions"]}
    assert "options" not in questions["NW-04"]
    assert [o["code"] for o in questions["CY-03"]["options"]] == ["yes", "no"]
    assert questions["NW-01"]["evidence"] == {"from_option": "c"}


# --- broken files: one per kind of problem --------------------------------------------------------------

# file → every expected problem as (line, YAML path, a fragment of the message). Each file is tiny.yaml with
# one fault; the faulty line carries a "# ← broken" comment.
BROKEN_CASES: dict[str, list[tuple[int, str, str]]] = {
    # unknown or duplicate codes
    "duplicate_dimension_code": [
        (47, "dimensions[2].code", "duplicate dimension code NETW (first at dimensions[0]")
    ],
    "duplicate_question_code": [
        (101, "questions[6].code", "duplicate question code CY-03 (first at questions[5]")
    ],
    "duplicate_option_code": [(82, "questions[3].options[1].code", "duplicate option code mfa")],
    "duplicate_initiative_code": [(156, "initiatives[2].code", "duplicate initiative code K01")],
    "duplicate_gate_code": [(124, "scoring.gates[1].code", "duplicate gate code G-CYBR-LEVELS")],
    "duplicate_policy_code": [(12, "policies[1].code", "duplicate policy code ND-85-2016")],
    "duplicate_dti_index_code": [(17, "dti_indices[2].code", "duplicate DTI index code DTI-SEC")],
    "duplicate_group_code": [
        (20, "groups[1].code", "duplicate group code core (first at groups[0], line 18)")
    ],
    "unknown_question_dimension": [(102, "questions[6].dimension", "unknown dimension PEOP")],
    "unknown_group": [(25, "dimensions[0].group", "unknown group people")],
    "unknown_dti_index": [(26, "dimensions[0].dti", "unknown DTI index DTI-HR")],
    "unknown_policy_ref": [(78, "questions[3].policy_refs[0]", "unknown policy ND-13-2023")],
    "code_pattern": [(101, "questions[6].code", "'cy-04' is not a valid code here")],
    # conditions
    "condition_unknown_question": [(139, "initiatives[0].trigger.q", "unknown question NW-09")],
    "condition_unknown_dimension": [(127, "scoring.gates[1].when.score", "unknown dimension PEOP")],
    "condition_choice_compared_with_number": [
        (
            139,
            "initiatives[0].trigger.value",
            "NW-01 is a single_choice question: compare it with one of its option",
        )
    ],
    "condition_unknown_option": [
        (160, "initiatives[2].trigger.not.value", "CY-01 has no option sso (options: mfa, backup, none)")
    ],
    "condition_operator_not_allowed": [
        (139, "initiatives[0].trigger.op", "operator lt cannot be used on NW-03, a yes_no question")
    ],
    "condition_list_where_one_value": [
        (148, "initiatives[1].trigger.value", "operator eq needs one value, not a list")
    ],
    "condition_one_value_where_list": [
        (139, "initiatives[0].trigger.value", "operator in needs a non-empty list of values")
    ],
    "condition_yes_no_not_boolean": [
        (
            148,
            "initiatives[1].trigger.value",
            "CY-02 is a yes_no question: compare it with true or false, not 'no'",
        )
    ],
    "condition_value_out_of_range": [
        (132, "scoring.consistency[0].when.all[1].value", "9000 is outside the range of NW-02 (0 to 8760)")
    ],
    "condition_state_operator_with_value": [
        (139, "initiatives[0].trigger.value", "operator unanswered takes no value")
    ],
    "condition_is_na_never_holds": [
        (139, "initiatives[0].trigger.op", "is_na never holds: NW-03 does not allow N/A")
    ],
    "condition_two_subjects": [
        (139, "initiatives[0].trigger", "exactly one subject of q, profile, score, level, gap")
    ],
    "condition_text_question_compared": [
        (139, "initiatives[0].trigger.op", "operator eq cannot be used on CY-04, a text question")
    ],
    "show_if_later_question": [(96, "questions[5].show_if.q", "refers to CY-04, which comes after CY-03")],
    "show_if_unknown_question": [(96, "questions[5].show_if.q", "unknown question CY-09")],
    "show_if_same_question": [(96, "questions[5].show_if.q", "refers to CY-03 itself")],
    "show_if_not_an_answer": [
        (96, "questions[5].show_if.score", "show_if may refer only to earlier answers (q)")
    ],
    "gate_own_dimension": [
        (122, "scoring.gates[0].when.score", "a gate of CYBR cannot depend on CYBR's own score")
    ],
    "gate_cycle": [
        (
            122,
            "scoring.gates[0].when.level",
            "gates depend on each other's levels in a loop: CYBR → NETW → CYBR",
        )
    ],
    # initiatives
    "prerequisite_cycle": [(149, "initiatives[1].prerequisites[0]", "prerequisite cycle: K02 → K03 → K02")],
    "prerequisite_unknown": [(161, "initiatives[2].prerequisites[0]", "unknown initiative K09")],
    "deadline_not_mandatory": [
        (153, "initiatives[1].deadline", "only a mandatory initiative has a deadline")
    ],
    "uplift_unknown_dimension": [(138, "initiatives[0].raises[0].dimension", "unknown dimension PEOP")],
    "uplift_levels_out_of_range": [
        (147, "initiatives[1].raises[0].levels", "less than or equal to 4 (found 5)")
    ],
    # bands
    "bands_overlap": [
        (
            111,
            "scoring.bands[2].min",
            "overlaps the band before: it starts at 45, before that band ends at 50",
        )
    ],
    "bands_gap": [(111, "scoring.bands[2].min", "leaves a gap from 50 to 55")],
    "bands_not_from_zero": [(109, "scoring.bands[0].min", "the first band must start at 0, not 5")],
    "bands_not_to_hundred": [(113, "scoring.bands[4].max", "the last band must end at 100, not 95")],
    "bands_repeat_level": [
        (108, "scoring.bands", "no band for level 4"),
        (112, "scoring.bands[3].level", "level 3 already has a band (scoring.bands[2])"),
    ],
    "bands_not_ascending": [(108, "scoring.bands", "bands must ascend by level")],
    # weights, points, options
    "dimension_weight_zero": [(24, "dimensions[0].weight", "greater than 0 (found 0)")],
    "dimension_questions_all_weight_zero": [
        (34, "dimensions[1]", "every question of dimension CYBR has weight 0")
    ],
    "dimension_without_questions": [(47, "dimensions[2]", "dimension PEOP has no questions")],
    "text_question_weighted": [
        (105, "questions[6].weight", "a text question is never scored: its weight must be 0")
    ],
    "points_out_of_range": [(57, "questions[0].options[2].points", "less than or equal to 1 (found 1.5)")],
    "options_not_worst_to_best": [
        (
            56,
            "questions[0].options[1].points",
            "options go from worst to best, but b (0 points) scores below a (0.25)",
        )
    ],
    "exclusive_on_single_choice": [
        (55, "questions[0].options[0].exclusive", "only multi_choice options can be exclusive")
    ],
    # numbers
    "number_without_min_max": [
        (58, "questions[1].min", "a number question needs min"),
        (58, "questions[1].max", "a number question needs max"),
    ],
    "number_min_not_below_max": [(64, "questions[1].max", "max 0 must be above min 0")],
    "points_by_value_not_ascending": [
        (
            68,
            "questions[1].points_by_value[2].at_least",
            "steps must ascend: at_least 12 does not come after 24",
        )
    ],
    "points_by_value_first_not_at_min": [
        (66, "questions[1].points_by_value[0].at_least", "the first step must be at min (0), not at 1")
    ],
    "percent_with_other_range": [(96, "questions[5].max", "a percent question always ends at 100")],
    # yes/no and evidence
    "yes_no_wrong_options": [
        (74, "questions[2].options", "options must be exactly yes and no, not yes, maybe")
    ],
    "yes_no_unquoted_yes": [
        (75, "questions[2].options[0].code", "YAML reads a bare yes/no/on/off/true/false")
    ],
    "evidence_unknown_option": [
        (53, "questions[0].evidence.from_option", "NW-01 has no option d (options: a, b, c)")
    ],
    # texts and shape
    "missing_locale": [(51, "questions[0].text", "missing locale en")],
    "extra_locale": [(51, "questions[0].text", "locale fr is not in `locales` (vi, en)")],
    "empty_translation": [(104, "questions[6].text", "empty text in locale en")],
    "unknown_key": [(74, "questions[2].colour", "unknown key 'colour'")],
    "missing_key": [(34, "dimensions[1].dti", "required key is missing")],
    "wrong_type": [(73, "questions[2].weight", "valid number (found '1')")],
    "four_level_descriptors": [
        (41, "dimensions[1].levels", "4 level descriptors for 5 levels (one band each)")
    ],
    "target_level_out_of_range": [
        (27, "dimensions[0].default_target", "the target 6 is above the top level 5")
    ],
    "duplicate_yaml_key": [(74, "questions[2].weight", "duplicate key 'weight' (first on line 73)")],
    "yaml_syntax_error": [(73, "", "not valid YAML: mapping values are not allowed here")],
    # several at once
    "several_problems": [
        (53, "questions[0].evidence.from_option", "NW-01 has no option d"),
        (74, "questions[2].colour", "unknown key 'colour'"),
        (97, "questions[5].show_if.q", "refers to CY-04, which comes after CY-03"),
        (105, "questions[6].text", "missing locale en"),
        (112, "scoring.bands[2].min", "leaves a gap from 50 to 55"),
        (150, "initiatives[1].prerequisites[0]", "prerequisite cycle: K02 → K03 → K02"),
    ],
}


def test_the_base_of_the_broken_files_is_valid() -> None:
    load_framework(TINY)


def test_every_broken_file_has_a_case() -> None:
    assert sorted(path.stem for path in BROKEN.glob("*.yaml")) == sorted(BROKEN_CASES)


@pytest.mark.parametrize("name", sorted(BROKEN_CASES))
def test_broken_file_reports_its_problem_on_its_line(name: str) -> None:
    path = BROKEN / f"{name}.yaml"
    problems = problems_of(path)
    found = [(problem.line, problem.path, problem.message) for problem in problems]
    for line, yaml_path, fragment in BROKEN_CASES[name]:
        assert any(
            (found_line, found_path) == (line, yaml_path) and fragment in message
            for found_line, found_path, message in found
        ), f"expected line {line}, {yaml_path}: {fragment!r}; got {found}"
    assert len(problems) == len(BROKEN_CASES[name]), found
    assert all(problem.source == str(path) for problem in problems)
    marked = {number for number, text in enumerate(path.read_text().splitlines(), 1) if "# ← broken" in text}
    assert {problem.line for problem in problems} <= marked


def test_all_problems_of_a_file_are_reported_at_once_in_line_order() -> None:
    problems = problems_of(BROKEN / "several_problems.yaml")
    assert [problem.line for problem in problems] == [53, 74, 97, 105, 112, 150]


def test_a_broken_question_still_counts_as_known_elsewhere() -> None:
    # CY-02 fails the schema, yet references to it are not reported as unknown.
    text = TINY.read_text(encoding="utf-8").replace(
        "    weight: 2\n    critical: true\n", '    weight: "2"\n    critical: true\n'
    )
    with pytest.raises(FrameworkError) as caught:
        load_framework_text(text, "t.yaml")
    assert [problem.path for problem in caught.value.problems] == ["questions[4].weight"]


def test_problem_reads_as_file_line_path_message() -> None:
    problem = Problem("f.yaml", "questions[3].show_if.q", 12, "refers to IP6-07, which comes after IP6-02")
    assert str(problem) == "f.yaml:12: questions[3].show_if.q: refers to IP6-07, which comes after IP6-02"
    error = FrameworkError((problem,))
    assert "1 problem in the framework file" in str(error)
    assert str(problem) in str(error)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "the file must hold a mapping"),
        ("a: [1\n", "not valid YAML"),
    ],
)
def test_files_that_are_not_a_framework_at_all(text: str, fragment: str) -> None:
    with pytest.raises(FrameworkError) as caught:
        load_framework_text(text, "x.yaml")
    assert fragment in caught.value.problems[0].message


def test_a_missing_file_is_a_framework_error(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError) as caught:
        load_framework(tmp_path / "nowhere.yaml")
    assert "cannot read the file" in caught.value.problems[0].message


def test_a_file_that_is_not_utf8_is_a_framework_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: Mức".encode("utf-16"))
    with pytest.raises(FrameworkError) as caught:
        load_framework(path)
    assert "not UTF-8" in caught.value.problems[0].message


def test_a_quoted_date_means_the_same_date() -> None:
    text = TINY.read_text(encoding="utf-8").replace("published: 2026-03-15", 'published: "2026-03-15"')
    assert load_framework_text(text).fingerprint == load_framework(TINY).fingerprint


def test_an_impossible_date_is_located() -> None:
    text = TINY.read_text(encoding="utf-8").replace("deadline: 2027-06-30", "deadline: 2027-02-30")
    with pytest.raises(FrameworkError) as caught:
        load_framework_text(text)
    (problem,) = caught.value.problems
    assert (problem.line, problem.message) == (
        154,
        "not valid YAML: cannot read '2027-02-30': day is out of range for month",
    )


def test_aliases_are_refused() -> None:
    text = (
        TINY.read_text(encoding="utf-8")
        .replace("title: {vi:", "title: &title {vi:", 1)
        .replace('description: {vi: "Chỉ dùng cho kiểm thử.", en: "For tests only."}', "description: *title")
    )
    with pytest.raises(FrameworkError) as caught:
        load_framework_text(text)
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (6, "not valid YAML: aliases (*name) are not allowed: write the content out")
    ]


def test_a_duplicate_key_does_not_hide_other_problems() -> None:
    text = (
        TINY.read_text(encoding="utf-8")
        .replace("    weight: 1\n  - code: CY-01\n", "    weight: 1\n    weight: 1\n  - code: CY-01\n")
        .replace("format: 1", "format: 2")
    )
    with pytest.raises(FrameworkError) as caught:
        load_framework_text(text)
    assert [(p.line, p.path) for p in caught.value.problems] == [(2, "format"), (74, "questions[2].weight")]


def test_a_broken_section_does_not_make_every_reference_to_it_unknown() -> None:
    text = TINY.read_text(encoding="utf-8").replace("questions:\n", "questions: 5\nall_questions:\n", 1)
    with pytest.raises(FrameworkError) as caught:
        load_framework_text(text)
    assert [p.path for p in caught.value.problems] == ["questions", "all_questions"]
