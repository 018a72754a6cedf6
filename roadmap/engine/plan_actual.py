"""Plan against actual at the next cycle (issue 22): what last year's roadmap expected, read in this year's
framework, beside what this year's answers show. Pure: the service gathers last year's answers, the plan's
initiatives and their tracking; this module only computes.

Expected effects
    An initiative of last year's plan was expected to bring about the answers of its effects. Read in the
    newer framework: the older file's effects with their questions through the OLD → NEW map (an effect
    whose question does not carry, or whose answer the new question does not take, is left out); an
    initiative the older file gives no effects (format 1.0.0 named only the dimensions it `raises`) takes
    the newer catalogue's effects of the same code, when it has one.

Projected level (per dimension)
    Last year's answers carried into the newer framework (the caller carries them), scored by the newer
    framework with this year's inputs (profile, reference date, targets), then the effects of the
    initiatives the plan scheduled to finish by this assessment applied by the projection's rules
    (`apply_effect_list`: an effect never lowers an answer, never overrides "not applicable", counts as
    evidenced) and scored again.

Not delivered
    A done initiative whose effect this year's answer does not show (no answer, "don't know", or an answer
    below what the effect brings about), listed under the effect's dimension.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from roadmap.engine.answers import Answer, AnswerValue
from roadmap.engine.framework import Effect, Framework
from roadmap.engine.scoring import ScoreResult, apply_effect_list, effect_shown, scorer_for


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A done initiative and the questions of one dimension whose answers do not show its effects."""

    initiative: str
    questions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DimensionComparison:
    code: str
    level_before: int  # last year's answers, as the newer framework scores them
    level_projected: int  # … with the effects of the initiatives planned to be finished by now
    level_reached: int  # this year's result
    undelivered: tuple[Undelivered, ...]

    @property
    def shortfall(self) -> int:
        """How many levels the dimension stays below what the plan projected (0 when it met or passed it)."""
        return max(0, self.level_projected - self.level_reached)


@dataclass(frozen=True, slots=True)
class PlanActual:
    planned: tuple[str, ...]  # initiatives scheduled to be finished by this assessment, sorted
    done: tuple[str, ...]  # initiatives marked done, sorted
    dimensions: tuple[DimensionComparison, ...]  # in the newer framework's order


def _takes(framework: Framework, question_code: str, value: AnswerValue | float | str | None) -> bool:
    """Whether the newer question takes an effect's value (its options still exist)."""
    question = framework.question(question_code)
    options = {option.code for option in question.options}
    if isinstance(value, frozenset):
        return not options or all(isinstance(code, str) and code in options for code in value)
    if isinstance(value, str) and options:
        return value in options
    return True


def expected_effects(
    older: Framework, newer: Framework, codes: Iterable[str], question_map: Mapping[str, str]
) -> dict[str, tuple[Effect, ...]]:
    """Each initiative's expected effects as questions of `newer` (see the module docstring). Codes that
    neither catalogue knows get no effects."""
    older_catalogue = {initiative.code: initiative for initiative in older.initiatives}
    newer_catalogue = {initiative.code: initiative for initiative in newer.initiatives}
    expected: dict[str, tuple[Effect, ...]] = {}
    for code in dict.fromkeys(codes):
        old = older_catalogue.get(code)
        effects: list[Effect] = []
        if old is not None and old.effects:
            for effect in old.effects:
                target = question_map.get(effect.question)
                if target is None or not newer.has_question(target):
                    continue
                value = effect.value if effect.at_least is None else effect.at_least
                if not _takes(newer, target, value):
                    continue
                effects.append(
                    Effect(target, newer.question(target).dimension, effect.value, effect.at_least)
                )
        elif code in newer_catalogue:
            effects = list(newer_catalogue[code].effects)
        expected[code] = tuple(effects)
    return expected


def compare(
    newer: Framework,
    current: ScoreResult,
    last_answers: Mapping[str, Answer],
    last_evidence: Iterable[str],
    effects: Mapping[str, tuple[Effect, ...]],
    planned: Iterable[str],
    done: Iterable[str],
) -> PlanActual:
    """Per dimension of `newer`: the level of last year's answers (`last_answers`, already under the newer
    codes, with `last_evidence` the codes that had evidence), the level projected by the `planned`
    initiatives' effects, the level `current` reached, and the `done` initiatives whose effects `current`
    does not show."""
    scorer = scorer_for(newer)
    answers = {code: answer for code, answer in last_answers.items() if code in scorer.by_code}
    evidence = {code for code in last_evidence if code in answers}
    targets = {d.code: d.target for d in current.dimensions}
    before = scorer.score(
        answers,
        evidence=evidence,
        targets=targets,
        guidance=False,
        reference_date=current.reference_date,
        profile=current.profile_values(),
    )
    planned_codes = tuple(sorted(set(planned)))
    planned_effects = [effect for code in planned_codes for effect in effects.get(code, ())]
    projected_answers = apply_effect_list(newer, answers, planned_effects, before)
    changed = {code for code, answer in projected_answers.items() if answers.get(code) != answer}
    projected = (
        scorer.score(
            projected_answers,
            evidence=evidence | changed,
            targets=targets,
            guidance=False,
            reference_date=current.reference_date,
            profile=current.profile_values(),
        )
        if changed
        else before
    )
    done_codes = tuple(sorted(set(done)))
    missing: dict[str, dict[str, list[str]]] = {}  # dimension → initiative → questions
    for code in done_codes:
        for effect in effects.get(code, ()):
            if effect_shown(newer, effect, current) is False:
                questions = missing.setdefault(effect.dimension, {}).setdefault(code, [])
                if effect.question not in questions:
                    questions.append(effect.question)
    reached = {d.code: d.level for d in current.dimensions}
    projected_levels = {d.code: d.level for d in projected.dimensions}
    dimensions = tuple(
        DimensionComparison(
            code=d.code,
            level_before=d.level,
            level_projected=projected_levels[d.code],
            level_reached=reached[d.code],
            undelivered=tuple(
                Undelivered(initiative, tuple(questions))
                for initiative, questions in missing.get(d.code, {}).items()
            ),
        )
        for d in before.dimensions
    )
    return PlanActual(planned_codes, done_codes, dimensions)
