"""The DTI view of a result: the index (0–1000) split among the DTI main indices, question by question.

It is the framework's cross-walk to the DTI, not a DTI score (docs/scoring.md, "The DTI view";
docs/dti-crosswalk.md). It exists only for a framework whose `dti_indices` carry their `ref` (the DTI's number
of the main index that questions name in `dti_ref`); for any other it is None.

The arithmetic, decided once:

* A dimension adds ``term = weight × score × 10 / Σ weights`` to the index (its counted score: capped by a
  gate, rounded; the weights of the dimensions that apply). That term is shared among the questions that
  count in the dimension in proportion to what each adds to the dimension's score: ``weight × points`` over
  the dimension's counted weight (for a framework with groups of questions or plain means, the question's
  term in that mean). So a gate's cap and the score's rounding scale every question of the dimension alike.
* A question feeds the main index whose `ref` is its `dti_ref` (a question without one feeds its dimension's
  `dti`). A main index's **points** are the sum of its questions' shares; the points of all main indices sum
  exactly to the index: each is rounded to the index's decimals by the largest remainder (the remainders'
  largest first, file order on a tie), and the questions' shares likewise sum exactly to their main index.
* **Possible**: what the same counted questions would add at full points with their dimension's score
  uncapped, ``weight share of the dimension × the dimension's share of 1000``, rounded half-up. It is a
  measure of weight, not a target: a question left unanswered moves its weight to the others of its
  dimension.

Nothing here reads the DTI's own weights or components: the points say where the framework's index comes
from, grouped by DTI main index, and nothing about a DTI score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

from roadmap.engine.exact import CONTEXT, ONE, TEN, ZERO, dec, step
from roadmap.engine.framework import (
    Aggregation,
    Dimension,
    DtiIndex,
    Framework,
    LocalText,
    Unanswered,
)
from roadmap.engine.scoring.results import Exclusion, QuestionResult, ScoreResult

_THOUSAND = Decimal(1000)


@dataclass(frozen=True, slots=True)
class DtiQuestion:
    """One question behind a DTI main index: its share of the index and what it could add."""

    code: str
    dimension: str
    points: float
    possible: float


@dataclass(frozen=True, slots=True)
class DtiPillar:
    """A DTI main index in the view: the points of its questions, and the questions that do not count."""

    code: str
    ref: str | None
    name: LocalText
    points: float
    possible: float
    questions: tuple[DtiQuestion, ...]  # the questions that count, in file order
    not_counted: tuple[str, ...]  # its scored questions that do not count here (unanswered, N/A, hidden …)


@dataclass(frozen=True, slots=True)
class DtiView:
    index: float  # the result's index: Σ of the pillars' points
    pillars: tuple[DtiPillar, ...]  # the main indices that scored questions feed, in file order

    def pillar(self, code: str) -> DtiPillar:
        for pillar in self.pillars:
            if pillar.code == code:
                return pillar
        raise KeyError(code)


def has_dti_view(framework: Framework) -> bool:
    """Whether the framework maps questions to DTI main indices (some `dti_indices[].ref`)."""
    return any(index.ref is not None for index in framework.dti_indices)


def apportion(parts: Sequence[Decimal], total: Decimal, unit: Decimal) -> list[Decimal]:
    """`parts` rounded to multiples of `unit` so that they sum to `total` (a multiple of `unit`): each part
    rounded down, then one unit more to the largest remainders (the earlier part on a tie)."""
    values = [(part / unit).to_integral_value(ROUND_FLOOR) * unit for part in parts]
    if not values:
        return values
    left = int(((total - sum(values, ZERO)) / unit).to_integral_value(ROUND_HALF_UP))
    order = sorted(range(len(parts)), key=lambda i: (-(parts[i] - values[i]), i))
    position = 0
    while left > 0:
        values[order[position % len(order)]] += unit
        left -= 1
        position += 1
    while left < 0 and any(value >= unit for value in values):
        # Only when `total` is below the parts rounded down: take from the smallest remainders.
        i = order[-1 - position % len(order)]
        if values[i] >= unit:
            values[i] -= unit
            left += 1
        position += 1
    return values


def dti_view(framework: Framework, result: ScoreResult) -> DtiView | None:
    """The DTI view of `result` (scored on `framework`), or None when the framework maps no question to a
    DTI main index."""
    if not has_dti_view(framework):
        return None
    with localcontext(CONTEXT):
        return _view(framework, result)


def _view(framework: Framework, result: ScoreResult) -> DtiView:
    rules = framework.scoring
    plain = rules.aggregation is Aggregation.MEAN
    zero = rules.unanswered is Unanswered.ZERO
    indices: dict[str, DtiIndex] = {index.code: index for index in framework.dti_indices}
    by_ref = {index.ref: index.code for index in framework.dti_indices if index.ref is not None}
    applies = {dimension.code: dimension.applies for dimension in result.dimensions}
    counted_scores = {dimension.code: dec(dimension.score) for dimension in result.dimensions}

    def dimension_weight(dimension: Dimension) -> Decimal:
        return ONE if plain else dec(dimension.weight)

    total_weight = (
        sum((dimension_weight(d) for d in framework.dimensions if applies.get(d.code, True)), ZERO) or ONE
    )
    results_of: dict[str, list[QuestionResult]] = {}
    for question_result in result.questions:
        results_of.setdefault(question_result.dimension, []).append(question_result)

    earned: dict[str, Decimal] = {}
    possible: dict[str, Decimal] = {}
    for dimension in framework.dimensions:
        if not applies.get(dimension.code, True):
            continue
        shares = _shares(framework, dimension, results_of.get(dimension.code, []), plain, zero)
        if not shares:
            continue
        weight_share = dimension_weight(dimension) / total_weight
        term = weight_share * counted_scores.get(dimension.code, ZERO) * TEN
        earned_sum = sum((points for _, points in shares.values()), ZERO)
        for code, (weight, points) in shares.items():
            possible[code] = weight_share * _THOUSAND * weight
            earned[code] = term * points / earned_sum if earned_sum else ZERO

    unit = step(rules.index_decimals)
    members: dict[str, list[str]] = {}
    left_out: dict[str, list[str]] = {}
    for question in framework.questions:
        if question.weight <= 0:
            continue
        pillar = by_ref.get(question.dti_ref or "") or framework.dimension(question.dimension).dti
        if pillar not in members:
            members[pillar], left_out[pillar] = [], []
        (members if question.code in earned else left_out)[pillar].append(question.code)
    pillar_codes = [code for code in indices if code in members]
    exact = [sum((earned[code] for code in members[pillar]), ZERO) for pillar in pillar_codes]
    pillar_points_all = apportion(exact, dec(result.index), unit)
    pillars: list[DtiPillar] = []
    for pillar, pillar_points in zip(pillar_codes, pillar_points_all, strict=True):
        codes = members[pillar]
        question_points = apportion([earned[code] for code in codes], pillar_points, unit)
        index = indices[pillar]
        pillars.append(
            DtiPillar(
                code=pillar,
                ref=index.ref,
                name=index.name,
                points=float(pillar_points),
                possible=float(sum((possible[code] for code in codes), ZERO).quantize(unit, ROUND_HALF_UP)),
                questions=tuple(
                    DtiQuestion(
                        code,
                        framework.question(code).dimension,
                        float(share),
                        float(possible[code].quantize(unit, ROUND_HALF_UP)),
                    )
                    for code, share in zip(codes, question_points, strict=True)
                ),
                not_counted=tuple(left_out[pillar]),
            )
        )
    return DtiView(result.index, tuple(pillars))


def _shares(
    framework: Framework,
    dimension: Dimension,
    results: list[QuestionResult],
    plain: bool,
    zero: bool,
) -> dict[str, tuple[Decimal, Decimal]]:
    """Per question that counts in the dimension: (its share of the dimension's weight, its share of the
    dimension's score before rounding and caps), both as fractions of 1, by the aggregation's rules."""
    terms: dict[str, tuple[str, Decimal, Decimal]] = {}  # code → (group, weight, weight × points)
    totals: dict[str, Decimal] = {}
    for question_result in results:
        if question_result.counted and question_result.points is not None:
            points = dec(question_result.points)
        elif zero and question_result.exclusion is Exclusion.UNANSWERED:
            points = ZERO
        else:
            continue
        question = framework.question(question_result.code)
        weight = ONE if plain else dec(question.weight)
        group = question.group or ""
        terms[question.code] = (group, weight, weight * points)
        totals[group] = totals.get(group, ZERO) + weight
    group_weights = {group.code: ONE if plain else dec(group.weight) for group in dimension.groups}
    present = {group: group_weights.get(group, ONE) for group, total in totals.items() if total}
    parts_total = sum(present.values(), ZERO)
    shares: dict[str, tuple[Decimal, Decimal]] = {}
    for code, (group, weight, weighted_points) in terms.items():
        if not totals[group]:
            continue
        part = present[group] / parts_total
        shares[code] = (part * weight / totals[group], part * weighted_points / totals[group])
    return shares
