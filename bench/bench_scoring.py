"""Scoring throughput on the shipped framework: `python -m bench.bench_scoring [--count N] [--repeats R]`.

Generates N random complete, valid answer sets (fixed seed), scores them all with and without next-level
guidance, takes the best of R repeats (time.perf_counter) and merges the figures into build/bench.json as
{"<name>": {"value": ..., "unit": "assessments/s", "goal": ...}}.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from roadmap.engine.answers import Answer, AnswerValue
from roadmap.engine.framework import Framework, Question, QuestionType
from roadmap.engine.loader import FrameworkError, load_framework
from roadmap.engine.scoring import score

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "roadmap" / "frameworks" / "central-offices-1.0.1.yaml"
FALLBACK = ROOT / "tests" / "fixtures" / "frameworks" / "small.yaml"
OUTPUT = ROOT / "build" / "bench.json"
SEED = 20261128
GOAL_WITHOUT_GUIDANCE = 2000.0
GOAL_WITH_GUIDANCE = 50.0

Inputs = tuple[dict[str, Answer], frozenset[str]]


def load() -> tuple[Framework, Path]:
    """The shipped framework, or the small test framework while the shipped one is missing or broken."""
    try:
        return load_framework(SHIPPED), SHIPPED
    except (FileNotFoundError, FrameworkError) as problem:
        print(
            f"note: {SHIPPED.name} not usable ({type(problem).__name__}); using {FALLBACK.name}",
            file=sys.stderr,
        )
        return load_framework(FALLBACK), FALLBACK


def random_value(question: Question, rng: random.Random) -> AnswerValue:
    kind = question.type
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.SCALE):
        return rng.choice(question.options).code
    if kind is QuestionType.MULTI_CHOICE:
        exclusive = [option.code for option in question.options if option.exclusive]
        plain = [option.code for option in question.options if not option.exclusive]
        if exclusive and (not plain or rng.random() < 0.15):
            return frozenset({rng.choice(exclusive)})
        return frozenset(rng.sample(plain, rng.randint(1, len(plain))))
    if kind is QuestionType.YES_NO:
        return rng.random() < 0.5
    if kind in (QuestionType.NUMBER, QuestionType.PERCENT):
        low = 0.0 if kind is QuestionType.PERCENT else float(question.min_value or 0.0)
        high = 100.0 if kind is QuestionType.PERCENT else float(question.max_value or low)
        # Half the time a step boundary (where points change), else anywhere in range.
        steps = [step.at_least for step in question.points_by_value if low <= step.at_least <= high]
        if steps and rng.random() < 0.5:
            return float(rng.choice(steps))
        return round(rng.uniform(low, high), 1)
    return rng.choice(["", "Ghi chú.", "Remarks on the office's situation."])


def random_inputs(framework: Framework, count: int, seed: int = SEED) -> list[Inputs]:
    """`count` complete answer sets (every question answered, hidden ones too) and random evidence."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not cryptography
    sets: list[Inputs] = []
    for _ in range(count):
        answers = {question.code: Answer.of(random_value(question, rng)) for question in framework.questions}
        evidence = frozenset(
            question.code
            for question in framework.questions
            if question.evidence_threshold is not None and rng.random() < 0.5
        )
        sets.append((answers, evidence))
    return sets


def best_rate(run: Callable[[list[Inputs]], None], batches: list[list[Inputs]]) -> float:
    """Best rate over the batches. Each batch holds new answer sets, so no repeat scores what an earlier
    one scored: the per-question memo helps only as in service (choices recur, numbers rarely)."""
    best = float("inf")
    for batch in batches:
        started = time.perf_counter()
        run(batch)
        best = min(best, time.perf_counter() - started)
    return len(batches[0]) / best


def measure(framework: Framework, count: int, repeats: int, guidance_count: int) -> dict[str, float]:
    batches = [random_inputs(framework, count, SEED + repeat) for repeat in range(repeats)]
    guided = [batch[:guidance_count] for batch in batches]

    def without_guidance(batch: list[Inputs]) -> None:
        for answers, evidence in batch:
            score(framework, answers, evidence=evidence, guidance=False)

    def with_guidance(batch: list[Inputs]) -> None:
        for answers, evidence in batch:
            score(framework, answers, evidence=evidence, guidance=True)

    score(framework, batches[0][0][0])  # compile the framework's scorer outside the timing
    return {
        "scoring_without_guidance": best_rate(without_guidance, batches),
        "scoring_with_guidance": best_rate(with_guidance, guided),
    }


def merge(results: dict[str, dict[str, float | str]], path: Path = OUTPUT) -> None:
    existing: dict[str, object] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            existing = loaded if isinstance(loaded, dict) else {}
        except json.JSONDecodeError:
            existing = {}
    existing.update(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, float | str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="answer sets scored without guidance")
    parser.add_argument("--guidance-count", type=int, default=200, help="answer sets scored with guidance")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    framework, source = load()
    rates = measure(framework, args.count, args.repeats, min(args.guidance_count, args.count))
    goals = {"scoring_without_guidance": GOAL_WITHOUT_GUIDANCE, "scoring_with_guidance": GOAL_WITH_GUIDANCE}
    results: dict[str, dict[str, float | str]] = {
        name: {"value": round(rate, 1), "unit": "assessments/s", "goal": goals[name]}
        for name, rate in rates.items()
    }
    merge(results, args.output)
    print(
        f"framework: {framework.id} {framework.version} ({source.name}): "
        f"{len(framework.questions)} questions, {len(framework.dimensions)} dimensions"
    )
    print(f"{'benchmark':<28} {'assessments/s':>14} {'goal':>8}  ok")
    for name, row in results.items():
        value, goal = float(row["value"]), float(row["goal"])
        print(f"{name:<28} {value:>14,.1f} {goal:>8,.0f}  {'yes' if value >= goal else 'NO'}")
    print(f"merged into {args.output}")
    return results


if __name__ == "__main__":
    main()
