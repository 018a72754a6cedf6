"""What if: answers changed, or initiatives assumed done. Changed answers are scored by the same engine
(`with_answers` then `score`); initiatives lift the levels of the dimensions they raise."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, localcontext

from roadmap.engine.answers import Answer
from roadmap.engine.errors import InvalidInput
from roadmap.engine.exact import CONTEXT, TEN, ZERO, dec
from roadmap.engine.framework import Framework
from roadmap.engine.scoring.results import DimensionProjection, Projection, ScoreResult
from roadmap.engine.scoring.scorer import scorer_for


def with_answers(answers: Mapping[str, Answer], changes: Mapping[str, Answer | None]) -> dict[str, Answer]:
    """A copy of `answers` with `changes` applied; a change to None removes the answer (what-if)."""
    merged = dict(answers)
    for code, answer in changes.items():
        if answer is None:
            merged.pop(code, None)
        else:
            merged[code] = answer
    return merged


def project_with_initiatives(
    framework: Framework, result: ScoreResult, initiative_codes: Iterable[str]
) -> Projection:
    """Levels and scores if the initiatives were done: level + Σ uplift (at most 5); a raised dimension's
    score lifted to at least its projected level's band minimum (others keep theirs, so no initiatives
    means no change); the index from those scores, rounded as in scoring."""
    scorer = scorer_for(framework)
    codes = tuple(sorted(set(initiative_codes)))
    known = {initiative.code for initiative in framework.initiatives}
    for code in codes:
        if code not in known:
            raise InvalidInput("initiative_unknown", code, "no such initiative in the framework")
    uplift: dict[str, int] = {}
    for code in codes:
        for raise_ in framework.initiative(code).raises:
            uplift[raise_.dimension] = uplift.get(raise_.dimension, 0) + raise_.levels
    projections: list[DimensionProjection] = []
    with localcontext(CONTEXT):
        total = ZERO
        for i, dimension_result in enumerate(result.dimensions):
            gain = uplift.get(dimension_result.code, 0)
            level = min(5, dimension_result.level + gain)
            projected = (
                max(dimension_result.score, scorer.band_minimum(level)) if gain else dimension_result.score
            )
            projections.append(
                DimensionProjection(
                    dimension_result.code,
                    dimension_result.level,
                    level,
                    dimension_result.score,
                    projected,
                    gain,
                )
            )
            total += scorer.dimension_weights[i] * dec(projected)
        index = (total * TEN / scorer.total_weight).quantize(scorer.index_step, ROUND_HALF_UP)
        overall = scorer.level_of(index / TEN)
    return Projection(codes, tuple(projections), float(index), overall)
