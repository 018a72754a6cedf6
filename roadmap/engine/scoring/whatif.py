"""What if: answers changed, or initiatives assumed done. Both are scored by the same engine: changed answers
directly (`with_answers` then `score`), initiatives as the answers their effects bring about
(`project_with_initiatives`), so that weights, gates, evidence rules and bands apply by themselves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from roadmap.engine.answers import Answer, AnswerState
from roadmap.engine.errors import InvalidInput
from roadmap.engine.exact import dec
from roadmap.engine.framework import Effect, Framework
from roadmap.engine.scoring.compiled import CompiledQuestion
from roadmap.engine.scoring.results import DimensionProjection, Projection, ScoreResult
from roadmap.engine.scoring.scorer import Scorer, scorer_for


def with_answers(answers: Mapping[str, Answer], changes: Mapping[str, Answer | None]) -> dict[str, Answer]:
    """A copy of `answers` with `changes` applied; a change to None removes the answer (what-if)."""
    merged = dict(answers)
    for code, answer in changes.items():
        if answer is None:
            merged.pop(code, None)
        else:
            merged[code] = answer
    return merged


def apply_effects(
    framework: Framework, answers: Mapping[str, Answer], initiative_codes: Iterable[str], result: ScoreResult
) -> dict[str, Answer]:
    """The answers once the initiatives are done: each effect's answer where it scores more points than the
    answer it replaces (an initiative never undoes what an office has; a multi_choice gains options). An
    answer of "not applicable" stays: the respondent said the question does not concern the office."""
    effects = [
        effect for code in sorted(set(initiative_codes)) for effect in framework.initiative(code).effects
    ]
    return apply_effect_list(framework, answers, effects, result)


def apply_effect_list(
    framework: Framework, answers: Mapping[str, Answer], effects: Iterable[Effect], result: ScoreResult
) -> dict[str, Answer]:
    """The answers with `effects` applied in order, by the rules of `apply_effects`."""
    scorer = scorer_for(framework)
    changed: dict[str, Answer] = {}
    for effect in effects:
        compiled = scorer.by_code[effect.question]
        current = changed.get(effect.question) or answers.get(effect.question)
        if current is not None and current.state is AnswerState.NOT_APPLICABLE:
            continue
        brought = _brought_about(compiled, effect, current)
        if brought is not None and _better(compiled, brought, current, result):
            changed[effect.question] = brought
    return {**answers, **changed}


def effect_shown(framework: Framework, effect: Effect, result: ScoreResult) -> bool | None:
    """Whether the result's answer shows what `effect` brings about: the answer is at least the effect's
    (or scores as many points). None when the answer is "not applicable" (the effect is not judged there).
    No answer, or "don't know", does not show it."""
    compiled = scorer_for(framework).by_code[effect.question]
    current = next((q.answer for q in result.questions if q.code == effect.question), None)
    if current is not None and current.state is AnswerState.NOT_APPLICABLE:
        return None
    brought = _brought_about(compiled, effect, current)
    return brought is None or not _better(compiled, brought, current, result)


def _brought_about(compiled: CompiledQuestion, effect: Effect, current: Answer | None) -> Answer | None:
    question = compiled.question
    value = current.value if current is not None and current.is_answered else None
    if effect.at_least is None:
        if isinstance(effect.value, frozenset):
            kept = value if isinstance(value, frozenset) else frozenset()
            exclusive = {option.code for option in question.options if option.exclusive}
            return Answer.of((kept - exclusive) | effect.value)
        return None if effect.value is None else Answer.of(effect.value)
    floor = effect.at_least
    if isinstance(floor, str):  # an option of an ordered choice
        if isinstance(value, str) and question.option_position(value) >= question.option_position(floor):
            return current
        return Answer.of(floor)
    if isinstance(value, float) and value >= floor:
        return current
    return Answer.of(float(floor))


def _better(compiled: CompiledQuestion, brought: Answer, current: Answer | None, result: ScoreResult) -> bool:
    if current is None or not current.is_answered or current.value is None:
        return True
    if brought == current:
        return False
    reference = result.reference_date
    new_points: Decimal | None = (
        compiled.points_of(brought.value, reference) if brought.value is not None else None
    )
    old_points = compiled.points_of(current.value, reference)
    return new_points is not None and (old_points is None or new_points >= old_points)


def project_with_initiatives(
    framework: Framework, result: ScoreResult, initiative_codes: Iterable[str]
) -> Projection:
    """The office's answers with the effects of the initiatives applied, scored again by the same scorer
    with the result's own inputs (profile, targets, overrides, reference date; the effects' answers count as
    evidenced: an initiative is done when its completion evidence is in). A dimension moves only if some
    effect changes its answers; gates hold until an effect removes their cause. No initiatives, no change."""
    scorer = scorer_for(framework)
    codes = tuple(sorted(set(initiative_codes)))
    known = {initiative.code for initiative in framework.initiatives}
    for code in codes:
        if code not in known:
            raise InvalidInput("initiative_unknown", code, "no such initiative in the framework")
    if not codes:
        return _projection(codes, result, result)
    answers = {q.code: q.answer for q in result.questions if q.answer is not None}
    projected_answers = apply_effects(framework, answers, codes, result)
    changed = {code for code, answer in projected_answers.items() if answers.get(code) != answer}
    if not changed:
        return _projection(codes, result, result)
    projected = _rescore(scorer, result, projected_answers, changed)
    return _projection(codes, result, projected)


def _rescore(
    scorer: Scorer, result: ScoreResult, answers: Mapping[str, Answer], changed: set[str]
) -> ScoreResult:
    evidence = {q.code for q in result.questions if q.has_evidence} | changed
    # A consultant's points judged the old answer: for a changed answer they stay only where they give more
    # than the answer the initiative brings about (an initiative never undoes). A level override judged the
    # old answers of its dimension: a moved dimension is scored without it (`_projection` keeps the higher).
    point_overrides = {}
    for q in result.questions:
        if q.override is None:
            continue
        if q.code in changed:
            brought = answers[q.code].value
            points = (
                scorer.by_code[q.code].points_of(brought, result.reference_date)
                if brought is not None
                else None
            )
            if points is not None and points >= dec(q.override.points):
                continue
        point_overrides[q.code] = q.override
    moved = {scorer.by_code[code].dimension for code in changed}
    level_overrides = {
        d.code: d.level_override
        for d in result.dimensions
        if d.level_override is not None and d.code not in moved
    }
    return scorer.score(
        answers,
        evidence=evidence,
        point_overrides=point_overrides,
        level_overrides=level_overrides,
        targets={d.code: d.target for d in result.dimensions},
        guidance=False,
        reference_date=result.reference_date,
        profile=result.profile_values(),
    )


def _projection(codes: tuple[str, ...], before: ScoreResult, after: ScoreResult) -> Projection:
    dimensions = tuple(
        DimensionProjection(old.code, old.level, level, old.score, new.score, level - old.level)
        for old, new in zip(before.dimensions, after.dimensions, strict=True)
        # A consultant's level stands unless the projected answers reach higher on their own.
        for level in (max(new.level, old.level) if old.level_override is not None else new.level,)
    )
    return Projection(codes, dimensions, after.index, after.level)
