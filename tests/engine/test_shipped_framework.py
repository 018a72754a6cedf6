"""Content checks on the shipped framework: it loads, its numbers add up, and every rule in it can fire.

The checks are generic: they enumerate candidate answers per question type (each option, the boundaries of
every numeric step and of every value a condition compares with, yes and no, and the unanswered, N/A and
"don't know" states) and candidate dimension facts (levels 1–5, gaps 0–4, scores at the band edges), and
search them for an assignment that makes a condition hold or fail. They stay true as the content evolves.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from roadmap.engine.answers import Answer
from roadmap.engine.conditions import AllOf, AnyOf, Condition, Leaf, Not, ProfileValue, Subject, holds
from roadmap.engine.framework import (
    NUMERIC_TYPES,
    ORDERED_CHOICE_TYPES,
    Framework,
    LocalText,
    Measurability,
    Question,
    QuestionType,
)
from roadmap.engine.loader import load_framework

FRAMEWORKS = Path(__file__).parent.parent.parent / "roadmap" / "frameworks"
# Every shipped version must pass the same content checks; 1.1.0 is the 2026 cycle's framework.
VERSIONS = ("1.0.0", "1.0.1", "1.1.0")

# Above this many combinations a search samples instead of enumerating (seeded, so it is deterministic).
SEARCH_LIMIT = 200_000
VIETNAMESE_LETTERS = re.compile(
    "[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.IGNORECASE
)


@pytest.fixture(scope="module", params=VERSIONS)
def framework(request: pytest.FixtureRequest) -> Framework:
    return load_framework(FRAMEWORKS / f"central-offices-{request.param}.yaml")


# --- a search over candidate facts ----------------------------------------------------------------------


@dataclass
class Facts:
    """Plain dictionaries behind the condition evaluator's Facts protocol."""

    answers: dict[str, Answer] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)
    gaps: dict[str, int] = field(default_factory=dict)
    profile_answers: dict[str, ProfileValue] = field(default_factory=dict)

    def profile(self, question_code: str) -> ProfileValue | None:
        return self.profile_answers.get(question_code)

    def answer(self, question_code: str) -> Answer | None:
        return self.answers.get(question_code)

    def score(self, dimension_code: str) -> float | None:
        return self.scores.get(dimension_code)

    def level(self, dimension_code: str) -> int | None:
        return self.levels.get(dimension_code)

    def gap(self, dimension_code: str) -> int | None:
        return self.gaps.get(dimension_code)


def leaves(condition: Condition) -> Iterator[Leaf]:
    if isinstance(condition, Leaf):
        yield condition
    elif isinstance(condition, (AllOf, AnyOf)):
        for item in condition.items:
            yield from leaves(item)
    elif isinstance(condition, Not):
        yield from leaves(condition.item)


def compared_numbers(condition_leaves: Sequence[Leaf]) -> set[float]:
    numbers: set[float] = set()
    for leaf in condition_leaves:
        values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
        for value in values:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                numbers.update({value - 1, value - 0.5, value, value + 0.5, value + 1})
    return numbers


def candidate_answers(
    question: Question, condition_leaves: Sequence[Leaf], *, said_only: bool = False
) -> list[Answer | None]:
    """Every answer worth trying for `question`: one per option, per numeric boundary, per state (unless
    `said_only`: then only real values, no unanswered, N/A or "don't know")."""
    states: list[Answer | None] = [] if said_only else [None, Answer.not_applicable(), Answer.dont_know()]
    if question.type in ORDERED_CHOICE_TYPES:
        return [*states, *(Answer.of(option.code) for option in question.options)]
    if question.type is QuestionType.MULTI_CHOICE:
        alone = [Answer.of(frozenset({option.code})) for option in question.options]
        combinable = frozenset(option.code for option in question.options if not option.exclusive)
        return [*states, *alone, Answer.of(combinable)]
    if question.type is QuestionType.YES_NO:
        return [*states, Answer.of(True), Answer.of(False)]
    if question.type in NUMERIC_TYPES:
        low = 0.0 if question.min_value is None else question.min_value
        high = 100.0 if question.max_value is None else question.max_value
        numbers = {low, high, *(step.at_least for step in question.points_by_value)}
        numbers |= compared_numbers(condition_leaves)
        return [*states, *(Answer.of(float(n)) for n in sorted(numbers) if low <= n <= high)]
    return [*states, Answer.of("Nội dung trả lời")]


def candidate_profile_values(framework: Framework, code: str) -> list[object]:
    """Every profile answer worth trying: each option (or yes and no), and not given yet."""
    question = framework.profile_question(code)
    if question.type == "yes_no":
        return [None, True, False]
    if question.type == "multi_choice":
        return [None, *(frozenset({o.code}) for o in question.options)]
    return [None, *(option.code for option in question.options)]


def candidate_facts(framework: Framework, subject: Subject, condition_leaves: Sequence[Leaf]) -> list[object]:
    # Scoring always knows every dimension's score, level and gap, so None is never a candidate here.
    if subject is Subject.LEVEL:
        return [1, 2, 3, 4, 5]
    if subject is Subject.GAP:
        return [0, 1, 2, 3, 4]
    numbers = {band.min_score for band in framework.scoring.bands} | {0.0, 100.0}
    numbers |= compared_numbers(condition_leaves)
    return sorted(n for n in numbers if 0 <= n <= 100)


def facts_of(assignment: dict[tuple[Subject, str], object]) -> Facts:
    facts = Facts()
    for (subject, ref), value in assignment.items():
        if value is None:
            continue
        if subject is Subject.ANSWER:
            assert isinstance(value, Answer)
            facts.answers[ref] = value
        elif subject is Subject.SCORE:
            facts.scores[ref] = float(value)  # type: ignore[arg-type]
        elif subject is Subject.LEVEL:
            facts.levels[ref] = int(value)  # type: ignore[call-overload]
        elif subject is Subject.PROFILE:
            facts.profile_answers[ref] = value  # type: ignore[assignment]
        else:
            facts.gaps[ref] = int(value)  # type: ignore[call-overload]
    return facts


def find_facts(
    framework: Framework, condition: Condition, *, outcome: bool, said_only: bool = False
) -> Facts | None:
    """Facts under which `condition` evaluates to `outcome`, or None when no candidate gives it."""
    condition_leaves = list(leaves(condition))
    subjects = list(dict.fromkeys((leaf.subject, leaf.ref) for leaf in condition_leaves))
    choices: list[list[object]] = []
    for subject, ref in subjects:
        own = [leaf for leaf in condition_leaves if (leaf.subject, leaf.ref) == (subject, ref)]
        if subject is Subject.ANSWER:
            choices.append(list(candidate_answers(framework.question(ref), own, said_only=said_only)))
        elif subject is Subject.PROFILE:
            choices.append(candidate_profile_values(framework, ref))
        else:
            choices.append(candidate_facts(framework, subject, own))
    size = 1
    for options in choices:
        size *= len(options)
    if size <= SEARCH_LIMIT:
        combinations: Iterator[tuple[object, ...]] = itertools.product(*choices)
    else:
        generator = random.Random(20261128)
        combinations = (tuple(generator.choice(c) for c in choices) for _ in range(SEARCH_LIMIT))
    for combination in combinations:
        facts = facts_of(dict(zip(subjects, combination, strict=True)))
        if holds(condition, facts) is outcome:
            return facts
    return None


def visible_condition(framework: Framework, question: Question) -> Condition | None:
    """The question's show_if together with the show_if of every question it depends on, transitively."""
    conditions: list[Condition] = []
    pending = [question]
    seen: set[str] = set()
    while pending:
        current = pending.pop()
        if current.code in seen or current.show_if is None:
            continue
        seen.add(current.code)
        conditions.append(current.show_if)
        pending.extend(
            framework.question(leaf.ref) for leaf in leaves(current.show_if) if leaf.subject is Subject.ANSWER
        )
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else AllOf(tuple(conditions))


def all_texts(framework: Framework) -> Iterator[tuple[str, LocalText]]:
    """Every text a person reads, with where it is."""
    yield "title", framework.title
    yield "description", framework.description
    for policy in framework.policies:
        yield f"policy {policy.code}", policy.title
    for index in framework.dti_indices:
        yield f"dti {index.code}", index.name
    for group in framework.groups:
        yield f"group {group.code}", group.name
    for question in framework.profile:
        yield f"profile {question.code} text", question.text
        if question.help is not None:
            yield f"profile {question.code} help", question.help
        for option in question.options:
            yield f"profile {question.code} option {option.code}", option.label
    for dimension in framework.dimensions:
        yield f"{dimension.code} name", dimension.name
        yield f"{dimension.code} description", dimension.description
        for level, descriptor in enumerate(dimension.levels, start=1):
            yield f"{dimension.code} level {level}", descriptor
    for question in framework.questions:
        yield f"{question.code} text", question.text
        if question.help is not None:
            yield f"{question.code} help", question.help
        if question.unit is not None:
            yield f"{question.code} unit", question.unit
        for option in question.options:
            yield f"{question.code} option {option.code}", option.label
    for gate in framework.scoring.gates:
        yield f"gate {gate.code}", gate.message
    for check in framework.scoring.consistency:
        yield f"consistency {check.code}", check.message
    for initiative in framework.initiatives:
        yield f"{initiative.code} name", initiative.name
        yield f"{initiative.code} description", initiative.description
        for number, kpi in enumerate(initiative.kpis, start=1):
            yield f"{initiative.code} kpi {number}", kpi


# --- the file and its size -------------------------------------------------------------------------------


def test_shipped_framework_loads_without_problems(framework: Framework) -> None:
    assert framework.id == "central-offices"
    assert framework.version in VERSIONS
    assert framework.locales == ("vi", "en")


def test_shipped_framework_is_big_enough_to_assess_an_office(framework: Framework) -> None:
    assert len(framework.questions) >= 80
    assert len(framework.initiatives) >= 30
    assert sum(q.show_if is not None for q in framework.questions) >= 5
    assert len(framework.scoring.consistency) >= 5


GROUP_WEIGHTS = {
    "1.0.0": {"foundation": 540, "operations": 460},
    "1.0.1": {"foundation": 540, "operations": 460},
    # 1.1.0 follows the DTI's groups (infrastructure and security are foundations) and adds the department's
    # own service lines, which no DTI indicator measures.
    "1.1.0": {"foundation": 720, "operations": 200, "special_use": 80},
}


def test_dimension_weights_make_a_1000_point_index_split_by_group(framework: Framework) -> None:
    assert sum(d.weight for d in framework.dimensions) == 1000
    by_group = {
        g.code: sum(d.weight for d in framework.dimensions if d.group == g.code) for g in framework.groups
    }
    assert by_group == GROUP_WEIGHTS[framework.version]


def test_every_dimension_has_scored_questions(framework: Framework) -> None:
    for dimension in framework.dimensions:
        questions = framework.questions_of(dimension.code)
        assert questions, dimension.code
        assert sum(q.weight for q in questions) > 0, dimension.code


# --- question content ------------------------------------------------------------------------------------


def test_question_weights_follow_critical_measured_self_assessed(framework: Framework) -> None:
    for question in framework.questions:
        if question.type is QuestionType.TEXT or question.weight == 0:
            assert not question.critical, question.code
        elif question.critical:
            assert question.weight == 3, question.code
        elif question.measurability is Measurability.SELF_ASSESSED:
            assert question.weight == 1, question.code
        else:
            assert question.weight == 2, question.code


def test_ordered_options_go_from_worst_to_best(framework: Framework) -> None:
    # Conditions such as {q: IP6-01, op: le, value: b} rely on the option order meaning "at most b".
    # A record that is not scored (the office profile in 1.1.0) carries no points at all.
    for question in framework.questions:
        if question.type in ORDERED_CHOICE_TYPES and question.weight == 0:
            assert {option.points for option in question.options} == {0}, question.code
        elif question.type in ORDERED_CHOICE_TYPES:
            points = [option.points for option in question.options]
            assert points == sorted(points), question.code
            assert points[0] == 0, question.code
            assert points[-1] == 1, question.code


def test_numeric_steps_span_from_nothing_to_at_least_level_four(framework: Framework) -> None:
    # Not always to full points: SEC-01 tops out at level 4 and its follow-up SEC-01B carries level 5.
    for question in framework.questions:
        if question.type in NUMERIC_TYPES and question.weight > 0:
            points = {step.points for step in question.points_by_value}
            assert min(points) == 0, question.code
            assert max(points) >= 0.75, question.code


def test_every_question_can_be_shown(framework: Framework) -> None:
    for question in framework.questions:
        condition = visible_condition(framework, question)
        if question.applies_if is not None:
            condition = question.applies_if if condition is None else AllOf((question.applies_if, condition))
        if condition is not None:
            assert find_facts(framework, condition, outcome=True) is not None, question.code


def test_every_profile_rule_leaves_some_office_out_and_lets_some_in(framework: Framework) -> None:
    # applies_if that always held (or never) would be a rule in name only.
    ruled = [(q.code, q.applies_if) for q in framework.questions]
    ruled += [(g.code, g.applies_if) for g in framework.scoring.gates]
    ruled += [(i.code, i.obligation.applies_if) for i in framework.initiatives if i.obligation is not None]
    for code, condition in ruled:
        if condition is not None:
            assert find_facts(framework, condition, outcome=True) is not None, code
            assert find_facts(framework, condition, outcome=False, said_only=True) is not None, code


# --- scoring rules ---------------------------------------------------------------------------------------


def test_every_gate_can_bite(framework: Framework) -> None:
    for gate in framework.scoring.gates:
        assert gate.max_level < 5, gate.code
        # A gate bites only for the offices it applies to: its rule and its cause must hold together.
        condition = gate.when if gate.applies_if is None else AllOf((gate.applies_if, gate.when))
        assert find_facts(framework, condition, outcome=True) is not None, gate.code


def test_every_consistency_check_can_flag_and_names_its_questions(framework: Framework) -> None:
    for check in framework.scoring.consistency:
        referenced = {leaf.ref for leaf in leaves(check.when) if leaf.subject is Subject.ANSWER}
        assert referenced <= set(check.questions), check.code
        assert find_facts(framework, check.when, outcome=True) is not None, check.code


# --- initiatives -----------------------------------------------------------------------------------------


def test_every_initiative_trigger_can_hold_and_can_fail(framework: Framework) -> None:
    # Failing only because nothing was said would prove nothing: the failing case uses real answers.
    for initiative in framework.initiatives:
        assert find_facts(framework, initiative.trigger, outcome=True) is not None, initiative.code
        failing = find_facts(framework, initiative.trigger, outcome=False, said_only=True)
        assert failing is not None, initiative.code


def test_every_initiative_brings_about_answers_and_has_kpis(framework: Framework) -> None:
    # From 1.0.1 on, effects replace `raises` (docs/framework-format.md, "Initiatives"); 1.0.0 stays as the
    # 2025 assessments used it, with `raises` only, which no longer moves a projection.
    for initiative in framework.initiatives:
        if framework.version == "1.0.0":
            assert initiative.raises, initiative.code
            assert not initiative.effects, initiative.code
        else:
            assert initiative.effects, initiative.code
            assert not initiative.raises, initiative.code
        assert 1 <= len(initiative.kpis) <= 3, initiative.code


def test_mandatory_initiatives_cite_the_law(framework: Framework) -> None:
    for initiative in framework.initiatives:
        if initiative.deadline is not None:
            assert initiative.mandatory, initiative.code
        if initiative.mandatory:
            assert initiative.policy_refs, initiative.code
        if initiative.obligation is not None:
            # The obligation's source is among the texts the initiative cites.
            assert initiative.mandatory, initiative.code
            assert initiative.obligation.source in initiative.policy_refs, initiative.code


def test_prerequisites_form_an_acyclic_graph(framework: Framework) -> None:
    remaining = {i.code: set(i.prerequisites) for i in framework.initiatives}
    while remaining:
        ready = {code for code, prerequisites in remaining.items() if not prerequisites & remaining.keys()}
        assert ready, f"cycle among {sorted(remaining)}"
        for code in ready:
            del remaining[code]


def test_every_declared_policy_is_cited(framework: Framework) -> None:
    cited = {code for q in framework.questions for code in q.policy_refs}
    cited |= {code for i in framework.initiatives for code in i.policy_refs}
    assert {p.code for p in framework.policies} <= cited


# --- texts -----------------------------------------------------------------------------------------------


def test_every_text_has_vietnamese_and_english(framework: Framework) -> None:
    for where, text in all_texts(framework):
        translations = text.as_dict()
        assert set(translations) == {"vi", "en"}, where
        assert all(value.strip() for value in translations.values()), where


def test_vietnamese_sentences_carry_diacritics(framework: Framework) -> None:
    for where, text in all_texts(framework):
        vietnamese = text.get("vi")
        if len(vietnamese.split()) >= 3:
            assert VIETNAMESE_LETTERS.search(vietnamese), f"{where}: {vietnamese}"


def test_names_and_questions_are_translated(framework: Framework) -> None:
    translated = [d.name for d in framework.dimensions]
    translated += [q.text for q in framework.questions]
    translated += [o.label for q in framework.questions for o in q.options]
    translated += [i.name for i in framework.initiatives]
    for text in translated:
        assert text.get("vi") != text.get("en"), text.get("en")
