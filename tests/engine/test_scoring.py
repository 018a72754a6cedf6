"""Unit tests of the scoring engine on a framework built in Python (independent of the loader)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import pickle
from collections.abc import Mapping

import pytest

from roadmap.engine.answers import Answer
from roadmap.engine.conditions import AllOf, Leaf, LeafValue, Not, Operator, Subject
from roadmap.engine.framework import (
    Band,
    ConsistencyCheck,
    CostClass,
    Dimension,
    DtiIndex,
    Effect,
    Framework,
    Gate,
    IndexGroup,
    Initiative,
    LocalText,
    Option,
    Question,
    QuestionType,
    ScoringRules,
    ValueStep,
)
from roadmap.engine.scoring import (
    ENGINE_VERSION,
    Exclusion,
    GuidanceStatus,
    InvalidAnswer,
    InvalidInput,
    LevelOverride,
    PointsOverride,
    ScoreResult,
    next_level_guidance,
    project_with_initiatives,
    result_from_dict,
    result_to_dict,
    score,
    validate_answer,
    validate_answers,
    with_answers,
)

# ---------------------------------------------------------------------------------------------------------
# A two-dimension framework: SEC (weight 2, foundation) and NET (weight 1, operations).


def text(value: str) -> LocalText:
    return LocalText((("vi", value), ("en", value)))


def options(*points: float, exclusive: tuple[str, ...] = ()) -> tuple[Option, ...]:
    codes = "abcdefgh"
    return tuple(Option(codes[i], text(codes[i]), p, codes[i] in exclusive) for i, p in enumerate(points))


def question(code: str, kind: QuestionType, weight: float, **fields: object) -> Question:
    dimension = code.split("-")[0]
    return Question(code=code, dimension=dimension, type=kind, text=text(code), weight=weight, **fields)  # type: ignore[arg-type]


def leaf(ref: str, op: Operator, value: LeafValue = None, order: tuple[str, ...] = ()) -> Leaf:
    return Leaf(Subject.ANSWER, ref, op, value, order)


SEC_01_NO = leaf("SEC-01", Operator.EQ, False)
ORDER = ("a", "b", "c", "d", "e")
BANDS = tuple(Band(level, 20.0 * (level - 1), 20.0 * level) for level in range(1, 6))

QUESTIONS = (
    # SEC: weights 2 + 3 + 1 + 2 + 2 = 10
    question("SEC-01", QuestionType.YES_NO, 2),
    question(
        "SEC-02", QuestionType.SINGLE_CHOICE, 3, options=options(0, 0.25, 0.75, 1), evidence_threshold=0.75
    ),
    question(
        "SEC-03",
        QuestionType.PERCENT,
        1,
        allow_na=True,
        points_by_value=(ValueStep(0, 0), ValueStep(50, 0.5), ValueStep(100, 1)),
    ),
    question("SEC-04", QuestionType.MULTI_CHOICE, 2, options=options(0.5, 0.5, 0, exclusive=("c",))),
    question(
        "SEC-05",
        QuestionType.SINGLE_CHOICE,
        2,
        options=options(0, 1),
        show_if=leaf("SEC-01", Operator.EQ, True),
    ),
    # NET: weights 1 + 1 (+ text 0)
    question(
        "NET-01",
        QuestionType.NUMBER,
        1,
        allow_dont_know=False,
        min_value=0,
        max_value=100,
        points_by_value=(ValueStep(0, 0), ValueStep(10, 0.5), ValueStep(50, 1)),
    ),
    question("NET-02", QuestionType.SCALE, 1, options=options(0, 0.25, 0.5, 0.75, 1)),
    question("NET-03", QuestionType.TEXT, 0, required=False),
)


def make_framework(
    questions: tuple[Question, ...] = QUESTIONS,
    *,
    gates: tuple[Gate, ...] | None = None,
    consistency: tuple[ConsistencyCheck, ...] | None = None,
    score_decimals: int = 1,
    index_decimals: int = 0,
    dont_know_points: float = 0,
    evidence_discount: float = 0.5,
    dimension_weights: Mapping[str, float] | None = None,
) -> Framework:
    dimension_weights = dimension_weights or {"SEC": 2, "NET": 1}
    dimensions = tuple(
        Dimension(
            code=code,
            name=text(code),
            description=text(code),
            weight=weight,
            group="foundation" if code == "SEC" else "operations",
            dti="DTI-" + code,
            default_target=3,
            levels=tuple(text(f"{code} level {n}") for n in range(1, 6)),
        )
        for code, weight in dimension_weights.items()
    )
    if gates is None:
        gates = (Gate("G-SEC-LEVELS", "SEC", 2, SEC_01_NO, text("no approved levels")),)
    if consistency is None:
        consistency = (
            ConsistencyCheck(
                "C-NET",
                ("NET-01", "NET-02"),
                AllOf((leaf("NET-01", Operator.GE, 50), leaf("NET-02", Operator.EQ, "a"))),
                text("fast but unmanaged"),
            ),
        )
    initiatives = (
        Initiative(
            "I1",
            text("I1"),
            text("I1"),
            (),
            SEC_01_NO,
            (),
            3,
            2.0,
            CostClass.S,
            mandatory=True,
            effects=(Effect("SEC-01", "SEC", value=True),),
        ),
        Initiative(
            "I2",
            text("I2"),
            text("I2"),
            (),
            SEC_01_NO,
            ("I1",),
            2,
            1.0,
            CostClass.M,
            effects=(Effect("NET-01", "NET", at_least=50.0), Effect("SEC-04", "SEC", value=frozenset({"a"}))),
        ),
    )
    return Framework(
        id="unit",
        version="0.0.1",
        title=text("unit"),
        description=text("unit"),
        locales=("vi", "en"),
        published=dt.date(2026, 1, 1),
        policies=(),
        dti_indices=tuple(DtiIndex("DTI-" + d.code, text(d.code)) for d in dimensions),
        groups=(IndexGroup("foundation", text("foundation")), IndexGroup("operations", text("operations"))),
        dimensions=dimensions,
        questions=questions,
        scoring=ScoringRules(
            BANDS, score_decimals, index_decimals, dont_know_points, evidence_discount, gates, consistency
        ),
        initiatives=initiatives,
    )


FRAMEWORK = make_framework()

BEST: dict[str, Answer] = {
    "SEC-01": Answer.of(True),
    "SEC-02": Answer.of("d"),
    "SEC-03": Answer.of(100.0),
    "SEC-04": Answer.of(frozenset({"a", "b"})),
    "SEC-05": Answer.of("b"),
    "NET-01": Answer.of(80.0),
    "NET-02": Answer.of("e"),
    "NET-03": Answer.of("notes"),
}
WORST: dict[str, Answer] = {
    "SEC-01": Answer.of(False),
    "SEC-02": Answer.of("a"),
    "SEC-03": Answer.of(0.0),
    "SEC-04": Answer.of(frozenset({"c"})),
    "NET-01": Answer.of(0.0),
    "NET-02": Answer.of("a"),
}
ALL_EVIDENCE = frozenset(q.code for q in QUESTIONS)


def changed(**changes: Answer | None) -> dict[str, Answer]:
    return with_answers(BEST, {code.replace("_", "-"): answer for code, answer in changes.items()})


# ---------------------------------------------------------------------------------------------------------
# Points, scores, levels


def test_best_answers_with_evidence_score_100_everywhere_and_index_1000() -> None:
    result = score(FRAMEWORK, BEST, evidence=ALL_EVIDENCE)
    assert [d.score for d in result.dimensions] == [100.0, 100.0]
    assert [d.level for d in result.dimensions] == [5, 5]
    assert result.index == 1000.0
    assert result.level == 5
    assert result.confidence == 1.0
    assert result.engine_version == ENGINE_VERSION == "2.0.0"
    assert (result.framework_id, result.framework_version) == ("unit", "0.0.1")


def test_worst_answers_score_zero_and_level_one() -> None:
    result = score(FRAMEWORK, WORST)
    assert [d.score for d in result.dimensions] == [0.0, 0.0]
    assert [d.level for d in result.dimensions] == [1, 1]
    assert result.index == 0.0
    assert result.level == 1


def test_dimension_score_is_the_weighted_mean_of_points() -> None:
    # SEC: 2×1 + 3×0.25 + 1×0.5 + 2×0.5 + 2×0 = 4.25 over 10 → 42.5
    answers = changed(SEC_02=Answer.of("b"), SEC_03=Answer.of(60.0), SEC_04=Answer.of(frozenset({"a"})),
                      SEC_05=Answer.of("a"))  # fmt: skip
    result = score(FRAMEWORK, answers)
    sec = result.dimension("SEC")
    assert sec.score == 42.5
    assert sec.raw_level == 3
    assert sec.counted_weight == 10.0
    assert result.question("SEC-03").points == 0.5


def test_multi_choice_points_are_the_capped_sum_of_the_chosen_options() -> None:
    result = score(FRAMEWORK, changed(SEC_04=Answer.of(frozenset({"a", "b"}))))
    assert result.question("SEC-04").points == 1.0
    result = score(FRAMEWORK, changed(SEC_04=Answer.of(frozenset({"b"}))))
    assert result.question("SEC-04").points == 0.5


def test_number_takes_the_points_of_the_last_step_at_or_below_the_value() -> None:
    for value, points in [(0.0, 0.0), (9.99, 0.0), (10.0, 0.5), (49.0, 0.5), (50.0, 1.0), (100.0, 1.0)]:
        assert score(FRAMEWORK, changed(NET_01=Answer.of(value))).question("NET-01").points == points


def test_scores_round_half_up_not_to_even() -> None:
    # 2×0.25 + 2×0 over 4 → 12.5; half-up gives 13 (banker's rounding would give 12).
    questions = (
        question("SEC-01", QuestionType.SINGLE_CHOICE, 2, options=options(0, 0.25)),
        question("SEC-02", QuestionType.SINGLE_CHOICE, 2, options=options(0, 0.25)),
        question("NET-01", QuestionType.SINGLE_CHOICE, 1, options=options(0, 1)),
    )
    framework = make_framework(questions, gates=(), consistency=(), score_decimals=0)
    answers = {"SEC-01": Answer.of("b"), "SEC-02": Answer.of("a"), "NET-01": Answer.of("a")}
    assert score(framework, answers).dimension("SEC").score == 13.0


def test_scores_use_the_points_as_written_not_their_binary_float() -> None:
    # 0.345 as a float is 0.34499999…; as written it is 0.345, so the score 34.5 rounds up to 35.
    questions = (
        question("SEC-01", QuestionType.SINGLE_CHOICE, 1, options=options(0, 0.345)),
        question("NET-01", QuestionType.SINGLE_CHOICE, 1, options=options(0, 1)),
    )
    framework = make_framework(questions, gates=(), consistency=(), score_decimals=0)
    answers = {"SEC-01": Answer.of("b"), "NET-01": Answer.of("a")}
    assert score(framework, answers).dimension("SEC").score == 35.0


def test_level_comes_from_the_rounded_score() -> None:
    # 19.96 rounds to 20.0, which is in band 2 (20–40), although 19.96 itself is in band 1.
    questions = (
        question("SEC-01", QuestionType.SINGLE_CHOICE, 1, options=options(0, 0.1996)),
        question("NET-01", QuestionType.SINGLE_CHOICE, 1, options=options(0, 1)),
    )
    framework = make_framework(questions, gates=(), consistency=())
    result = score(framework, {"SEC-01": Answer.of("b"), "NET-01": Answer.of("a")})
    assert result.dimension("SEC").score == 20.0
    assert result.dimension("SEC").level == 2


def test_index_is_the_weighted_mean_of_scores_times_ten() -> None:
    # SEC 42.5 (weight 2), NET: NET-01 0.5, NET-02 0.25 → 37.5 (weight 1).
    # index = (2×42.5 + 1×37.5) × 10 / 3 = 408.33… → 408
    answers = changed(SEC_02=Answer.of("b"), SEC_03=Answer.of(60.0), SEC_04=Answer.of(frozenset({"a"})),
                      SEC_05=Answer.of("a"), NET_01=Answer.of(10.0), NET_02=Answer.of("b"))  # fmt: skip
    result = score(FRAMEWORK, answers)
    assert result.dimension("NET").score == 37.5
    assert result.index == 408.0
    assert result.level == 3  # 40.8 is in band 3
    assert [d.contribution for d in result.dimensions] == [283.33, 125.0]
    assert [(s.code, s.value) for s in result.groups] == [("foundation", 283.0), ("operations", 125.0)]
    assert [(s.code, s.value) for s in result.dti] == [("DTI-SEC", 283.0), ("DTI-NET", 125.0)]


def test_a_dimension_with_nothing_counted_scores_zero() -> None:
    answers = with_answers(BEST, {"NET-01": Answer.of(80.0), "NET-02": None})
    net_questions = tuple(dataclasses.replace(q, allow_na=True) for q in QUESTIONS[5:])
    framework = make_framework((*QUESTIONS[:5], *net_questions))
    result = score(framework, with_answers(answers, {"NET-01": Answer.not_applicable()}))
    net = result.dimension("NET")
    assert (net.score, net.level, net.counted_weight) == (0.0, 1, 0.0)
    assert (net.applicable, net.answered, net.coverage) == (1, 0, 0.0)
    result = score(
        framework,
        with_answers(answers, {"NET-01": Answer.not_applicable(), "NET-02": Answer.not_applicable()}),
    )
    assert (result.dimension("NET").applicable, result.dimension("NET").coverage) == (0, 1.0)


# ---------------------------------------------------------------------------------------------------------
# N/A, don't know, hidden, unanswered, coverage


def test_not_applicable_is_excluded_from_score_and_coverage() -> None:
    answers = changed(SEC_03=Answer.not_applicable(), SEC_02=Answer.of("a"))
    result = score(FRAMEWORK, answers)
    sec_03 = result.question("SEC-03")
    assert not sec_03.counted
    assert sec_03.exclusion is Exclusion.NOT_APPLICABLE
    assert sec_03.points is None
    sec = result.dimension("SEC")
    # 2×1 + 3×0 + 2×1 + 2×1 over 9 → 66.666… → 66.7
    assert sec.score == 66.7
    assert (sec.applicable, sec.answered, sec.coverage) == (4, 4, 1.0)


def test_not_applicable_where_not_allowed_is_refused() -> None:
    with pytest.raises(InvalidAnswer) as error:
        score(FRAMEWORK, changed(SEC_02=Answer.not_applicable()))
    assert (error.value.code, error.value.question) == ("na_not_allowed", "SEC-02")
    assert "SEC-02" in str(error.value)


def test_dont_know_counts_with_dont_know_points_and_is_flagged() -> None:
    framework = make_framework(dont_know_points=0.1)
    result = score(framework, changed(SEC_02=Answer.dont_know()), evidence=ALL_EVIDENCE)
    sec_02 = result.question("SEC-02")
    assert sec_02.counted
    assert sec_02.dont_know
    assert sec_02.points == 0.1
    assert not sec_02.evidence_required
    assert not sec_02.evidence_discounted
    sec = result.dimension("SEC")
    # 2 + 3×0.1 + 1 + 2 + 2 = 7.3 over 10
    assert sec.score == 73.0
    assert (sec.dont_know, sec.answered, sec.coverage) == (1, 5, 1.0)


def test_dont_know_scores_lowest_by_default() -> None:
    result = score(FRAMEWORK, changed(NET_02=Answer.dont_know()), evidence=ALL_EVIDENCE)
    assert result.question("NET-02").points == 0.0
    assert result.dimension("NET").score == 50.0


def test_dont_know_where_not_allowed_is_refused() -> None:
    with pytest.raises(InvalidAnswer) as error:
        score(FRAMEWORK, changed(NET_01=Answer.dont_know()))
    assert (error.value.code, error.value.question) == ("dont_know_not_allowed", "NET-01")


def test_hidden_questions_never_count_even_when_answered() -> None:
    answers = changed(SEC_01=Answer.of(False), SEC_05=Answer.of("a"))
    result = score(FRAMEWORK, answers, evidence=ALL_EVIDENCE)
    sec_05 = result.question("SEC-05")
    assert not sec_05.counted
    assert sec_05.exclusion is Exclusion.HIDDEN
    assert sec_05.answer == Answer.of("a")
    sec = result.dimension("SEC")
    # 2×0 + 3×1 + 1×1 + 2×1 over 8 (SEC-05 hidden) → 75; G-SEC-LEVELS (SEC-01 no) caps it at the top of
    # level 2's band [20, 40) at one decimal: 39.9
    assert sec.raw_score == 75.0
    assert sec.score == 39.9
    assert sec.applicable == 4


def test_hidden_answers_are_invisible_to_later_conditions() -> None:
    # SEC-06 is shown when SEC-05 is answered; SEC-05 is hidden, so SEC-06 is hidden too.
    extra = question(
        "SEC-06", QuestionType.YES_NO, 1, show_if=Leaf(Subject.ANSWER, "SEC-05", Operator.ANSWERED)
    )
    framework = make_framework((*QUESTIONS[:5], extra, *QUESTIONS[5:]))
    answers = changed(SEC_01=Answer.of(False), SEC_06=Answer.of(True))
    assert score(framework, answers).question("SEC-06").exclusion is Exclusion.HIDDEN
    answers = changed(SEC_06=Answer.of(True))
    assert score(framework, answers).question("SEC-06").counted


def test_unanswered_questions_lower_coverage_not_the_score() -> None:
    answers = with_answers(BEST, {"SEC-03": None, "SEC-04": None})
    result = score(FRAMEWORK, answers, evidence=ALL_EVIDENCE)
    assert result.question("SEC-03").exclusion is Exclusion.UNANSWERED
    sec = result.dimension("SEC")
    assert sec.score == 100.0
    assert (sec.applicable, sec.answered, sec.coverage) == (5, 3, 0.6)
    assert result.coverage == pytest.approx(5 / 7)


def test_text_and_weightless_questions_are_not_scored() -> None:
    result = score(FRAMEWORK, BEST)
    assert result.question("NET-03").exclusion is Exclusion.NOT_SCORED
    assert result.dimension("NET").applicable == 2


# ---------------------------------------------------------------------------------------------------------
# Evidence


def test_a_claim_above_the_evidence_threshold_without_evidence_is_discounted() -> None:
    result = score(FRAMEWORK, changed(SEC_02=Answer.of("c")))
    sec_02 = result.question("SEC-02")
    assert sec_02.evidence_required
    assert not sec_02.has_evidence
    assert sec_02.evidence_discounted
    assert (sec_02.points_before_discount, sec_02.computed_points, sec_02.points) == (0.75, 0.375, 0.375)
    # 2 + 3×0.375 + 1 + 2 + 2 = 8.125 over 10 → 81.25 → 81.3 (half-up)
    assert result.dimension("SEC").score == 81.3


def test_evidence_removes_the_discount() -> None:
    result = score(FRAMEWORK, changed(SEC_02=Answer.of("c")), evidence={"SEC-02"})
    sec_02 = result.question("SEC-02")
    assert sec_02.evidence_required
    assert sec_02.has_evidence
    assert not sec_02.evidence_discounted
    assert sec_02.points == 0.75


def test_claims_below_the_threshold_need_no_evidence() -> None:
    sec_02 = score(FRAMEWORK, changed(SEC_02=Answer.of("b"))).question("SEC-02")
    assert not sec_02.evidence_required
    assert not sec_02.evidence_discounted
    assert sec_02.points == 0.25


# ---------------------------------------------------------------------------------------------------------
# Overrides, targets, gaps


def test_a_points_override_replaces_the_points_and_keeps_the_computed_ones() -> None:
    override = PointsOverride(0.5, "the policy is not signed yet", "consultant@example.org")
    result = score(FRAMEWORK, BEST, evidence=ALL_EVIDENCE, point_overrides={"SEC-02": override})
    sec_02 = result.question("SEC-02")
    assert sec_02.computed_points == 1.0
    assert sec_02.points == 0.5
    assert sec_02.override == override
    assert result.dimension("SEC").score == 85.0  # 10 − 3×0.5 over 10


def test_an_override_of_a_question_that_does_not_count_is_kept_aside() -> None:
    override = PointsOverride(1.0, "why", "who")
    result = score(FRAMEWORK, changed(SEC_03=Answer.not_applicable()), point_overrides={"SEC-03": override})
    assert result.ignored_overrides == ("SEC-03",)
    assert result.question("SEC-03").points is None


def test_a_level_override_is_final_and_the_computed_level_stays_visible() -> None:
    override = LevelOverride(2, "audit found gaps", "consultant@example.org")
    result = score(FRAMEWORK, BEST, evidence=ALL_EVIDENCE, level_overrides={"SEC": override})
    sec = result.dimension("SEC")
    assert (sec.computed_level, sec.level, sec.level_override) == (5, 2, override)
    assert sec.gap == 1  # default target 3


def test_gap_is_target_minus_final_level_never_negative() -> None:
    result = score(FRAMEWORK, WORST, targets={"NET": 4})
    assert [(d.target, d.gap) for d in result.dimensions] == [(3, 2), (4, 3)]
    result = score(FRAMEWORK, BEST, evidence=ALL_EVIDENCE)
    assert [d.gap for d in result.dimensions] == [0, 0]


def test_bad_overrides_and_targets_are_refused() -> None:
    cases: list[tuple[dict[str, object], str]] = [
        ({"point_overrides": {"XX-01": PointsOverride(1, "", "")}}, "question_unknown"),
        ({"point_overrides": {"SEC-01": PointsOverride(1.5, "", "")}}, "points_out_of_range"),
        ({"level_overrides": {"XX": LevelOverride(2, "", "")}}, "dimension_unknown"),
        ({"level_overrides": {"SEC": LevelOverride(6, "", "")}}, "level_out_of_range"),
        ({"targets": {"SEC": 0}}, "level_out_of_range"),
        ({"evidence": {"XX-01"}}, "question_unknown"),
    ]
    for kwargs, code in cases:
        with pytest.raises(InvalidInput) as error:
            score(FRAMEWORK, BEST, **kwargs)  # type: ignore[arg-type]
        assert error.value.code == code


# ---------------------------------------------------------------------------------------------------------
# Gates and consistency


def test_gate_caps_security_level_when_a_system_has_no_approved_level() -> None:
    result = score(FRAMEWORK, changed(SEC_01=Answer.of(False)), evidence=ALL_EVIDENCE)
    sec = result.dimension("SEC")
    assert sec.raw_score == 75.0
    assert sec.raw_level == 4
    # The gate reaches the index: the score that counts is the top of level 2's band [20, 40) at one decimal.
    assert (sec.score, sec.capped_by) == (39.9, "G-SEC-LEVELS")
    assert (sec.computed_level, sec.level) == (2, 2)
    (gate,) = sec.gates
    assert (gate.code, gate.max_level, gate.capped) == ("G-SEC-LEVELS", 2, True)
    assert gate.message.get("en") == "no approved levels"
    assert gate.evaluation.holds
    (step,) = gate.evaluation.trace
    assert step.leaf == SEC_01_NO
    assert step.actual is False
    assert step.holds


def test_a_gate_that_holds_below_its_cap_is_reported_but_caps_nothing() -> None:
    result = score(FRAMEWORK, with_answers(WORST, {"SEC-02": Answer.of("b")}))
    sec = result.dimension("SEC")
    assert sec.raw_level == 1
    assert (sec.score, sec.capped_by) == (sec.raw_score, None)
    assert [(g.code, g.capped) for g in sec.gates] == [("G-SEC-LEVELS", False)]


def test_gates_see_other_dimensions_final_levels() -> None:
    # NET is capped at 1 while SEC is below level 3; SEC's level is capped by its own gate first.
    gates = (
        Gate("G-SEC-LEVELS", "SEC", 2, SEC_01_NO, text("no approved levels")),
        Gate("G-NET-SEC", "NET", 1, Leaf(Subject.LEVEL, "SEC", Operator.LT, 3), text("security first")),
    )
    framework = make_framework(gates=gates, dimension_weights={"NET": 1, "SEC": 2})
    result = score(framework, changed(SEC_01=Answer.of(False)), evidence=ALL_EVIDENCE)
    assert result.dimension("SEC").level == 2
    net = result.dimension("NET")
    assert (net.raw_level, net.level) == (5, 1)
    assert net.gates[0].evaluation.trace[0].actual == 2
    result = score(framework, BEST, evidence=ALL_EVIDENCE)
    assert result.dimension("NET").level == 5


def test_consistency_warning_names_the_questions_and_the_reason() -> None:
    result = score(FRAMEWORK, changed(NET_02=Answer.of("a")))
    (warning,) = result.warnings
    assert (warning.code, warning.questions) == ("C-NET", ("NET-01", "NET-02"))
    assert warning.evaluation.holds
    assert [step.actual for step in warning.evaluation.trace] == [80.0, "a"]
    assert score(FRAMEWORK, BEST).warnings == ()


# ---------------------------------------------------------------------------------------------------------
# Confidence


def test_confidence_combines_coverage_evidence_and_warnings() -> None:
    result = score(FRAMEWORK, BEST, evidence=ALL_EVIDENCE)
    assert (result.known, result.evidenced, result.confidence) == (1.0, 1.0, 1.0)
    # One of 7 applicable unanswered, SEC-02's claim without evidence, one warning:
    # 6/7 × (0.5 + 0.5 × 0) × 0.9 = 0.38571… → 0.386
    answers = with_answers(BEST, {"SEC-03": None, "NET-02": Answer.of("a")})
    result = score(FRAMEWORK, answers)
    assert result.known == pytest.approx(6 / 7)
    assert result.evidenced == 0.0
    assert len(result.warnings) == 1
    assert result.confidence == 0.386


def test_dont_know_lowers_confidence_but_not_coverage() -> None:
    result = score(FRAMEWORK, changed(NET_02=Answer.dont_know()), evidence=ALL_EVIDENCE)
    assert result.coverage == 1.0
    assert result.confidence == round(6 / 7, 3)


# ---------------------------------------------------------------------------------------------------------
# Invalid answers


@pytest.mark.parametrize(
    ("code", "answer", "problem"),
    [
        ("SEC-02", Answer.of("z"), "option_unknown"),
        ("SEC-02", Answer.of(True), "value_type"),
        ("SEC-04", Answer.of(frozenset({"a", "c"})), "options_exclusive"),
        ("SEC-04", Answer.of(frozenset({"a", "q"})), "option_unknown"),
        ("SEC-04", Answer.of(frozenset()), "selection_empty"),
        ("SEC-04", Answer.of("a"), "value_type"),
        ("NET-01", Answer.of(101.0), "value_out_of_range"),
        ("NET-01", Answer.of(-1.0), "value_out_of_range"),
        ("NET-01", Answer.of(float("nan")), "value_not_finite"),
        ("NET-01", Answer.of("12"), "value_type"),
        ("NET-01", Answer.of(True), "value_type"),
        ("SEC-03", Answer.of(100.5), "value_out_of_range"),
        ("SEC-03", Answer.of(-0.1), "value_out_of_range"),
        ("SEC-01", Answer.of("yes"), "value_type"),
        ("SEC-01", Answer.of(1.0), "value_type"),
        ("NET-03", Answer.of(3.0), "value_type"),
        ("SEC-02", Answer.not_applicable(), "na_not_allowed"),
        ("NET-01", Answer.dont_know(), "dont_know_not_allowed"),
        ("SEC-02", Answer.of(None), "value_missing"),  # type: ignore[arg-type]
        ("SEC-03", dataclasses.replace(Answer.not_applicable(), value=3.0), "value_unexpected"),
    ],
)
def test_invalid_answers_are_refused_with_a_code_naming_the_question(
    code: str, answer: Answer, problem: str
) -> None:
    with pytest.raises(InvalidAnswer) as error:
        score(FRAMEWORK, changed(**{code.replace("-", "_"): answer}))
    assert (error.value.code, error.value.question) == (problem, code)
    assert str(error.value).startswith(code + ": ")
    with pytest.raises(InvalidAnswer):
        validate_answer(FRAMEWORK.question(code), answer)


def test_evidence_must_be_a_collection_of_codes_not_one_code() -> None:
    with pytest.raises(TypeError):
        score(FRAMEWORK, BEST, evidence="SEC-02")


def test_errors_survive_pickling_for_worker_processes() -> None:
    error = InvalidAnswer("option_unknown", "SEC-02", "'z' is not one of a, b, c, d")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (copy.code, copy.question, str(copy)) == ("option_unknown", "SEC-02", str(error))


def test_an_answer_to_an_unknown_question_is_refused() -> None:
    with pytest.raises(InvalidAnswer) as error:
        score(FRAMEWORK, {**BEST, "XX-99": Answer.of("a")})
    assert (error.value.code, error.value.question) == ("question_unknown", "XX-99")


def test_an_invalid_answer_to_a_hidden_question_is_still_refused() -> None:
    with pytest.raises(InvalidAnswer):
        score(FRAMEWORK, changed(SEC_01=Answer.of(False), SEC_05=Answer.of("z")))


def test_validate_answers_reports_every_problem() -> None:
    answers = {**BEST, "XX-99": Answer.of("a"), "SEC-02": Answer.of("z"), "NET-01": Answer.of(500.0)}
    problems = validate_answers(FRAMEWORK, answers)
    assert [(p.question, p.code) for p in problems] == [
        ("XX-99", "question_unknown"),
        ("SEC-02", "option_unknown"),
        ("NET-01", "value_out_of_range"),
    ]
    assert validate_answers(FRAMEWORK, BEST) == ()


def test_integers_are_accepted_as_numbers() -> None:
    assert score(FRAMEWORK, changed(NET_01=Answer.of(50))).question("NET-01").points == 1.0


# ---------------------------------------------------------------------------------------------------------
# What-if and projection


def test_with_answers_changes_a_copy() -> None:
    merged = with_answers(BEST, {"SEC-01": Answer.of(False), "NET-03": None})
    assert merged["SEC-01"] == Answer.of(False)
    assert "NET-03" not in merged
    assert BEST["SEC-01"] == Answer.of(True)


def test_projection_scores_the_answers_the_initiatives_bring_about() -> None:
    result = score(FRAMEWORK, WORST, guidance=False)
    projection = project_with_initiatives(FRAMEWORK, result, ["I2", "I1", "I1"])
    assert projection.initiatives == ("I1", "I2")
    sec, net = projection.dimensions
    # I1: SEC-01 yes (SEC-05 is shown now, unanswered: it does not count); I2: SEC-04 {c} → {a} (the
    # exclusive "none" goes), NET-01 at least 50. SEC (2×1 + 3×0 + 1×0 + 2×0.5) / 8 = 37.5, level 2.
    assert (sec.level_before, sec.level, sec.score, sec.uplift) == (1, 2, 37.5, 1)
    # NET: (1×1 + 1×0) / 2 = 50.0, level 3
    assert (net.level_before, net.level, net.score, net.uplift) == (1, 3, 50.0, 2)
    # (2×37.5 + 1×50) × 10 / 3 = 416.66… → 417; 41.7 is in band 3
    assert (projection.index, projection.level) == (417.0, 3)
    best = score(FRAMEWORK, BEST, evidence=ALL_EVIDENCE, guidance=False)
    top = project_with_initiatives(FRAMEWORK, best, ["I1", "I2"])
    assert [d.level for d in top.dimensions] == [5, 5]
    assert [d.score for d in top.dimensions] == [100.0, 100.0]
    assert top.index == best.index


def test_a_gate_holds_in_the_projection_until_an_initiative_removes_its_cause() -> None:
    # Best answers but no approved security level: SEC's raw 75 counts as 39.9 (G-SEC-LEVELS).
    result = score(FRAMEWORK, changed(SEC_01=Answer.of(False)), evidence=ALL_EVIDENCE, guidance=False)
    assert (result.dimension("SEC").score, result.dimension("SEC").level) == (39.9, 2)
    # I2 changes SEC-04 (already best) and NET-01, not SEC-01: the gate still holds.
    without_cause_removed = project_with_initiatives(FRAMEWORK, result, ["I2"]).dimensions[0]
    assert (without_cause_removed.level, without_cause_removed.score) == (2, 39.9)
    # I1 makes SEC-01 yes: the gate goes, SEC-05 is shown with its answer b (1): (2+3+1+2+2) / 10 = 100.
    cause_removed = project_with_initiatives(FRAMEWORK, result, ["I1"]).dimensions[0]
    assert (cause_removed.level, cause_removed.score) == (5, 100.0)


def test_an_effect_never_lowers_an_answer_nor_overrides_not_applicable() -> None:
    # NET-01 at 80 is above I2's floor of 50; SEC-03 said N/A.
    answers = changed(
        NET_01=Answer.of(80.0), SEC_03=Answer.not_applicable(), SEC_04=Answer.of(frozenset({"a", "b"}))
    )
    result = score(FRAMEWORK, answers, evidence=ALL_EVIDENCE, guidance=False)
    projection = project_with_initiatives(FRAMEWORK, result, ["I2"])
    assert [d.score for d in projection.dimensions] == [d.score for d in result.dimensions]


def test_projection_without_initiatives_keeps_the_result() -> None:
    result = score(FRAMEWORK, changed(SEC_02=Answer.of("b")), guidance=False)
    projection = project_with_initiatives(FRAMEWORK, result, [])
    assert [d.score for d in projection.dimensions] == [d.score for d in result.dimensions]
    assert projection.index == result.index


def test_projection_keeps_the_score_of_a_dimension_no_initiative_raises() -> None:
    # A consultant's level 4 over a score of 0: only raised dimensions are lifted to their band's minimum.
    result = score(FRAMEWORK, WORST, level_overrides={"SEC": LevelOverride(4, "why", "who")}, guidance=False)
    projection = project_with_initiatives(FRAMEWORK, result, [])
    assert [(d.level, d.score) for d in projection.dimensions] == [(4, 0.0), (1, 0.0)]
    assert projection.index == result.index == 0.0


def test_projection_of_an_unknown_initiative_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        project_with_initiatives(FRAMEWORK, score(FRAMEWORK, BEST), ["I9"])
    assert error.value.code == "initiative_unknown"


# ---------------------------------------------------------------------------------------------------------
# Next-level guidance


def apply_guidance(
    answers: Mapping[str, Answer], evidence: frozenset[str], result: ScoreResult, dimension: str
) -> tuple[dict[str, Answer], frozenset[str]]:
    guidance = result.guidance_for(dimension)
    assert guidance is not None
    new_answers = with_answers(answers, {change.question: change.answer for change in guidance.changes})
    new_evidence = evidence | {change.question for change in guidance.changes if change.add_evidence}
    return new_answers, new_evidence


def test_dimensions_at_level_five_get_no_guidance() -> None:
    result = score(FRAMEWORK, BEST, evidence=ALL_EVIDENCE)
    assert result.guidance == ()


def test_guidance_is_optional() -> None:
    assert score(FRAMEWORK, BEST, guidance=False).guidance is None


def test_guidance_clears_the_gate_first_and_reaches_the_next_level() -> None:
    answers = changed(SEC_01=Answer.of(False))
    result = score(FRAMEWORK, answers, evidence=ALL_EVIDENCE)
    guidance = result.guidance_for("SEC")
    assert guidance is not None
    assert (guidance.current_level, guidance.target_level, guidance.status) == (
        2,
        3,
        GuidanceStatus.REACHABLE,
    )
    first = guidance.changes[0]
    assert (first.question, first.answer, first.clears_gate) == ("SEC-01", Answer.of(True), "G-SEC-LEVELS")
    new_answers, new_evidence = apply_guidance(answers, ALL_EVIDENCE, result, "SEC")
    rescored = score(FRAMEWORK, new_answers, evidence=new_evidence, guidance=False)
    assert rescored.dimension("SEC").level == guidance.reached_level == guidance.changes[-1].level_after >= 3


def test_guidance_stops_at_the_smallest_change_that_reaches_the_next_level() -> None:
    answers = with_answers(WORST, {"SEC-01": Answer.of(True), "SEC-05": Answer.of("a")})
    result = score(FRAMEWORK, answers, evidence=ALL_EVIDENCE)
    sec = result.dimension("SEC")
    assert (sec.score, sec.level) == (20.0, 2)
    guidance = result.guidance_for("SEC")
    assert guidance is not None
    assert guidance.status is GuidanceStatus.REACHABLE
    # Level 3 needs 40 (4 points of 10). One change reaches it: SEC-02 d (+3 → 50), SEC-02 c (+2.25 → 42.5),
    # SEC-04 a+b (+2 → 40) or SEC-05 b (+2 → 40). The smallest gain wins, ties in file order: SEC-04.
    (change,) = guidance.changes
    assert (change.question, change.answer) == ("SEC-04", Answer.of(frozenset({"a", "b"})))
    assert change.level_after == 3
    assert change.previous == Answer.of(frozenset({"c"}))


def test_guidance_takes_the_biggest_gains_first_when_one_change_is_not_enough() -> None:
    # SEC: five yes/no questions of weight 1 and SEC-06 (weight 2, best option 0.6): 7 in all, every answer 0.
    # Level 2 needs 20, i.e. 1.4 points: no single change gives that much (at most 1.2), so the biggest gain
    # comes first (SEC-06 c: +1.2 → 17.1), then the smallest that reaches (a yes: +1 → 31.4).
    questions = (
        *(question(f"SEC-0{n}", QuestionType.YES_NO, 1) for n in range(1, 6)),
        question("SEC-06", QuestionType.SINGLE_CHOICE, 2, options=options(0, 0.25, 0.6)),
        question("NET-01", QuestionType.YES_NO, 1),
    )
    framework = make_framework(questions, gates=(), consistency=())
    answers = {q.code: Answer.of(False) for q in questions if q.type is QuestionType.YES_NO}
    answers["SEC-06"] = Answer.of("a")
    result = score(framework, answers)
    guidance = result.guidance_for("SEC")
    assert guidance is not None
    assert [(c.question, c.answer, c.level_after) for c in guidance.changes] == [
        ("SEC-06", Answer.of("c"), 1),
        ("SEC-01", Answer.of(True), 2),
    ]
    new_answers = with_answers(answers, {c.question: c.answer for c in guidance.changes})
    assert score(framework, new_answers).dimension("SEC").score == 31.4


def test_guidance_asks_for_evidence_where_the_new_claim_needs_it() -> None:
    # SEC: 2 + 2 + 2 of 10 → 60, level 4. Level 5 needs 80: only SEC-02 at c or d, with evidence, reaches it
    # (c without evidence: 3 × 0.375 → 71.25).
    answers = {**BEST, "SEC-02": Answer.of("a"), "SEC-03": Answer.of(0.0)}
    result = score(FRAMEWORK, answers)
    guidance = result.guidance_for("SEC")
    assert guidance is not None
    assert [(c.question, c.answer, c.add_evidence) for c in guidance.changes] == [
        ("SEC-02", Answer.of("c"), True)
    ]
    new_answers, new_evidence = apply_guidance(answers, frozenset(), result, "SEC")
    assert score(FRAMEWORK, new_answers, evidence=new_evidence).dimension("SEC").level == 5


def test_guidance_suggests_evidence_alone_when_a_claim_is_discounted() -> None:
    # SEC-02 d without evidence counts 3 × 0.5; with SEC-05 at a: 2 + 1.5 + 1 + 2 + 0 → 65, level 4.
    # Level 5 needs 80: evidence for SEC-02 alone gives +1.5 → 80, less than SEC-05 b (+2 → 85).
    answers = {**BEST, "SEC-05": Answer.of("a")}
    result = score(FRAMEWORK, answers, evidence=ALL_EVIDENCE - {"SEC-02"})
    guidance = result.guidance_for("SEC")
    assert guidance is not None
    assert [(c.question, c.answer, c.add_evidence) for c in guidance.changes] == [
        ("SEC-02", Answer.of("d"), True)
    ]


def test_guidance_says_so_when_a_gate_cannot_be_cleared_by_answers() -> None:
    gates = (Gate("G-SEC-NET", "SEC", 1, Leaf(Subject.LEVEL, "NET", Operator.LT, 5), text("network first")),)
    framework = make_framework(gates=gates, dimension_weights={"NET": 1, "SEC": 2})
    answers = changed(NET_02=Answer.of("b"))
    result = score(framework, answers, evidence=ALL_EVIDENCE)
    guidance = result.guidance_for("SEC")
    assert guidance is not None
    assert guidance.status is GuidanceStatus.BLOCKED_BY_GATE
    assert guidance.blocking_gates == ("G-SEC-NET",)
    assert guidance.reached_level == 1


def test_guidance_says_so_when_the_best_answers_cannot_reach_the_next_level() -> None:
    questions = (
        question("SEC-01", QuestionType.SINGLE_CHOICE, 1, options=options(0, 0.7)),
        question("NET-01", QuestionType.SINGLE_CHOICE, 1, options=options(0, 1)),
    )
    framework = make_framework(questions, gates=(), consistency=())
    result = score(framework, {"SEC-01": Answer.of("b"), "NET-01": Answer.of("b")})
    guidance = result.guidance_for("SEC")
    assert guidance is not None
    assert (guidance.current_level, guidance.status, guidance.changes) == (4, GuidanceStatus.OUT_OF_REACH, ())


def test_guidance_leaves_a_consultants_level_alone() -> None:
    override = LevelOverride(3, "why", "who")
    result = score(FRAMEWORK, WORST, level_overrides={"SEC": override})
    guidance = result.guidance_for("SEC")
    assert guidance is not None
    assert (guidance.status, guidance.changes) == (GuidanceStatus.LEVEL_OVERRIDDEN, ())


def test_guidance_may_answer_an_unanswered_question() -> None:
    # SEC: SEC-01 yes (2), SEC-03 0 (1) → 2 of 3 → 66.7, level 4; level 5 needs 80.
    # Answering SEC-04 a+b gives 4 of 5 → 80 (the smallest gain that reaches it).
    answers = {
        "SEC-01": Answer.of(True),
        "SEC-03": Answer.of(0.0),
        "NET-01": Answer.of(0.0),
        "NET-02": Answer.of("a"),
    }
    result = score(FRAMEWORK, answers, evidence=ALL_EVIDENCE)
    guidance = result.guidance_for("SEC")
    assert guidance is not None
    assert [(c.question, c.previous, c.answer) for c in guidance.changes] == [
        ("SEC-04", None, Answer.of(frozenset({"a", "b"})))
    ]
    for dimension in ("SEC", "NET"):
        new_answers, new_evidence = apply_guidance(answers, ALL_EVIDENCE, result, dimension)
        dimension_guidance = result.guidance_for(dimension)
        assert dimension_guidance is not None
        rescored = score(FRAMEWORK, new_answers, evidence=new_evidence, guidance=False)
        assert rescored.dimension(dimension).level == dimension_guidance.reached_level
        assert dimension_guidance.reached_level >= dimension_guidance.target_level


def test_next_level_guidance_matches_the_guidance_attached_by_score() -> None:
    answers = changed(SEC_01=Answer.of(False), NET_02=Answer.of("a"))
    with_guidance = score(FRAMEWORK, answers)
    without = score(FRAMEWORK, answers, guidance=False)
    assert next_level_guidance(FRAMEWORK, answers, without) == with_guidance.guidance
    assert next_level_guidance(FRAMEWORK, answers) == with_guidance.guidance


# ---------------------------------------------------------------------------------------------------------
# Snapshots and determinism


def test_result_round_trips_through_json() -> None:
    answers = changed(SEC_01=Answer.of(False), NET_02=Answer.of("a"), SEC_03=Answer.not_applicable(),
                      NET_03=Answer.dont_know())  # fmt: skip
    result = score(
        FRAMEWORK,
        answers,
        point_overrides={"NET-01": PointsOverride(0.25, "measured by us", "a@b.c")},
        level_overrides={"NET": LevelOverride(4, "why", "who")},
        targets={"SEC": 5},
    )
    assert result.warnings
    assert result.dimension("SEC").gates
    assert result.guidance
    snapshot = json.loads(json.dumps(result_to_dict(result)))
    assert result_from_dict(snapshot) == result
    assert result_to_dict(result_from_dict(snapshot)) == snapshot
    gates = (Gate("G-NOT", "NET", 2, Not(leaf("NET-02", Operator.GE, "c", ORDER)), text("not managed")),)
    negated = score(make_framework(gates=gates), WORST)
    assert negated.dimension("NET").gates[0].evaluation.trace[0].negated
    assert result_from_dict(json.loads(json.dumps(result_to_dict(negated)))) == negated
    bare = score(FRAMEWORK, BEST, guidance=False)
    assert result_from_dict(json.loads(json.dumps(result_to_dict(bare)))) == bare


def test_same_input_gives_the_same_output_whatever_the_order_of_inputs() -> None:
    answers = changed(SEC_01=Answer.of(False), NET_02=Answer.of("a"))
    reordered = dict(reversed(list(answers.items())))
    first = score(FRAMEWORK, answers, evidence=["SEC-02", "NET-01"])
    second = score(FRAMEWORK, reordered, evidence={"NET-01", "SEC-02"})
    assert first == second
    assert json.dumps(result_to_dict(first)) == json.dumps(result_to_dict(second))


def test_the_callers_decimal_context_does_not_change_results() -> None:
    answers = changed(SEC_02=Answer.of("c"), NET_01=Answer.of(10.0), NET_02=Answer.of("b"))
    expected = score(FRAMEWORK, answers)
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_DOWN
        assert score(FRAMEWORK, answers) == expected


def test_results_are_frozen() -> None:
    result = score(FRAMEWORK, BEST)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.index = 0.0  # type: ignore[misc]
