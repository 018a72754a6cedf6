"""The scorer: a framework compiled once, then answers → points → dimension scores and levels (capped by
gates) → index, with a trace (see roadmap.engine.scoring for the rules and their rounding)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

from roadmap.engine.answers import Answer
from roadmap.engine.conditions import Evaluation, ProfileValue, Subject, evaluate, holds
from roadmap.engine.errors import InvalidAnswer, InvalidInput
from roadmap.engine.exact import CONTEXT, HALF, HUNDRED, ONE, TEN, ZERO, dec, step
from roadmap.engine.framework import Aggregation, Framework, Gate, ProfileType, Question, Unanswered
from roadmap.engine.question_types import QUESTION_TYPES
from roadmap.engine.scoring.compiled import (
    DONT_KNOW,
    NOT_APPLICABLE,
    CompiledQuestion,
    Facts,
    condition_leaves,
    evidence_set,
)
from roadmap.engine.scoring.guidance import Guide, Inputs
from roadmap.engine.scoring.results import (
    ENGINE_VERSION,
    ConsistencyWarning,
    DimensionGuidance,
    DimensionResult,
    Exclusion,
    GateResult,
    LevelOverride,
    PointsOverride,
    ProfileAnswer,
    QuestionResult,
    ScoreResult,
    Subtotal,
)

_CONFIDENCE_STEP = Decimal("0.001")
_WARNING_FACTOR = Decimal("0.9")


class Scorer:
    """A framework compiled for scoring: look-up tables and exact decimals built once, reused per call."""

    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        rules = framework.scoring
        self.dimensions = framework.dimensions
        dimension_index = {dimension.code: i for i, dimension in enumerate(self.dimensions)}
        self.dimension_index = dimension_index
        self.questions = tuple(
            CompiledQuestion(question, dimension_index[question.dimension], rules)
            for question in framework.questions
        )
        self.by_code = {compiled.code: compiled for compiled in self.questions}
        # Questions whose points depend on the reference date: scoring refuses to go without one.
        self.dated = tuple(compiled.code for compiled in self.questions if compiled.dated)
        self.codes = frozenset(self.by_code)
        self.bands = tuple(sorted(rules.bands, key=lambda band: band.min_score))
        self.band_mins = tuple(dec(band.min_score) for band in self.bands)
        self.band_levels = tuple(band.level for band in self.bands)
        self.score_step = step(rules.score_decimals)
        self.top_level = max(band.level for band in rules.bands)
        # The highest score of each level at the score's precision: a band is [min, max), so the top of
        # level 2 in [18.75, 43.75) at one decimal is 43.7. A gate's cap holds a score to its band's top.
        self.band_tops: dict[int, Decimal] = {}
        for band in self.bands:
            top = dec(band.max_score).quantize(self.score_step, ROUND_FLOOR)
            if top >= dec(band.max_score):
                top -= self.score_step
            self.band_tops[band.level] = top
        self.index_step = step(rules.index_decimals)
        self.contribution_step = step(rules.index_decimals + 2)
        self.dont_know_points = dec(rules.dont_know_points)
        self.keep_after_discount = ONE - dec(rules.evidence_discount)
        # A plain mean counts every dimension alike in the index.
        plain = rules.aggregation is Aggregation.MEAN
        self.dimension_weights = tuple(ONE if plain else dec(d.weight) for d in self.dimensions)
        self.general = (
            plain
            or rules.unanswered is Unanswered.ZERO
            or any(dimension.groups for dimension in self.dimensions)
        )
        self.total_weight = sum(self.dimension_weights, ZERO)
        self.gates_of: dict[str, tuple[Gate, ...]] = {
            dimension.code: tuple(gate for gate in rules.gates if gate.dimension == dimension.code)
            for dimension in self.dimensions
        }
        self.gate_order = self._gate_order()
        # Applicability by rule (the office's profile): the dimensions with a rule, and every question that
        # a rule of its own or of its dimension may leave out.
        self.dimension_rules = tuple(
            (i, dimension.applies_if)
            for i, dimension in enumerate(self.dimensions)
            if dimension.applies_if is not None
        )
        ruled_dimensions = {self.dimensions[i].code for i, _ in self.dimension_rules}
        self.ruled_codes = frozenset(
            compiled.code
            for compiled in self.questions
            if compiled.applies_if is not None or compiled.dimension in ruled_dimensions
        )
        self.profile_questions = {question.code: question for question in framework.profile}
        self.groups = tuple(group.code for group in framework.groups)
        self.dti_codes = tuple(index.code for index in framework.dti_indices)
        # Questions whose answers some show_if reads: changing them can change what is visible.
        self.show_if_sources = frozenset(
            leaf.ref
            for compiled in self.questions
            if compiled.show_if is not None
            for leaf in condition_leaves(compiled.show_if)
        )
        # What decides visibility, in file order: the questions with a show_if or a rule of applicability.
        self.conditional = tuple(
            compiled
            for compiled in self.questions
            if compiled.show_if is not None or compiled.code in self.ruled_codes
        )
        self.has_show_if = any(compiled.show_if is not None for compiled in self.questions)

    def _gate_order(self) -> tuple[int, ...]:
        """Dimension indices so that a dimension comes after every dimension its gates read (Kahn, stable)."""
        depends: dict[int, set[int]] = {}
        for i, dimension in enumerate(self.dimensions):
            refs = {
                self.dimension_index[leaf.ref]
                for gate in self.gates_of[dimension.code]
                for leaf in condition_leaves(gate.when)
                if leaf.subject is not Subject.ANSWER and leaf.ref in self.dimension_index
            }
            refs.discard(i)
            depends[i] = refs
        order: list[int] = []
        done: set[int] = set()
        while len(order) < len(self.dimensions):
            ready = [i for i in range(len(self.dimensions)) if i not in done and depends[i] <= done]
            if not ready:  # a cycle: take the rest in file order
                ready = [i for i in range(len(self.dimensions)) if i not in done]
                order.extend(ready)
                break
            order.append(ready[0])
            done.add(ready[0])
        return tuple(order)

    # -- public ------------------------------------------------------------------------------------------

    def level_of(self, score: Decimal) -> int:
        level = self.band_levels[0]
        for minimum, band_level in zip(self.band_mins, self.band_levels, strict=True):
            if score >= minimum:
                level = band_level
            else:
                break
        return level

    def band_minimum(self, level: int) -> float:
        for band in self.bands:
            if band.level == level:
                return float(band.min_score)
        raise KeyError(level)  # pragma: no cover - the loader guarantees five bands

    def validate(self, answers: Mapping[str, Answer]) -> tuple[InvalidAnswer, ...]:
        problems: list[InvalidAnswer] = []
        for code in sorted(answers.keys() - self.codes):
            problems.append(InvalidAnswer("question_unknown", code, "no such question in the framework"))
        for compiled in self.questions:
            answer = answers.get(compiled.code)
            if answer is None:
                continue
            try:
                compiled.check(answer)
            except InvalidAnswer as problem:
                problems.append(problem)
        return tuple(problems)

    def score(
        self,
        answers: Mapping[str, Answer],
        *,
        evidence: Iterable[str] = frozenset(),
        point_overrides: Mapping[str, PointsOverride] | None = None,
        level_overrides: Mapping[str, LevelOverride] | None = None,
        targets: Mapping[str, int] | None = None,
        guidance: bool = True,
        reference_date: dt.date | None = None,
        profile: Mapping[str, ProfileValue] | None = None,
    ) -> ScoreResult:
        evidence_found = evidence_set(evidence)
        point_overrides = point_overrides or {}
        level_overrides = level_overrides or {}
        profile = profile or {}
        self._check_inputs(evidence_found, point_overrides, level_overrides, targets or {}, reference_date)
        self.check_profile(profile)
        with localcontext(CONTEXT):
            result = self.result_of(
                answers,
                evidence_found,
                point_overrides,
                level_overrides,
                targets or {},
                reference_date,
                profile,
            )
            if guidance:
                guide = self.guidance(
                    answers,
                    result,
                    evidence=evidence_found,
                    point_overrides=point_overrides,
                    level_overrides=level_overrides,
                    targets=targets,
                    reference_date=reference_date,
                    profile=profile,
                )
                result = dataclasses.replace(result, guidance=guide)
        return result

    # -- scoring -----------------------------------------------------------------------------------------

    def _check_inputs(
        self,
        evidence: frozenset[str] | set[str],
        point_overrides: Mapping[str, PointsOverride],
        level_overrides: Mapping[str, LevelOverride],
        targets: Mapping[str, int],
        reference_date: dt.date | None,
    ) -> None:
        if reference_date is None and self.dated:
            raise InvalidInput(
                "reference_date_missing", self.dated[0], "scoring this question needs the reference date"
            )
        unknown = evidence - self.codes
        if unknown:
            raise InvalidInput("question_unknown", min(unknown), "evidence for an unknown question")
        for code in sorted(point_overrides):
            if code not in self.by_code:
                raise InvalidInput("question_unknown", code, "override of an unknown question")
            points = point_overrides[code].points
            if isinstance(points, bool) or not 0 <= points <= 1:
                raise InvalidInput("points_out_of_range", code, f"override points {points!r} not in [0, 1]")
        checked: list[tuple[str, str, object]] = [
            ("level override", code, override.level) for code, override in sorted(level_overrides.items())
        ]
        checked += [("target", code, level) for code, level in sorted(targets.items())]
        for label, code, level in checked:
            if code not in self.dimension_index:
                raise InvalidInput("dimension_unknown", code, f"{label} of an unknown dimension")
            top = self.top_level
            if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= top:
                raise InvalidInput("level_out_of_range", code, f"{label} {level!r} not in 1..{top}")

    def _aggregated(
        self, results: list[QuestionResult], weights: list[Decimal]
    ) -> tuple[list[Decimal], list[tuple[Subtotal, ...]]]:
        """Dimension scores of a framework that groups questions, takes plain means or counts unanswered
        questions as zero (docs/framework-format.md, "Other maturity models"): each group's mean of its
        questions, each dimension's mean of its groups (by group weight for weighted_mean), from the exact
        values; the dimension rounded once, each group's subtotal rounded for display. `weights` gets the
        counted question weights."""
        rules = self.framework.scoring
        by_weight = rules.aggregation is Aggregation.WEIGHTED_MEAN
        zero = rules.unanswered is Unanswered.ZERO
        count = len(self.dimensions)
        sums: dict[tuple[int, str], Decimal] = {}
        totals: dict[tuple[int, str], Decimal] = {}
        for i in range(count):
            weights[i] = ZERO
        for result in results:
            if result.counted and result.points is not None:
                points = dec(result.points)
            elif zero and result.exclusion is Exclusion.UNANSWERED:
                points = ZERO
            else:
                continue
            compiled = self.by_code[result.code]
            i = compiled.dimension_index
            weight = compiled.weight_d if by_weight else ONE
            key = (i, compiled.question.group or "")
            sums[key] = sums.get(key, ZERO) + weight * points
            totals[key] = totals.get(key, ZERO) + weight
            weights[i] += compiled.weight_d
        scores: list[Decimal] = []
        subtotals: list[tuple[Subtotal, ...]] = []
        for i, dimension in enumerate(self.dimensions):
            parts = [(group.code, dec(group.weight) if by_weight else ONE) for group in dimension.groups]
            if not parts:
                parts = [("", ONE)]
            exact = ZERO
            weight_of_parts = ZERO
            shown: list[Subtotal] = []
            for code, part_weight in parts:
                total = totals.get((i, code), ZERO)
                if not total:
                    continue
                mean = sums[(i, code)] / total
                exact += part_weight * mean
                weight_of_parts += part_weight
                if code:
                    shown.append(
                        Subtotal(code, float((HUNDRED * mean).quantize(self.score_step, ROUND_HALF_UP)))
                    )
            value = HUNDRED * exact / weight_of_parts if weight_of_parts else ZERO
            scores.append(value.quantize(self.score_step, ROUND_HALF_UP))
            subtotals.append(tuple(shown))
        return scores, subtotals

    def check_profile(self, profile: Mapping[str, ProfileValue]) -> None:
        """Refuse a profile answer to an undeclared profile question, or a value it does not allow."""
        for code in sorted(profile):
            question = self.profile_questions.get(code)
            if question is None:
                raise InvalidInput("profile_unknown", code, "no such profile question in the framework")
            value = profile[code]
            codes = {option.code for option in question.options}
            if question.type is ProfileType.YES_NO:
                valid = isinstance(value, bool)
            elif question.type is ProfileType.MULTI_CHOICE:
                valid = isinstance(value, frozenset) and value <= codes
            else:
                valid = isinstance(value, str) and value in codes
            if not valid:
                raise InvalidInput(
                    "profile_value", code, f"{value!r} is not an answer of this profile question"
                )

    def hidden_codes(
        self, answers: Mapping[str, Answer], profile: Mapping[str, ProfileValue] | None = None
    ) -> frozenset[str]:
        """The questions that show_if hides for these answers and profile, as `result_of` decides (its
        `Exclusion.HIDDEN`) at a fraction of its cost: only the conditional questions are walked, so that
        progress across many assessments needs no scoring. A question not applicable by rule is not hidden
        (it is shown with its reason), but its answer is invisible to the show_ifs after it."""
        if not self.has_show_if:
            return frozenset()
        visible = dict(answers)
        facts = Facts(visible, profile=profile or {})
        ruled_out = {i for i, rule in self.dimension_rules if not holds(rule, facts)}
        ruled_codes = self.ruled_codes
        hidden: set[str] = set()
        for compiled in self.conditional:
            code = compiled.code
            if code in ruled_codes and (
                compiled.dimension_index in ruled_out
                or (compiled.applies_if is not None and not holds(compiled.applies_if, facts))
            ):
                visible.pop(code, None)
                continue
            if compiled.show_if is not None and not holds(compiled.show_if, facts):
                visible.pop(code, None)
                hidden.add(code)
        return frozenset(hidden)

    def result_of(
        self,
        answers: Mapping[str, Answer],
        evidence: frozenset[str] | set[str],
        point_overrides: Mapping[str, PointsOverride],
        level_overrides: Mapping[str, LevelOverride],
        targets: Mapping[str, int],
        reference_date: dt.date | None,
        profile: Mapping[str, ProfileValue] | None = None,
    ) -> ScoreResult:
        """The result without guidance, of inputs already checked (`score` checks them)."""
        unknown = answers.keys() - self.codes
        if unknown:
            first = min(unknown)
            raise InvalidAnswer("question_unknown", first, "no such question in the framework")
        count = len(self.dimensions)
        sums = [ZERO] * count
        weights = [ZERO] * count
        applicable = [0] * count
        answered = [0] * count
        dont_knows = [0] * count
        claims = 0
        evidenced_claims = 0
        visible = dict(answers)  # hidden answers are removed as they are found (show_if looks only back)
        profile = profile or {}
        facts = Facts(visible, profile=profile)
        ruled_out: dict[int, Evaluation] = {}
        for i, rule in self.dimension_rules:
            decision = evaluate(rule, facts)
            if not decision.holds:
                ruled_out[i] = decision
        results: list[QuestionResult] = []
        append = results.append
        ignored: list[str] = []
        ruled_codes = self.ruled_codes
        for compiled in self.questions:
            code = compiled.code
            answer = visible.get(code)
            if ruled_codes and code in ruled_codes:
                because = ruled_out.get(compiled.dimension_index)
                if because is None and compiled.applies_if is not None:
                    decision = evaluate(compiled.applies_if, facts)
                    because = None if decision.holds else decision
                if because is not None:
                    # Not applicable by rule: it neither counts nor is seen by any condition.
                    visible.pop(code, None)
                    append(
                        dataclasses.replace(
                            compiled.unanswered,
                            answer=answer,
                            exclusion=Exclusion.NOT_APPLICABLE_BY_RULE,
                            not_applicable_because=because,
                        )
                    )
                    if point_overrides and code in point_overrides:
                        ignored.append(code)
                    continue
            if answer is None:
                if compiled.show_if is not None and not holds(compiled.show_if, facts):
                    append(compiled.hidden_unanswered)
                elif not compiled.scored:
                    append(compiled.not_scored_unanswered)
                else:
                    applicable[compiled.dimension_index] += 1
                    append(compiled.unanswered)
                if point_overrides and code in point_overrides:
                    ignored.append(code)
                continue
            outcome = compiled.outcome_of(
                answer, compiled.threshold is not None and code in evidence, reference_date
            )
            if compiled.show_if is not None and not holds(compiled.show_if, facts):
                del visible[code]
                append(outcome.hidden())
                if point_overrides and code in point_overrides:
                    ignored.append(code)
                continue
            kind = outcome.kind
            if kind >= NOT_APPLICABLE:
                append(outcome.shown)
                if point_overrides and code in point_overrides:
                    ignored.append(code)
                continue
            index = compiled.dimension_index
            applicable[index] += 1
            answered[index] += 1
            if kind == DONT_KNOW:
                dont_knows[index] += 1
            elif outcome.claim:
                claims += 1
                if outcome.evidenced:
                    evidenced_claims += 1
            override = point_overrides.get(code) if point_overrides else None
            if override is None:
                sums[index] += outcome.weighted
                append(outcome.shown)
            else:
                sums[index] += compiled.weight_d * dec(override.points)
                append(dataclasses.replace(outcome.shown, override=override, points=float(override.points)))
            weights[index] += compiled.weight_d

        score_step = self.score_step
        scores_d = [
            (HUNDRED * sums[i] / weights[i]).quantize(score_step, ROUND_HALF_UP)
            if weights[i]
            else ZERO.quantize(score_step)
            for i in range(count)
        ]
        subtotals_of: list[tuple[Subtotal, ...]] = [()] * count
        if self.general:
            scores_d, subtotals_of = self._aggregated(results, weights)
        scores = {self.dimensions[i].code: float(scores_d[i]) for i in range(count)}
        raw_levels = [self.level_of(scores_d[i]) for i in range(count)]
        target_of = {
            dimension.code: targets.get(dimension.code, dimension.default_target)
            for dimension in self.dimensions
        }
        levels: dict[str, int] = {}
        for i, dimension in enumerate(self.dimensions):
            override_level = level_overrides.get(dimension.code)
            levels[dimension.code] = override_level.level if override_level is not None else raw_levels[i]
        for i in ruled_out:
            # A dimension that does not apply has no score, level or gap for any condition to read.
            del scores[self.dimensions[i].code], levels[self.dimensions[i].code]
        facts = Facts(visible, scores, levels, target_of, profile)
        gate_results: list[tuple[GateResult, ...]] = [()] * count
        computed_levels = list(raw_levels)
        raw_scores = list(scores_d)
        capped_by: list[str | None] = [None] * count
        for i in self.gate_order:
            if i in ruled_out:
                continue
            dimension = self.dimensions[i]
            level = raw_levels[i]
            hits: list[GateResult] = []
            capping: Gate | None = None
            for gate in self.gates_of[dimension.code]:
                if gate.applies_if is not None and not holds(gate.applies_if, facts):
                    continue  # written for other offices (their profile)
                if holds(gate.when, facts):
                    hits.append(
                        GateResult(
                            gate.code,
                            gate.max_level,
                            gate.max_level < raw_levels[i],
                            gate.message,
                            evaluate(gate.when, facts),
                        )
                    )
                    if gate.max_level < level:
                        level, capping = gate.max_level, gate
            gate_results[i] = tuple(hits)
            computed_levels[i] = level
            if capping is not None:
                # The gate reaches the index: the dimension counts at most the top of its capped band.
                top = self.band_tops[level]
                if scores_d[i] > top:
                    scores_d[i] = top
                    scores[dimension.code] = float(top)
                capped_by[i] = capping.code
            override_level = level_overrides.get(dimension.code)
            levels[dimension.code] = override_level.level if override_level is not None else level

        warnings = tuple(
            ConsistencyWarning(check.code, check.questions, check.message, evaluate(check.when, facts))
            for check in self.framework.scoring.consistency
            if holds(check.when, facts)
        )

        ten = TEN
        total_weight = self.total_weight
        if ruled_out:
            # The index is over the dimensions that apply: their weights share the whole.
            total_weight = (
                sum((self.dimension_weights[i] for i in range(count) if i not in ruled_out), ZERO) or ONE
            )
        terms = [self.dimension_weights[i] * scores_d[i] for i in range(count)]
        index_d = (sum(terms, ZERO) * ten / total_weight).quantize(self.index_step, ROUND_HALF_UP)
        dimension_results: list[DimensionResult] = []
        group_terms: dict[str, Decimal] = dict.fromkeys(self.groups, ZERO)
        dti_terms: dict[str, Decimal] = dict.fromkeys(self.dti_codes, ZERO)
        for i, dimension in enumerate(self.dimensions):
            group_terms[dimension.group] = group_terms.get(dimension.group, ZERO) + terms[i]
            dti_terms[dimension.dti] = dti_terms.get(dimension.dti, ZERO) + terms[i]
            final = levels.get(dimension.code, raw_levels[i])
            target = target_of[dimension.code]
            dimension_results.append(
                DimensionResult(
                    code=dimension.code,
                    group=dimension.group,
                    dti=dimension.dti,
                    weight=float(dimension.weight),
                    score=float(scores_d[i]),
                    raw_level=raw_levels[i],
                    gates=gate_results[i],
                    computed_level=computed_levels[i],
                    level_override=level_overrides.get(dimension.code),
                    level=final,
                    coverage=answered[i] / applicable[i] if applicable[i] else 1.0,
                    applicable=applicable[i],
                    answered=answered[i],
                    dont_know=dont_knows[i],
                    counted_weight=float(weights[i]),
                    target=target,
                    gap=0 if i in ruled_out else max(0, target - final),
                    contribution=float(
                        (terms[i] * ten / total_weight).quantize(self.contribution_step, ROUND_HALF_UP)
                    ),
                    raw_score=float(raw_scores[i]),
                    capped_by=capped_by[i],
                    subtotals=subtotals_of[i],
                    not_applicable_because=ruled_out.get(i),
                )
            )

        def subtotals(parts: dict[str, Decimal]) -> tuple[Subtotal, ...]:
            return tuple(
                Subtotal(code, float((part * ten / total_weight).quantize(self.index_step, ROUND_HALF_UP)))
                for code, part in parts.items()
            )

        total_applicable = sum(applicable)
        total_answered = sum(answered)
        total_known = total_answered - sum(dont_knows)
        known_d = Decimal(total_known) / Decimal(total_applicable) if total_applicable else ONE
        evidenced_d = Decimal(evidenced_claims) / Decimal(claims) if claims else ONE
        confidence = (known_d * (HALF + HALF * evidenced_d) * _WARNING_FACTOR ** len(warnings)).quantize(
            _CONFIDENCE_STEP, ROUND_HALF_UP
        )
        return ScoreResult(
            framework_id=self.framework.id,
            framework_version=self.framework.version,
            engine_version=ENGINE_VERSION,
            questions=tuple(results),
            dimensions=tuple(dimension_results),
            index=float(index_d),
            level=self.level_of(index_d / ten),
            groups=subtotals(group_terms),
            dti=subtotals(dti_terms),
            warnings=warnings,
            coverage=total_answered / total_applicable if total_applicable else 1.0,
            known=float(known_d),
            evidenced=float(evidenced_d),
            confidence=float(confidence),
            ignored_overrides=tuple(ignored),
            profile=tuple(ProfileAnswer(code, profile[code]) for code in sorted(profile)),
            reference_date=reference_date if self.dated else None,
        )

    # -- next-level guidance -----------------------------------------------------------------------------

    def guidance(
        self,
        answers: Mapping[str, Answer],
        result: ScoreResult | None = None,
        *,
        evidence: Iterable[str] = frozenset(),
        point_overrides: Mapping[str, PointsOverride] | None = None,
        level_overrides: Mapping[str, LevelOverride] | None = None,
        targets: Mapping[str, int] | None = None,
        dimensions: Collection[str] | None = None,
        reference_date: dt.date | None = None,
        profile: Mapping[str, ProfileValue] | None = None,
    ) -> tuple[DimensionGuidance, ...]:
        """Per dimension below level 5 (of `dimensions` only, when given), the fewest answer changes found
        that lift it one level (roadmap.engine.scoring.guidance)."""
        evidence_found = frozenset(evidence_set(evidence))
        overrides, levels, goals = point_overrides or {}, level_overrides or {}, targets or {}
        self._check_inputs(evidence_found, overrides, levels, goals, reference_date)
        self.check_profile(profile or {})
        inputs = Inputs(evidence_found, overrides, levels, goals, reference_date, profile or {})
        with localcontext(CONTEXT):
            if result is None:
                result = self.result_of(answers, *inputs.as_args())
            return Guide(self, inputs).dimensions(answers, result, dimensions)


# ---------------------------------------------------------------------------------------------------------
# Module-level API

_SCORERS: dict[int, tuple[Framework, Scorer]] = {}
_SCORERS_MAX = 16


def scorer_for(framework: Framework) -> Scorer:
    """The compiled scorer of a framework, built once (keyed by identity; frameworks are immutable)."""
    entry = _SCORERS.get(id(framework))
    if entry is not None and entry[0] is framework:
        return entry[1]
    scorer = Scorer(framework)
    if len(_SCORERS) >= _SCORERS_MAX:
        _SCORERS.pop(next(iter(_SCORERS)))
    _SCORERS[id(framework)] = (framework, scorer)
    return scorer


def score(
    framework: Framework,
    answers: Mapping[str, Answer],
    *,
    evidence: Iterable[str] = frozenset(),
    point_overrides: Mapping[str, PointsOverride] | None = None,
    level_overrides: Mapping[str, LevelOverride] | None = None,
    targets: Mapping[str, int] | None = None,
    guidance: bool = True,
    reference_date: dt.date | None = None,
    profile: Mapping[str, ProfileValue] | None = None,
) -> ScoreResult:
    """Score an assessment. Raises InvalidAnswer for an answer the framework does not allow and InvalidInput
    for a bad override or target. `evidence` holds the codes of questions whose answer has evidence.
    `reference_date` is the day that ages are counted to (the assessment's cycle closing day), needed when
    the framework has a question scored by the age of a date (see `needs_reference_date`). `profile` holds
    the office's profile answers (code → option code, set of codes or boolean); conditions test them."""
    return scorer_for(framework).score(
        answers,
        evidence=evidence,
        point_overrides=point_overrides,
        level_overrides=level_overrides,
        targets=targets,
        guidance=guidance,
        reference_date=reference_date,
        profile=profile,
    )


def next_level_guidance(
    framework: Framework,
    answers: Mapping[str, Answer],
    result: ScoreResult | None = None,
    *,
    evidence: Iterable[str] = frozenset(),
    point_overrides: Mapping[str, PointsOverride] | None = None,
    level_overrides: Mapping[str, LevelOverride] | None = None,
    targets: Mapping[str, int] | None = None,
    dimensions: Collection[str] | None = None,
    reference_date: dt.date | None = None,
    profile: Mapping[str, ProfileValue] | None = None,
) -> tuple[DimensionGuidance, ...]:
    """The guidance that `score(..., guidance=True)` attaches, for a result scored without it; only for
    `dimensions` when given."""
    return scorer_for(framework).guidance(
        answers,
        result,
        evidence=evidence,
        point_overrides=point_overrides,
        level_overrides=level_overrides,
        targets=targets,
        dimensions=dimensions,
        reference_date=reference_date,
        profile=profile,
    )


def needs_reference_date(framework: Framework) -> bool:
    """Whether scoring the framework needs a reference date (a question scored by the age of a date)."""
    return bool(scorer_for(framework).dated)


def validate_answer(question: Question, answer: Answer, *, today: dt.date | None = None) -> None:
    """Raise InvalidAnswer (with a machine code) if `question` does not allow `answer`. With `today` (the day
    a person gives the answer), the rules of entry apply too (e.g. a date not later than today)."""
    CompiledQuestion(question, 0).check(answer)
    if answer.value is not None:
        QUESTION_TYPES.of(question).check_entry(question, answer.value, today)


def validate_answers(framework: Framework, answers: Mapping[str, Answer]) -> tuple[InvalidAnswer, ...]:
    """Every problem with a set of answers, unknown questions first (sorted), then in file order."""
    return scorer_for(framework).validate(answers)
