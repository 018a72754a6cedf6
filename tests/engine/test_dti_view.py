"""The DTI view of a result (roadmap.engine.scoring.dti): the index split among DTI main indices by the
questions' dti_ref, with figures derived by hand on tiny.yaml given DTI refs (docs/scoring.md, "The DTI
view")."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from roadmap.engine.answers import Answer
from roadmap.engine.export import export_framework
from roadmap.engine.framework import Framework
from roadmap.engine.loader import FrameworkError, load_framework, load_framework_text
from roadmap.engine.scoring import DtiView, dti_view, score
from roadmap.engine.scoring.dti import apportion
from tests.engine.test_scoring_golden import CASES, inputs, typed_answer

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "frameworks" / "tiny.yaml"
FRAMEWORK_2025 = ROOT / "roadmap" / "frameworks" / "central-offices-1.0.0.yaml"
FRAMEWORK_2026 = ROOT / "roadmap" / "frameworks" / "central-offices-1.1.0.yaml"

# tiny.yaml with three DTI main indices and a dti_ref per question; NW-03 (monitoring) and CY-03 (patching)
# feed a third index, across their dimensions.
REFS = {"NW-01": "3", "NW-02": "3", "NW-03": "6", "CY-01": "5", "CY-02": "5", "CY-03": "6"}


def tiny_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    document["scoring"]["index_decimals"] = 1
    return document


def with_refs(document: dict[str, Any]) -> Framework:
    document["dti_indices"][0]["ref"] = "3"
    document["dti_indices"][1]["ref"] = "5"
    document["dti_indices"].append(
        {"code": "DTI-OPS", "name": {"vi": "Hoạt động chuyển đổi số", "en": "DT activities"}, "ref": "6"}
    )
    for question in document["questions"]:
        if question["code"] in REFS:
            question["dti_ref"] = REFS[question["code"]]
    return load_framework_text(yaml.safe_dump(document, allow_unicode=True), "tiny with DTI refs")


@pytest.fixture(scope="module")
def framework() -> Framework:
    return with_refs(tiny_document())


@pytest.fixture(scope="module")
def framework_2026() -> Framework:
    return load_framework(FRAMEWORK_2026)


def view_of(framework: Framework, **answers: Any) -> DtiView:
    given = {code.replace("_", "-"): Answer.of(value) for code, value in answers.items()}
    result = score(framework, given, evidence={"NW-01"}, guidance=False)
    view = dti_view(framework, result)
    assert view is not None
    return view


def points(view: DtiView) -> dict[str, float]:
    return {pillar.code: pillar.points for pillar in view.pillars}


def question_points(view: DtiView, pillar: str) -> dict[str, float]:
    return {question.code: question.points for question in view.pillar(pillar).questions}


def test_every_question_adds_its_share_of_its_dimension_to_the_index_of_its_dti_ref(
    framework: Framework,
) -> None:
    # NETW: NW-01 c with evidence 3 × 1, NW-02 30 h 2 × 0.5, NW-03 yes 1 × 1: 100 × 5/6 = 83.3.
    # CYBR: CY-01 {mfa} 2 × 0.5, CY-02 yes 2 × 1, CY-03 95 % 1 × 1: 100 × 4/5 = 80.0.
    # Index (60 × 83.3 + 40 × 80.0) × 10 / 100 = 819.8. NETW adds 499.8 (NW-01 3/5 of it: 299.88, NW-02 and
    # NW-03 1/5: 99.96 each), CYBR 320 (CY-01 1/4: 80, CY-02 2/4: 160, CY-03 1/4: 80).
    view = view_of(
        framework, NW_01="c", NW_02=30.0, NW_03=True, CY_01=frozenset({"mfa"}), CY_02=True, CY_03=95.0
    )
    assert view.index == 819.8
    # Exact: DTI-INFRA 299.88 + 99.96 = 399.84, DTI-SEC 80 + 160 = 240, DTI-OPS 99.96 + 80 = 179.96. Rounded
    # down 399.8 + 240.0 + 179.9 = 819.7: the one tenth left goes to the largest remainder (DTI-OPS, .06).
    assert points(view) == {"DTI-INFRA": 399.8, "DTI-SEC": 240.0, "DTI-OPS": 180.0}
    assert sum(Decimal(str(p)) for p in points(view).values()) == Decimal("819.8")
    # Questions sum to their index: 299.88 and 99.96 round down to 399.7, the tenth left goes to NW-01 (.08);
    # rounded one by one they would read 299.9 + 100.0 = 399.9, not 399.8.
    assert question_points(view, "DTI-INFRA") == {"NW-01": 299.9, "NW-02": 99.9}
    assert question_points(view, "DTI-SEC") == {"CY-01": 80.0, "CY-02": 160.0}
    assert question_points(view, "DTI-OPS") == {"NW-03": 100.0, "CY-03": 80.0}
    # Possible: NETW's 600 of 1000 by weight 3/6, 2/6, 1/6; CYBR's 400 by 2/5, 2/5, 1/5.
    assert {p.code: p.possible for p in view.pillars} == {
        "DTI-INFRA": 500.0,
        "DTI-SEC": 320.0,
        "DTI-OPS": 180.0,
    }
    assert [(q.code, q.dimension, q.possible) for q in view.pillar("DTI-OPS").questions] == [
        ("NW-03", "NETW", 100.0),
        ("CY-03", "CYBR", 80.0),
    ]
    infra = view.pillars[0]
    assert (infra.code, infra.ref, infra.name.get("vi")) == ("DTI-INFRA", "3", "Hạ tầng số")
    assert all(p.not_counted == () for p in view.pillars)


def test_a_gate_cap_scales_its_dimension_s_questions_and_what_does_not_count_is_named(
    framework: Framework,
) -> None:
    # CY-02 no: CY-03 is hidden; CYBR = 100 × (2 × 1 + 2 × 0) / 4 = 50.0, level 3, capped at level 2 by
    # G-CYBR-LEVELS: counted 49.9. Index (60 × 83.3 + 40 × 49.9) × 10 / 100 = 699.4. CYBR adds 199.6, all to
    # CY-01 (CY-02 earned nothing).
    view = view_of(
        framework, NW_01="c", NW_02=30.0, NW_03=True, CY_01=frozenset({"mfa", "backup"}), CY_02=False
    )
    assert view.index == 699.4
    # Exact 399.84 + 199.6 + 99.96 = 699.4; rounded down 699.3, the tenth to DTI-OPS (.06).
    assert points(view) == {"DTI-INFRA": 399.8, "DTI-SEC": 199.6, "DTI-OPS": 100.0}
    assert question_points(view, "DTI-SEC") == {"CY-01": 199.6, "CY-02": 0.0}
    assert question_points(view, "DTI-OPS") == {"NW-03": 100.0}
    assert view.pillar("DTI-OPS").not_counted == ("CY-03",)
    # CYBR's 400 now shared by CY-01 and CY-02 alone; CY-04 (text, weight 0) is in no index.
    assert view.pillar("DTI-SEC").possible == 400.0
    assert view.pillar("DTI-OPS").possible == 100.0


def test_an_unanswered_dimension_adds_nothing_and_its_questions_are_named(framework: Framework) -> None:
    # Only NETW answered: CYBR counts nothing and scores 0, so G-NETW-WEAK-CYBR (CYBR < 40) caps NETW's 83.3
    # at level 3: counted 69.9. Index 60 × 69.9 × 10 / 100 = 419.4, shared 3/5, 1/5, 1/5: NW-01 251.64,
    # NW-02 and NW-03 83.88 each.
    view = view_of(framework, NW_01="c", NW_02=30.0, NW_03=True)
    assert view.index == 419.4
    # DTI-INFRA 335.52, DTI-OPS 83.88: rounded down 335.5 + 83.8, the tenth left to DTI-OPS (.08).
    assert points(view) == {"DTI-INFRA": 335.5, "DTI-SEC": 0.0, "DTI-OPS": 83.9}
    # 251.64 + 83.88 rounded down 335.4: the tenth left to NW-02 (.08).
    assert question_points(view, "DTI-INFRA") == {"NW-01": 251.6, "NW-02": 83.9}
    assert view.pillar("DTI-SEC").not_counted == ("CY-01", "CY-02")
    assert view.pillar("DTI-SEC").questions == ()
    assert view.pillar("DTI-OPS").not_counted == ("CY-03",)


def test_a_framework_without_dti_refs_has_no_dti_view() -> None:
    framework = load_framework(TINY)
    assert dti_view(framework, score(framework, {}, guidance=False)) is None


def test_apportioned_parts_sum_exactly_to_the_total() -> None:
    tenth = Decimal("0.1")
    parts = [Decimal("0.34"), Decimal("0.33"), Decimal("0.33")]
    assert apportion(parts, Decimal("1.0"), tenth) == [Decimal("0.4"), Decimal("0.3"), Decimal("0.3")]
    assert apportion([Decimal("0.25"), Decimal("0.25")], Decimal("0.5"), tenth) == [
        Decimal("0.3"),
        Decimal("0.2"),
    ]
    assert apportion([], Decimal(0), tenth) == []
    # A total below the parts rounded down (never the index's own) takes from the smallest remainder.
    assert apportion([Decimal("0.26"), Decimal("0.25")], Decimal("0.3"), tenth) == [
        Decimal("0.2"),
        Decimal("0.1"),
    ]


def test_dti_refs_must_name_a_declared_ref_once(framework: Framework) -> None:
    document = tiny_document()
    document["dti_indices"][0]["ref"] = "3"
    document["dti_indices"][1]["ref"] = "3"
    document["questions"][0]["dti_ref"] = "9"
    with pytest.raises(FrameworkError) as raised:
        load_framework_text(yaml.safe_dump(document, allow_unicode=True), "broken refs")
    text = str(raised.value)
    assert "duplicate DTI ref 3" in text
    assert "dti_ref 9 is no dti_indices[].ref" in text
    # The refs survive the export: the exported file loads to the same framework.
    again = load_framework_text(export_framework(framework), "exported")
    assert again.dti_indices == framework.dti_indices
    assert again.fingerprint == framework.fingerprint


@pytest.mark.parametrize("case_path", [c for c in CASES if "2026" in c.name], ids=lambda p: p.stem)
def test_the_2026_golden_cases_split_their_index_exactly_by_dti_ref(
    case_path: Path, framework_2026: Framework
) -> None:
    case = yaml.safe_load(case_path.read_text(encoding="utf-8"))
    framework = framework_2026
    assert ROOT / case["framework"] == FRAMEWORK_2026
    answers = {code: typed_answer(framework, code, raw) for code, raw in case["answers"].items()}
    result = score(framework, answers, **inputs(framework, case), guidance=False)
    view = dti_view(framework, result)
    assert view is not None
    assert sum(Decimal(str(pillar.points)) for pillar in view.pillars) == Decimal(str(result.index))
    refs = {index.code: index.ref for index in framework.dti_indices}
    for pillar in view.pillars:
        assert sum(Decimal(str(q.points)) for q in pillar.questions) == Decimal(str(pillar.points))
        for code in (*(q.code for q in pillar.questions), *pillar.not_counted):
            assert framework.question(code).dti_ref == refs[pillar.code]
    # The department's own service lines are outside the DTI, shown apart.
    assert view.pillars[-1].code == "DTI-NONE"
    counted = {q.code for pillar in view.pillars for q in pillar.questions}
    assert counted == {q.code for q in result.questions if q.counted}
