"""The scoring engine: answers → points → dimension scores and levels (capped by gates) → index, with a trace.

Pure and deterministic: it takes a framework and plain values and returns frozen values; the same input gives
the same output bit for bit (everything is produced in framework order, never in set order).

Semantics are those of docs/framework-format.md ("Scoring"). Decisions taken here, once:

Rounding
    Points, weights and the evidence discount are turned into exact decimals from their shortest repr
    (``Decimal(str(x))``, so 0.35 is 0.35, not 0.34999…). Sums are computed in ``Decimal`` (exact for such
    inputs). A dimension score ``100 × Σ(weight × points) / Σ weight`` is rounded once, ROUND_HALF_UP, to
    ``score_decimals``; its level is the band of the ROUNDED score, then capped by gates; a gate that lowers
    the level holds the counted score to the top of the capped band at that precision (``raw_score`` keeps
    the answers' score, ``capped_by`` the gate; docs/scoring.md). The index
    ``Σ(weightᵢ × scoreᵢ) × 10 / Σ weights`` is computed from the rounded scores in one division and rounded
    ROUND_HALF_UP to ``index_decimals``; the overall level is the band of ``index / 10``. Group and DTI
    subtotals are the same sum restricted to their dimensions, rounded like the index (so they may differ
    from the index by the rounding of the parts); a dimension's ``contribution`` is its own term, rounded to
    ``index_decimals + 2``. No unrounded score or index is ever stored.

Coverage
    Over applicable questions: visible (``show_if`` holds), not N/A and scored (weight > 0, not text).
    Coverage = answered (including "don't know") / applicable; 1.0 when nothing is applicable (see
    ``applicable`` to tell that case apart).

Confidence (0–1, rounded half-up to 3 decimals)
    ``confidence = known × (1/2 + 1/2 × evidenced) × 0.9 ^ warnings`` where ``known`` is the share of
    applicable questions answered with a real value (coverage without "don't know"), ``evidenced`` the share
    of claims at or above their evidence threshold that have evidence (1 when there are none) and
    ``warnings`` the number of consistency warnings. So unanswered or "don't know" questions lower it in
    proportion, unproven claims can halve it at most, and each contradiction costs 10 %.

Other decisions
    * A hidden question's answer is invisible to every condition (``show_if``, gates, consistency checks), as
      if unanswered: hiding cascades, and nothing depends on what the respondent could not see.
    * "Don't know" never triggers the evidence discount (it claims nothing).
    * A points override (consultant) replaces the points of a counted question after the discount; the
      computed points are kept beside it. Overrides of questions that do not count are kept in
      ``ScoreResult.ignored_overrides``.
    * Gates may look at other dimensions' scores, levels and gaps; dimensions are resolved in dependency
      order (a dimension's final level, override included, is known before a gate that reads it). In a
      cycle (the loader rejects them) a level not yet final would read as its uncapped level.
    * Projection (``project_with_initiatives``): the office's answers with the effects of the initiatives
      done applied (an effect never lowers an answer's points, never overrides N/A, and counts as
      evidenced), scored again by this scorer with the result's own inputs: gates, weights, evidence rules
      and bands apply by themselves, and a dimension moves only if an effect changes its answers.

Where each part lives
    ``results`` (what scoring returns, and the overrides it takes), ``compiled`` (questions compiled for
    scoring), ``scorer`` (the scorer and gates), ``guidance`` (next-level guidance), ``whatif`` (changed
    answers, initiatives assumed done), ``snapshots`` (results as JSON and back), ``dti`` (the DTI view: the
    index split among the DTI main indices by the questions' ``dti_ref``).

Speed: ``scorer_for(framework)`` compiles a framework once (exact decimals, look-up tables); each question
memoises the outcome of the answers it has seen (results are immutable, so they are shared), and show_if
uses ``holds`` (no trace). Traces are built only for gates and checks that hold.
"""

from __future__ import annotations

from roadmap.engine.errors import InvalidAnswer, InvalidInput, ScoringError
from roadmap.engine.scoring.dti import DtiPillar, DtiQuestion, DtiView, dti_view, has_dti_view
from roadmap.engine.scoring.results import (
    ENGINE_VERSION,
    AnswerChange,
    ConsistencyWarning,
    DimensionGuidance,
    DimensionProjection,
    DimensionResult,
    Exclusion,
    GateResult,
    GuidanceStatus,
    LevelOverride,
    PointsOverride,
    Projection,
    QuestionResult,
    ScoreResult,
    Subtotal,
)
from roadmap.engine.scoring.scorer import (
    Scorer,
    needs_reference_date,
    next_level_guidance,
    score,
    scorer_for,
    validate_answer,
    validate_answers,
)
from roadmap.engine.scoring.snapshots import result_from_dict, result_to_dict
from roadmap.engine.scoring.whatif import (
    apply_effect_list,
    effect_shown,
    project_with_initiatives,
    with_answers,
)

__all__ = [
    "ENGINE_VERSION",
    "AnswerChange",
    "ConsistencyWarning",
    "DimensionGuidance",
    "DimensionProjection",
    "DimensionResult",
    "DtiPillar",
    "DtiQuestion",
    "DtiView",
    "Exclusion",
    "GateResult",
    "GuidanceStatus",
    "InvalidAnswer",
    "InvalidInput",
    "LevelOverride",
    "PointsOverride",
    "Projection",
    "QuestionResult",
    "ScoreResult",
    "Scorer",
    "ScoringError",
    "Subtotal",
    "apply_effect_list",
    "dti_view",
    "effect_shown",
    "has_dti_view",
    "needs_reference_date",
    "next_level_guidance",
    "project_with_initiatives",
    "result_from_dict",
    "result_to_dict",
    "score",
    "scorer_for",
    "validate_answer",
    "validate_answers",
    "with_answers",
]
