"""A second maturity model in the format: tests/fixtures/frameworks/samm-like.yaml (OWASP SAMM 2 style:
practices of two streams, one question per level 1–3 in each stream, answers worth 0, ¼, ½ or 1,
unanswered counted as 0, plain means, shown on 0–3), scored against figures computed by hand the way a
SAMM assessor computes them: a stream's score is the sum of its three answers (0–3), a practice's the mean
of its two streams, the overall figure the mean of the practices."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmap.engine.answers import Answer
from roadmap.engine.export import export_framework
from roadmap.engine.framework import Aggregation, Unanswered
from roadmap.engine.loader import FrameworkError, load_framework, load_framework_text
from roadmap.engine.scoring import ScoreResult, score

SAMM = Path(__file__).parent.parent / "fixtures" / "frameworks" / "samm-like.yaml"
FRAMEWORK = load_framework(SAMM)
RULES = FRAMEWORK.scoring


def scored(answers: dict[str, str]) -> ScoreResult:
    return score(FRAMEWORK, {code: Answer.of(value) for code, value in answers.items()}, guidance=False)


def shown(result: ScoreResult) -> dict[str, object]:
    """Practices and streams on the 0–3 scale, and the overall figure."""
    return {
        "overall": RULES.shown(result.index / 10),
        **{d.code: RULES.shown(d.score) for d in result.dimensions},
        **{s.code: RULES.shown(s.value) for d in result.dimensions for s in d.subtotals},
    }


def test_the_format_carries_the_models_rules() -> None:
    assert (RULES.aggregation, RULES.unanswered) == (Aggregation.MEAN, Unanswered.ZERO)
    assert [g.code for g in FRAMEWORK.dimension("SM").groups] == ["create", "measure"]
    assert load_framework_text(export_framework(FRAMEWORK)).fingerprint == FRAMEWORK.fingerprint


def test_every_answer_at_half_gives_one_and_a_half_everywhere() -> None:
    # Each stream: ½ + ½ + ½ = 1.5; each practice (1.5 + 1.5) / 2 = 1.5; overall 1.5.
    result = scored({question.code: "c" for question in FRAMEWORK.questions})
    assert shown(result) == {
        "overall": 1.5,
        "SM": 1.5,
        "TA": 1.5,
        "create": 1.5,
        "measure": 1.5,
        "risk": 1.5,
        "model": 1.5,
    }
    assert [d.level for d in result.dimensions] == [3, 3]  # 50 on 0–100: band [40, 60)


def test_a_mixed_assessment_with_an_unanswered_question_counted_as_zero() -> None:
    result = scored(
        {
            "SM-A1": "d",
            "SM-A2": "d",
            "SM-A3": "b",  # create: 1 + 1 + ¼ = 2.25
            "SM-B1": "c",
            "SM-B2": "a",  # measure: ½ + 0 + (SM-B3 unanswered) 0 = 0.5
            "TA-A1": "d",
            "TA-A2": "c",
            "TA-A3": "c",  # risk: 1 + ½ + ½ = 2
            "TA-B1": "b",
            "TA-B2": "b",
            "TA-B3": "a",  # model: ¼ + ¼ + 0 = 0.5
        }
    )
    # SM (2.25 + 0.5) / 2 = 1.375; TA (2 + 0.5) / 2 = 1.25; overall (1.375 + 1.25) / 2 = 1.3125 → 1.313
    assert shown(result) == {
        "overall": 1.313,
        "SM": 1.375,
        "TA": 1.25,
        "create": 2.25,
        "measure": 0.5,
        "risk": 2.0,
        "model": 0.5,
    }
    sm = result.dimension("SM")
    assert (sm.score, sm.applicable, sm.answered, sm.coverage) == (45.8333, 6, 5, 5 / 6)


def test_a_sparse_assessment_where_most_questions_count_as_zero() -> None:
    result = scored({"SM-A1": "d", "TA-A1": "b", "TA-B1": "d", "TA-B2": "c"})
    # create 1 + 0 + 0 = 1, measure 0: SM 0.5; risk ¼, model 1 + ½ = 1.5: TA 0.875; overall 0.6875 → 0.688
    assert shown(result) == {
        "overall": 0.688,
        "SM": 0.5,
        "TA": 0.875,
        "create": 1.0,
        "measure": 0.0,
        "risk": 0.25,
        "model": 1.5,
    }
    assert [d.level for d in result.dimensions] == [1, 2]  # 16.67 and 29.17 on 0–100


def test_a_question_outside_its_dimensions_groups_is_a_located_problem() -> None:
    text = SAMM.read_text(encoding="utf-8").replace("    group: measure\n", "    group: meassure\n", 1)
    with pytest.raises(FrameworkError) as error:
        load_framework_text(text, "samm-like.yaml")
    ((problem),) = error.value.problems
    assert (problem.path, problem.message) == (
        "questions[3].group",
        "SM has no group meassure (groups: create, measure)",
    )
    assert problem.line == text[: text.index("group: meassure")].count("\n") + 1


def test_a_framework_of_four_levels_scores_caps_and_checks_against_four() -> None:
    text = SAMM.read_text(encoding="utf-8")
    four = text.replace(
        "    - {level: 1, min: 0, max: 20}\n    - {level: 2, min: 20, max: 40}\n"
        "    - {level: 3, min: 40, max: 60}\n    - {level: 4, min: 60, max: 80}\n"
        "    - {level: 5, min: 80, max: 100}\n",
        "    - {level: 1, min: 0, max: 25}\n    - {level: 2, min: 25, max: 50}\n"
        "    - {level: 3, min: 50, max: 75}\n    - {level: 4, min: 75, max: 100}\n",
    ).replace('      - {vi: "Mức 5", en: "Level 5"}\n', "")
    framework = load_framework_text(four, "four.yaml")
    assert framework.top_level == 4
    best = score(framework, {q.code: Answer.of("d") for q in framework.questions}, guidance=True)
    assert [d.level for d in best.dimensions] == [4, 4]
    assert best.guidance == ()  # at the top level: nothing left to guide
    too_many = four.replace("    default_target: 3\n", "    default_target: 5\n", 1)
    with pytest.raises(FrameworkError) as error:
        load_framework_text(too_many, "four.yaml")
    assert [p.message for p in error.value.problems] == ["the target 5 is above the top level 4"]
