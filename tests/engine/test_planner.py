"""The roadmap planner: calendar, defaults, the priority formula, candidates, scheduling, deadlines, the
trajectory, snapshots and every kind of bad input (roadmap.engine.planner)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pickle
import pkgutil
from pathlib import Path

import pytest

import roadmap.engine
from roadmap.engine.answers import Answer
from roadmap.engine.conditions import AllOf, Leaf, Operator, Subject
from roadmap.engine.framework import CostClass, Effect, Framework, Initiative, LocalText, Uplift
from roadmap.engine.loader import load_framework
from roadmap.engine.planner import (
    MANDATORY_BONUS,
    DeadlineStatus,
    ItemStatus,
    NotFittingReason,
    OfficeSize,
    Origin,
    Plan,
    PlanningError,
    PlanningParameters,
    YearMonth,
    default_capacity,
    default_phase_bounds,
    plan,
    plan_from_dict,
    plan_to_dict,
    priority_of,
)
from roadmap.engine.scoring import ScoreResult, project_with_initiatives, score

ROOT = Path(__file__).resolve().parents[2]
SMALL = load_framework(ROOT / "tests" / "fixtures" / "frameworks" / "small.yaml")
SHIPPED = ROOT / "roadmap" / "frameworks" / "central-offices-1.0.1.yaml"

# small.yaml at its worst: NETW, CYBR, PEOP all level 1 (gaps 2, 2, 1); K01–K04 all trigger.
WORST = {
    "NW-01": Answer.of("a"),
    "NW-02": Answer.of(100.0),
    "NW-03": Answer.of(0.0),
    "NW-04": Answer.of(False),
    "CY-01": Answer.of("l1"),
    "CY-02": Answer.of(frozenset({"none"})),
    "CY-03": Answer.of(False),
    "PP-01": Answer.of(0.0),
    "PP-02": Answer.of("basic"),
    "PP-04": Answer.of(0.0),
}
# small.yaml at its best, with evidence: nothing triggers.
BEST = {
    "NW-01": Answer.of("c"),
    "NW-02": Answer.of(0.0),
    "NW-03": Answer.of(100.0),
    "NW-04": Answer.of(True),
    "CY-01": Answer.of("l5"),
    "CY-02": Answer.of(frozenset({"mfa", "backup", "edr"})),
    "CY-03": Answer.of(True),
    "CY-04": Answer.of("c"),
    "PP-01": Answer.of(100.0),
    "PP-02": Answer.of("adv"),
    "PP-04": Answer.of(5.0),
}
BEST_EVIDENCE = frozenset({"NW-01", "NW-03"})
START = YearMonth(2027, 1)
ROOMY = PlanningParameters(START, 12, (0, 6, 12), (30.0, 30.0))


def scored(answers: dict[str, Answer], evidence: frozenset[str] = frozenset()) -> ScoreResult:
    return score(SMALL, answers, evidence=evidence, guidance=False)


WORST_RESULT = scored(WORST)
BEST_RESULT = scored(BEST, BEST_EVIDENCE)


def text(value: str) -> LocalText:
    return LocalText((("vi", value), ("en", value)))


def custom(
    code: str,
    *,
    raises: tuple[Uplift, ...] = (Uplift("NETW", 1),),
    trigger: Leaf | AllOf | None = None,
    prerequisites: tuple[str, ...] = (),
    duration: int = 2,
    effort: float = 1.0,
    mandatory: bool = False,
    deadline: dt.date | None = None,
    effects: tuple[Effect, ...] = (),
) -> Initiative:
    """A consultant's initiative; by default triggered on every small.yaml office (NW-01 is required)."""
    return Initiative(
        code=code,
        name=text(f"Custom {code}"),
        description=text("A consultant's addition."),
        raises=raises,
        trigger=trigger if trigger is not None else Leaf(Subject.ANSWER, "NW-01", Operator.ANSWERED),
        prerequisites=prerequisites,
        duration_months=duration,
        effort_person_months=effort,
        cost_class=CostClass.S,
        mandatory=mandatory,
        deadline=deadline,
        effects=effects,
    )


NEVER = Leaf(Subject.ANSWER, "NW-01", Operator.UNANSWERED)


def codes(planned: Plan) -> list[str]:
    return [item.code for item in planned.items]


# ---------------------------------------------------------------------------------------------------------
# Calendar and defaults


def test_year_month_counts_months_across_years_and_names_quarters() -> None:
    assert START.plus(0) == START
    assert START.plus(11) == YearMonth(2027, 12)
    assert START.plus(12) == YearMonth(2028, 1)
    assert START.plus(-1) == YearMonth(2026, 12)
    assert [START.plus(m).quarter_label for m in (0, 2, 3, 6, 9, 12)] == [
        "2027-Q1",
        "2027-Q1",
        "2027-Q2",
        "2027-Q3",
        "2027-Q4",
        "2028-Q1",
    ]
    assert YearMonth(2028, 2).last_day == dt.date(2028, 2, 29)
    assert YearMonth(2027, 12).last_day == dt.date(2027, 12, 31)
    assert YearMonth(2027, 3).first_day == dt.date(2027, 3, 1)
    assert str(YearMonth(2027, 3)) == "2027-03"
    assert YearMonth.parse("2027-03") == YearMonth(2027, 3) == YearMonth.of(dt.date(2027, 3, 17))


@pytest.mark.parametrize("raw", ["2027-13", "2027-00", "2027", "March 2027", "2027-x"])
def test_a_start_that_is_not_a_month_is_refused(raw: str) -> None:
    with pytest.raises(PlanningError) as caught:
        YearMonth.parse(raw)
    assert caught.value.code == "start_invalid"


def test_default_phases_are_quick_wins_consolidation_and_the_rest_cut_at_the_horizon() -> None:
    assert default_phase_bounds() == (0, 6, 18, 36)
    assert default_phase_bounds(24) == (0, 6, 18, 24)
    assert default_phase_bounds(12) == (0, 6, 12)
    assert default_phase_bounds(6) == (0, 6)
    assert default_phase_bounds(4) == (0, 4)


def test_default_capacity_is_the_office_sizes_monthly_capacity_times_each_phases_length() -> None:
    assert default_capacity(OfficeSize.SMALL) == (12.0, 24.0, 36.0)
    assert default_capacity("medium") == (24.0, 48.0, 72.0)
    assert default_capacity(OfficeSize.LARGE) == (48.0, 96.0, 144.0)
    assert default_capacity("small", (0, 3, 12)) == (6.0, 18.0)
    assert PlanningParameters(START).capacity == default_capacity(OfficeSize.MEDIUM)
    params = PlanningParameters.for_office(START, "large", 12)
    assert (params.horizon_months, params.phase_bounds, params.capacity) == (12, (0, 6, 12), (48.0, 48.0))


# ---------------------------------------------------------------------------------------------------------
# Priority


def test_priority_is_samm_weighting_of_the_largest_gap_times_share_plus_bonus_over_root_effort() -> None:
    gaps = {"NETW": 2, "CYBR": 2, "PEOP": 1}
    # Shares: weight × 3 / 100: NETW 1.5, CYBR 0.9, PEOP 0.6.
    assert priority_of(SMALL.initiative("K01"), SMALL, gaps) == (8.485, "NETW", 2)  # 8 × 1.5 / √2
    assert priority_of(SMALL.initiative("K02"), SMALL, gaps) == (7.165, "CYBR", 2)  # (7.2 + 8) / √4.5
    assert priority_of(SMALL.initiative("K03"), SMALL, gaps) == (4.157, "CYBR", 2)  # 7.2 / √3
    # K04's effects change PEOP's answers only (PP-01, PP-02): PEOP's gap counts, 3 × 0.6 / √1.
    assert priority_of(SMALL.initiative("K04"), SMALL, gaps) == (1.8, "PEOP", 1)
    assert priority_of(SMALL.initiative("K04"), SMALL, {"NETW": 0, "CYBR": 0, "PEOP": 3}) == (9.0, "PEOP", 3)


def test_priority_at_target_is_zero_unless_mandatory_which_adds_the_bonus() -> None:
    at_target = {"NETW": 0, "CYBR": 0, "PEOP": 0}
    assert priority_of(SMALL.initiative("K01"), SMALL, at_target)[0] == 0.0
    mandatory = custom("X1", effort=4.0, mandatory=True)
    assert priority_of(mandatory, SMALL, at_target)[0] == MANDATORY_BONUS / 2  # 8 / √4


def test_priority_counts_efforts_under_one_person_month_as_one() -> None:
    gaps = {"NETW": 1, "CYBR": 0, "PEOP": 0}
    tiny, one = custom("X1", effort=0.25), custom("X2", effort=1.0)
    assert priority_of(tiny, SMALL, gaps) == priority_of(one, SMALL, gaps) == (4.5, "NETW", 1)  # 3 × 1.5


def test_priority_breaks_a_tie_of_gaps_by_the_heavier_dimension() -> None:
    both = custom("X1", raises=(Uplift("PEOP", 1), Uplift("CYBR", 1)), effort=1.0)
    assert priority_of(both, SMALL, {"NETW": 0, "CYBR": 2, "PEOP": 2}) == (7.2, "CYBR", 2)  # 8 × 0.9


def test_priority_uses_the_dimension_weights_of_the_shipped_framework() -> None:
    shipped = load_framework(SHIPPED)
    gaps = {dimension.code: 2 for dimension in shipped.dimensions}
    # I28 raises SEC (weight 120 of 1000 over 10 dimensions: share 1.2), mandatory, 2 pm.
    assert priority_of(shipped.initiative("I28"), shipped, gaps) == (12.445, "SEC", 2)  # 17.6 / √2
    # The module docstring's example: mandatory, a weight-120 dimension with gap 1, 4 pm: (3 × 1.2 + 8) / 2.
    example = dataclasses.replace(shipped.initiative("I28"), effort_person_months=4.0)
    assert priority_of(example, shipped, {**gaps, "SEC": 1}) == (5.8, "SEC", 1)


# ---------------------------------------------------------------------------------------------------------
# Candidates: triggered, enablers, included, custom


def test_only_initiatives_whose_trigger_holds_are_proposed_each_with_its_trace_as_rationale() -> None:
    planned = plan(SMALL, BEST_RESULT, ROOMY)
    assert planned.items == ()
    assert planned.not_proposed == ("K01", "K02", "K03", "K04")
    worst = plan(SMALL, WORST_RESULT, ROOMY)
    k03 = worst.item("K03")
    assert k03.triggered
    assert k03.rationale.holds
    # any(not(contains mfa), ...): the first leaf failed under `not`, so it is the reason.
    [reason] = k03.rationale.reasons()
    assert (reason.leaf.ref, reason.actual, reason.holds, reason.negated) == (
        "CY-02",
        frozenset({"none"}),
        False,
        True,
    )


def test_prerequisites_of_a_triggered_initiative_join_as_enablers_transitively() -> None:
    only_training = {**BEST, "PP-01": Answer.of(0.0)}  # K04 triggers; K03 and K02 do not
    planned = plan(SMALL, scored(only_training, BEST_EVIDENCE), ROOMY)
    assert codes(planned) == ["K02", "K03", "K04"]
    assert [item.origin for item in planned.items] == [Origin.ENABLER, Origin.ENABLER, Origin.TRIGGERED]
    assert planned.item("K02").needed_by == ("K03",)
    assert planned.item("K03").needed_by == ("K04",)
    assert not planned.item("K02").rationale.holds
    assert planned.not_proposed == ("K01",)


def test_an_included_initiative_is_planned_without_its_trigger_and_brings_its_prerequisites() -> None:
    planned = plan(SMALL, BEST_RESULT, ROOMY, include=["K03", "K03"])
    assert codes(planned) == ["K02", "K03"]
    assert planned.item("K03").origin is Origin.INCLUDED
    assert planned.item("K02").origin is Origin.ENABLER
    triggered_anyway = plan(SMALL, WORST_RESULT, ROOMY, include=["K03"])
    assert triggered_anyway.item("K03").origin is Origin.TRIGGERED


def test_custom_initiatives_join_the_catalogue_are_planned_and_raise_the_trajectory() -> None:
    effect = Effect("PP-04", "PEOP", at_least=3.0)
    extra = custom("X1", raises=(), effects=(effect,), prerequisites=("K01",), effort=2.0)
    planned = plan(SMALL, WORST_RESULT, ROOMY, custom_initiatives=[extra])
    x1, k01 = planned.item("X1"), planned.item("K01")
    assert x1.triggered
    assert x1.start is not None
    assert k01.end is not None
    assert x1.start >= k01.end
    # K04 (PP-01 90 → 1, PP-02 mid → 0.5) and X1 (PP-04 3 → 1): (2×1 + 1×0.5 + 1×1) / 4 = 87.5 → level 4
    assert planned.trajectory[-1].levels()["PEOP"] == 4
    # A custom initiative with `raises` only (the consultants' form of engine 1.0.0) moves nothing.
    raised = plan(SMALL, WORST_RESULT, ROOMY, custom_initiatives=[custom("X1", raises=(Uplift("PEOP", 2),))])
    assert raised.trajectory[-1].levels()["PEOP"] == 3  # K04 alone: (2×1 + 1×0.5 + 0) / 4 = 62.5
    not_wanted = custom("X2", trigger=NEVER)
    assert "X2" in plan(SMALL, WORST_RESULT, ROOMY, custom_initiatives=[not_wanted]).not_proposed
    wanted = plan(SMALL, WORST_RESULT, ROOMY, custom_initiatives=[not_wanted], include=["X2"])
    assert wanted.item("X2").origin is Origin.INCLUDED


def test_the_same_custom_initiatives_reuse_one_extended_framework_and_leave_the_original_alone() -> None:
    extra = custom("X1")
    first = plan(SMALL, WORST_RESULT, ROOMY, custom_initiatives=[extra])
    second = plan(SMALL, WORST_RESULT, ROOMY, custom_initiatives=(extra,))
    assert first == second
    assert [i.code for i in SMALL.initiatives] == ["K01", "K02", "K03", "K04"]


def test_a_hand_made_custom_initiative_that_cannot_be_hashed_is_still_planned() -> None:
    listed = Leaf(Subject.ANSWER, "NW-02", Operator.IN, [100.0])  # type: ignore[arg-type]  # a list, not a tuple
    planned = plan(
        SMALL, WORST_RESULT, ROOMY, custom_initiatives=[custom("X1", trigger=listed)], include=["X1"]
    )
    assert planned.item("X1").scheduled
    assert planned.trajectory[-1].projection.initiatives[-1] == "X1"


def test_triggers_do_not_see_the_answers_of_hidden_questions() -> None:
    # CY-04 is shown only when CY-03 is yes; at WORST CY-03 is no, so an answer to CY-04 is invisible.
    hidden_answer = {**WORST, "CY-04": Answer.of("a")}
    looks_at_cy04 = custom("X1", trigger=Leaf(Subject.ANSWER, "CY-04", Operator.EQ, "a", ("a", "b", "c")))
    planned = plan(SMALL, scored(hidden_answer), ROOMY, custom_initiatives=[looks_at_cy04])
    assert "X1" in planned.not_proposed
    shown = {**BEST, "CY-04": Answer.of("a")}
    planned = plan(SMALL, scored(shown, BEST_EVIDENCE), ROOMY, custom_initiatives=[looks_at_cy04])
    assert planned.item("X1").triggered


def test_triggers_see_the_results_gaps_which_follow_the_offices_targets() -> None:
    # PEOP (2 × 1 + 0.5 + 1) / 4 = 87.5: level 4, over its default target 2; a target of 5 makes a gap.
    answers = {**BEST, "PP-02": Answer.of("mid")}
    assert "K04" in plan(SMALL, scored(answers, BEST_EVIDENCE), ROOMY).not_proposed
    raised = score(SMALL, answers, evidence=BEST_EVIDENCE, targets={"PEOP": 5}, guidance=False)
    planned = plan(SMALL, raised, ROOMY)
    assert planned.item("K04").triggered
    assert [step.leaf.subject for step in planned.item("K04").rationale.reasons()] == [Subject.GAP]


# ---------------------------------------------------------------------------------------------------------
# Scheduling and capacity


def test_deadlines_first_then_priority_then_code_and_nothing_before_its_prerequisites() -> None:
    planned = plan(SMALL, WORST_RESULT, ROOMY)
    assert codes(planned) == ["K02", "K01", "K03", "K04"]  # K03 and K04 tie at 7.2: by code
    assert [item.rank for item in planned.items] == [0, 1, 2, 3]
    spans = {item.code: (item.start, item.end) for item in planned.items}
    assert spans == {"K02": (0, 6), "K01": (0, 3), "K03": (6, 10), "K04": (10, 12)}


def test_an_initiative_that_does_not_fit_moves_later_until_it_fits() -> None:
    # Phase 0 holds 5 and K02 takes 4.5 of it: K01, 2/3 a month, cannot spend even one month there, so it
    # moves on, month by month, to the first start with all its months in phase 1: month 6.
    params = PlanningParameters(START, 12, (0, 6, 12), (5.0, 10.0))
    planned = plan(SMALL, WORST_RESULT, params)
    assert (planned.item("K01").start, planned.item("K01").end) == (6, 9)
    assert planned.item("K01").status is ItemStatus.SCHEDULED


def test_effort_is_spread_evenly_over_the_months_and_loads_every_phase_it_touches() -> None:
    # K01 alone: 2 pm over 3 months from month 0 with phases [0, 1) and [1, 3): 2/3 then 4/3.
    only_k01 = {**BEST, "NW-04": Answer.of(False)}
    params = PlanningParameters(START, 3, (0, 1, 3), (1.0, 2.0))
    planned = plan(SMALL, scored(only_k01, BEST_EVIDENCE), params)
    assert [phase.load for phase in planned.phases] == [2 / 3, 4 / 3]
    assert [phase.initiatives for phase in planned.phases] == [("K01",), ("K01",)]
    assert (planned.item("K01").phase, planned.item("K01").end_phase) == (0, 1)


def test_capacity_is_exact_so_an_initiative_fits_to_the_last_person_month_and_not_a_hair_more() -> None:
    only_k02 = {**BEST, "CY-03": Answer.of(False)}
    result = scored(only_k02, BEST_EVIDENCE)
    exact = plan(SMALL, result, PlanningParameters(START, 6, (0, 3, 6), (2.25, 2.25)))
    assert exact.item("K02").status is ItemStatus.SCHEDULED
    assert [phase.load for phase in exact.phases] == [2.25, 2.25]
    short = plan(SMALL, result, PlanningParameters(START, 6, (0, 3, 6), (2.25, 2.249)))
    assert short.item("K02").reason is NotFittingReason.CAPACITY
    assert [phase.load for phase in short.phases] == [0.0, 0.0]


def test_what_cannot_fit_is_reported_with_its_reason_and_takes_its_dependants_with_it() -> None:
    # Capacity 1 a phase: K02 (4.5 pm) fits nowhere; K03 and K04 need it; K01 fits.
    params = PlanningParameters(START, 12, (0, 6, 12), (1.0, 1.5))
    planned = plan(SMALL, WORST_RESULT, params)
    statuses = {item.code: (item.status, item.reason, item.blocked_by) for item in planned.items}
    assert statuses == {
        "K02": (ItemStatus.NOT_FITTING, NotFittingReason.CAPACITY, ()),
        "K01": (ItemStatus.SCHEDULED, None, ()),
        "K03": (ItemStatus.NOT_FITTING, NotFittingReason.PREREQUISITE, ("K02",)),
        "K04": (ItemStatus.NOT_FITTING, NotFittingReason.PREREQUISITE, ("K03",)),
    }
    assert [(w.code, w.initiative) for w in planned.warnings] == [
        ("not_fitting_capacity", "K02"),
        ("deadline_late", "K02"),  # its deadline 2027-06-30 is within the horizon
        ("not_fitting_prerequisite", "K03"),
        ("not_fitting_prerequisite", "K04"),
    ]
    assert planned.warnings[2].params_dict() == {"prerequisites": "K02"}
    assert planned.item("K02").deadline_status is DeadlineStatus.LATE
    assert [item.code for item in planned.not_fitting()] == ["K02", "K03", "K04"]
    assert [item.code for item in planned.scheduled()] == ["K01"]


def test_an_initiative_that_cannot_end_within_the_horizon_is_not_fitting_for_the_horizon() -> None:
    params = PlanningParameters(START, 8, (0, 4, 8), (30.0, 30.0))
    planned = plan(SMALL, WORST_RESULT, params)
    # K02 [0, 6); K03 [6, 10) would end after month 8.
    assert planned.item("K03").reason is NotFittingReason.HORIZON
    assert planned.item("K04").reason is NotFittingReason.PREREQUISITE
    warning = next(w for w in planned.warnings if w.initiative == "K03")
    assert (warning.code, warning.params_dict()) == (
        "not_fitting_horizon",
        {"earliest_start": "6", "duration": "4"},
    )


def test_a_plan_lists_quarters_months_and_phases_from_the_start_month() -> None:
    params = PlanningParameters(YearMonth(2026, 11), 12, (0, 6, 12), (30.0, 30.0))
    k03 = plan(SMALL, WORST_RESULT, params).item("K03")
    assert (k03.start, k03.end) == (6, 10)
    assert (k03.first_month, k03.last_month) == (YearMonth(2027, 5), YearMonth(2027, 8))
    assert (k03.start_quarter, k03.end_quarter) == ("2027-Q2", "2027-Q3")
    planned = plan(SMALL, WORST_RESULT, params)
    assert [(p.first_month, p.last_month) for p in planned.phases] == [
        (YearMonth(2026, 11), YearMonth(2027, 4)),
        (YearMonth(2027, 5), YearMonth(2027, 10)),
    ]
    assert [(p.start_quarter, p.end_quarter) for p in planned.phases] == [
        ("2026-Q4", "2027-Q2"),
        ("2027-Q2", "2027-Q4"),
    ]


# ---------------------------------------------------------------------------------------------------------
# Deadlines


def test_a_deadline_is_met_when_the_last_month_ends_on_or_before_it() -> None:
    k02 = plan(SMALL, WORST_RESULT, ROOMY).item("K02")  # [0, 6): ends 2027-06-30, the deadline
    assert (k02.status, k02.deadline_status) == (ItemStatus.SCHEDULED, DeadlineStatus.MET)


def test_a_deadline_still_ahead_that_the_schedule_misses_is_late() -> None:
    params = dataclasses.replace(ROOMY, start=YearMonth(2027, 2))
    planned = plan(SMALL, WORST_RESULT, params)
    k02 = planned.item("K02")
    assert (k02.status, k02.deadline_status) == (ItemStatus.DEADLINE_MISSED, DeadlineStatus.LATE)
    warning = planned.warnings[0]
    assert (warning.code, warning.initiative) == ("deadline_late", "K02")
    assert warning.params_dict() == {"deadline": "2027-06-30", "last_month": "2027-07"}


def test_a_deadline_passed_before_the_start_or_before_today_is_overdue() -> None:
    after = plan(SMALL, WORST_RESULT, dataclasses.replace(ROOMY, start=YearMonth(2027, 9)))
    assert after.item("K02").deadline_status is DeadlineStatus.OVERDUE
    assert after.warnings[0].code == "deadline_overdue"
    # Planning in advance: today is after the deadline although the plan starts before it was due.
    params = dataclasses.replace(ROOMY, start=YearMonth(2027, 3))
    late_not_overdue = plan(SMALL, WORST_RESULT, params, today=dt.date(2027, 1, 5))
    assert late_not_overdue.item("K02").deadline_status is DeadlineStatus.LATE
    overdue = plan(SMALL, WORST_RESULT, params, today=dt.date(2027, 7, 1))
    assert overdue.item("K02").deadline_status is DeadlineStatus.OVERDUE
    assert overdue.today == dt.date(2027, 7, 1)
    assert plan(SMALL, WORST_RESULT, params).today == dt.date(2027, 3, 1)


def test_today_may_be_given_as_a_moment() -> None:
    params = dataclasses.replace(ROOMY, start=YearMonth(2027, 3))
    planned = plan(SMALL, WORST_RESULT, params, today=dt.datetime(2027, 7, 1, 9, 30, tzinfo=dt.UTC))
    assert planned.today == dt.date(2027, 7, 1)
    assert planned.item("K02").deadline_status is DeadlineStatus.OVERDUE


def test_a_not_fitting_initiative_misses_its_deadline_only_if_the_deadline_falls_within_the_horizon() -> None:
    far = custom("X1", trigger=None, effort=100.0, mandatory=True, deadline=dt.date(2030, 1, 31))
    planned = plan(SMALL, WORST_RESULT, ROOMY, custom_initiatives=[far])
    assert planned.item("X1").reason is NotFittingReason.CAPACITY
    assert planned.item("X1").deadline_status is None
    assert [w.code for w in planned.warnings if w.initiative == "X1"] == ["not_fitting_capacity"]


def test_an_enablers_own_deadline_is_not_in_force() -> None:
    only_training = {**BEST, "PP-01": Answer.of(0.0)}
    params = dataclasses.replace(ROOMY, start=YearMonth(2027, 9))  # after K02's deadline
    k02 = plan(SMALL, scored(only_training, BEST_EVIDENCE), params).item("K02")
    assert k02.origin is Origin.ENABLER
    assert k02.mandatory
    assert (k02.status, k02.deadline_status, k02.schedule_deadline) == (ItemStatus.SCHEDULED, None, None)
    included = plan(SMALL, BEST_RESULT, params, include=["K02"]).item("K02")
    assert included.deadline_status is DeadlineStatus.OVERDUE


def test_an_enabler_inherits_the_earliest_deadline_and_highest_priority_of_what_needs_it() -> None:
    urgent = custom(
        "X1", prerequisites=("K01",), effort=1.0, mandatory=True, deadline=dt.date(2027, 2, 28), duration=1
    )
    planned = plan(SMALL, WORST_RESULT, ROOMY, custom_initiatives=[urgent])
    assert codes(planned)[:2] == ["K01", "X1"]  # before K02 (deadline 2027-06-30)
    k01 = planned.item("K01")
    assert k01.schedule_deadline == dt.date(2027, 2, 28)
    assert k01.schedule_priority == max(k01.priority, planned.item("X1").priority)


# ---------------------------------------------------------------------------------------------------------
# Trajectory


def test_the_trajectory_projects_the_initiatives_done_by_the_end_of_each_phase() -> None:
    planned = plan(SMALL, WORST_RESULT, ROOMY)
    assert [point.phase for point in planned.trajectory] == [0, 1]
    assert [point.end for point in planned.trajectory] == [6, 12]
    assert [point.completed for point in planned.trajectory] == [("K01", "K02"), ("K01", "K02", "K03", "K04")]
    for point in planned.trajectory:
        assert point.projection == project_with_initiatives(SMALL, WORST_RESULT, point.completed)
        assert (point.index, point.level) == (point.projection.index, point.projection.level)


def test_a_phase_where_nothing_ends_projects_the_current_levels() -> None:
    params = PlanningParameters(START, 12, (0, 1, 12), (30.0, 30.0))
    first = plan(SMALL, WORST_RESULT, params).trajectory[0]
    assert first.completed == ()
    assert first.levels() == {d.code: d.level for d in WORST_RESULT.dimensions}
    assert first.index == WORST_RESULT.index


# ---------------------------------------------------------------------------------------------------------
# Determinism and snapshots


def test_the_same_input_gives_the_same_plan() -> None:
    first = plan(SMALL, WORST_RESULT, ROOMY, custom_initiatives=[custom("X1")])
    second = plan(SMALL, scored(dict(reversed(WORST.items()))), ROOMY, custom_initiatives=[custom("X1")])
    assert first == second
    assert json.dumps(plan_to_dict(first)) == json.dumps(plan_to_dict(second))


def test_a_plan_survives_a_json_snapshot() -> None:
    planned = plan(
        SMALL,
        WORST_RESULT,
        PlanningParameters(START, 9, (0, 3, 9), (2.0, 3.5)),
        custom_initiatives=[custom("X1", trigger=NEVER)],
        include=["X1"],
        today=dt.date(2026, 11, 28),
    )
    assert {item.status for item in planned.items} == set(ItemStatus)
    snapshot = json.loads(json.dumps(plan_to_dict(planned)))
    assert plan_from_dict(snapshot) == planned


def test_the_plan_says_which_framework_and_engine_made_it() -> None:
    planned = plan(SMALL, WORST_RESULT, ROOMY)
    assert (planned.framework_id, planned.framework_version) == ("small-test", "0.3.0")
    assert planned.engine_version
    assert planned.parameters == ROOMY
    with pytest.raises(KeyError):
        planned.item("K99")


def test_the_planner_is_among_the_engine_modules_the_purity_test_imports() -> None:
    modules = {info.name for info in pkgutil.iter_modules(roadmap.engine.__path__)}
    assert "planner" in modules  # tests/engine/test_engine_is_pure.py imports every one of them


# ---------------------------------------------------------------------------------------------------------
# Bad input: PlanningError with a code and params, never a plan


def refused(
    params: PlanningParameters = ROOMY,
    *,
    result: ScoreResult = WORST_RESULT,
    framework: Framework = SMALL,
    custom_initiatives: tuple[Initiative, ...] = (),
    include: tuple[str, ...] = (),
) -> PlanningError:
    with pytest.raises(PlanningError) as caught:
        plan(framework, result, params, custom_initiatives=custom_initiatives, include=include)
    return caught.value


@pytest.mark.parametrize("capacity", [0.0, -1.0, float("nan"), float("inf")])
def test_a_capacity_that_is_not_a_positive_number_is_refused(capacity: float) -> None:
    error = refused(PlanningParameters(START, 12, (0, 6, 12), (10.0, capacity)))
    assert error.code == "capacity_not_positive"
    assert error.params == {"phase": 1, "capacity": str(capacity)}
    assert str(error) == f"the capacity of phase 1 must be a positive number of person-months, not {capacity}"


def test_a_capacity_per_phase_is_needed_for_every_phase() -> None:
    error = refused(PlanningParameters(START, 12, (0, 6, 12), (10.0,)))
    assert (error.code, error.params) == ("capacity_count", {"phases": 2, "count": 1})


def test_a_horizon_shorter_than_the_shortest_proposed_initiative_is_refused() -> None:
    error = refused(PlanningParameters(START, 1, (0, 1), (30.0,)))
    assert error.code == "horizon_too_short"
    assert error.params == {"horizon": 1, "initiative": "K04", "duration": 2}
    assert "shorter than the shortest proposed initiative (K04, 2 months)" in str(error)
    # Nothing proposed: nothing is too long.
    assert plan(SMALL, BEST_RESULT, PlanningParameters(START, 1, (0, 1), (30.0,))).items == ()


@pytest.mark.parametrize("horizon", [0, -3])
def test_a_horizon_of_no_months_is_refused(horizon: int) -> None:
    assert refused(PlanningParameters(START, horizon, (0, horizon), (30.0,))).code == "horizon_invalid"


@pytest.mark.parametrize(
    ("bounds", "code"),
    [
        ((12,), "phase_bounds_too_few"),
        ((1, 6, 12), "phase_bounds_start"),
        ((0, 6, 6, 12), "phase_bounds_not_ascending"),
        ((0, 8, 6, 12), "phase_bounds_not_ascending"),
        ((0, 6, 10), "phase_bounds_end"),
        ((0, 6, 14), "phase_bounds_end"),
    ],
)
def test_phase_bounds_must_run_from_zero_to_the_horizon_in_ascending_order(
    bounds: tuple[int, ...], code: str
) -> None:
    capacity = tuple(10.0 for _ in bounds[1:])
    error = refused(PlanningParameters(START, 12, bounds, capacity))
    assert error.code == code
    assert str(error)


def test_a_result_scored_on_another_framework_is_refused() -> None:
    error = refused(framework=load_framework(SHIPPED))
    assert error.code == "result_mismatch"
    assert error.params["result_framework"] == "small-test"


def test_including_an_unknown_initiative_is_refused() -> None:
    error = refused(include=("K09",))
    assert (error.code, error.params) == ("initiative_unknown", {"initiative": "K09"})


@pytest.mark.parametrize("clash", [("K01",), ("X1", "X1")])
def test_a_custom_initiative_whose_code_is_taken_is_refused(clash: tuple[str, ...]) -> None:
    error = refused(custom_initiatives=tuple(custom(code) for code in clash))
    assert (error.code, error.params) == ("custom_code_clash", {"initiative": clash[-1]})


@pytest.mark.parametrize(
    ("initiative", "field"),
    [
        (custom("X1", duration=0), "duration_months"),
        (custom("X1", effort=0.0), "effort_person_months"),
        (custom("X1", effort=float("nan")), "effort_person_months"),
        (custom("X1", deadline=dt.date(2027, 1, 1)), "deadline"),
        (custom("X1", raises=()), "raises"),
        (custom("X1", raises=(Uplift("NETW", 0),)), "raises"),
        (custom(" "), "code"),
    ],
)
def test_a_custom_initiative_with_an_invalid_field_is_refused(initiative: Initiative, field: str) -> None:
    error = refused(custom_initiatives=(initiative,))
    assert error.code == "custom_invalid"
    assert error.params["field"] == field


def test_a_custom_initiative_must_raise_and_look_at_what_exists() -> None:
    error = refused(custom_initiatives=(custom("X1", raises=(Uplift("SEC", 1),)),))
    assert (error.code, error.params) == (
        "custom_dimension_unknown",
        {"initiative": "X1", "dimension": "SEC"},
    )
    looks_nowhere = custom("X1", trigger=Leaf(Subject.ANSWER, "SEC-01", Operator.ANSWERED))
    error = refused(custom_initiatives=(looks_nowhere,))
    assert (error.code, error.params) == (
        "custom_reference_unknown",
        {"initiative": "X1", "ref": "q: SEC-01"},
    )
    gap_nowhere = custom(
        "X1",
        trigger=AllOf(
            (Leaf(Subject.ANSWER, "NW-01", Operator.ANSWERED), Leaf(Subject.GAP, "SEC", Operator.GE, 1))
        ),
    )
    assert refused(custom_initiatives=(gap_nowhere,)).params["ref"] == "gap: SEC"


def test_a_custom_initiative_needing_an_unknown_initiative_is_refused() -> None:
    error = refused(custom_initiatives=(custom("X1", prerequisites=("K01", "K07")),))
    assert (error.code, error.params) == (
        "custom_prerequisite_unknown",
        {"initiative": "X1", "prerequisite": "K07"},
    )
    assert str(error) == "custom initiative X1 needs K07, which is not an initiative"


def test_a_prerequisite_cycle_slipped_in_through_custom_initiatives_is_refused() -> None:
    pair = (custom("X1", prerequisites=("K04", "X2")), custom("X2", prerequisites=("X1",)))
    error = refused(custom_initiatives=pair)
    assert (error.code, error.params) == ("prerequisite_cycle", {"cycle": "X1 → X2 → X1"})
    assert str(error) == "the prerequisites form a cycle: X1 → X2 → X1"
    itself = refused(custom_initiatives=(custom("X3", prerequisites=("X3",)),))
    assert itself.params == {"cycle": "X3 → X3"}
    # Even when no initiative of the cycle would be proposed.
    quiet = (
        custom("X1", trigger=NEVER, prerequisites=("X2",)),
        custom("X2", trigger=NEVER, prerequisites=("X1",)),
    )
    assert refused(custom_initiatives=quiet).code == "prerequisite_cycle"


def test_a_planning_error_pickles_and_keeps_its_code_and_params() -> None:
    error = refused(custom_initiatives=(custom("X1", prerequisites=("X1",)),))
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert (copy.code, copy.params, str(copy)) == (error.code, error.params, str(error))
    assert isinstance(copy, ValueError)
