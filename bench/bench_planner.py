"""Planning time on the shipped catalogue: `python -m bench.bench_planner [--count N] [--repeats R]`.

Scores N random complete, valid answer sets (fixed seed, the same generator as bench_scoring; scoring is not
timed), plans each with the default parameters of a medium office and of a small one (start 2027-01,
36 months, phases 0–6–18–36), takes for each assessment the best of R repeats (time.perf_counter) and
reports the median and the 95th percentile over the assessments, merged into build/bench.json as
{"<name>": {"value": ..., "unit": "ms/plan", "goal": ..., "better": "lower"}}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.bench_scoring import OUTPUT, load, merge, random_inputs
from roadmap.engine.framework import Framework
from roadmap.engine.planner import OfficeSize, PlanningParameters, YearMonth, plan
from roadmap.engine.scoring import ScoreResult, score

GOAL_MEDIAN_MS = 10.0  # issue 6: ≤ 10 ms per assessment (median) on the shipped catalogue
GOAL_P95_MS = 25.0
START = YearMonth(2027, 1)
TODAY = dt.date(2026, 11, 28)


def per_plan_ms(
    framework: Framework, results: Sequence[ScoreResult], size: OfficeSize, repeats: int
) -> list[float]:
    """For each result, the best of `repeats` planning times in milliseconds."""
    params = PlanningParameters.for_office(START, size)
    times: list[float] = []
    for result in results:
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            plan(framework, result, params, today=TODAY)
            best = min(best, time.perf_counter() - started)
        times.append(best * 1000)
    return times


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(framework: Framework, count: int, repeats: int) -> dict[str, float]:
    results = [
        score(framework, answers, evidence=evidence, guidance=False)
        for answers, evidence in random_inputs(framework, count)
    ]
    plan(
        framework, results[0], PlanningParameters(START), today=TODAY
    )  # compile the scorer outside the timing
    medium = per_plan_ms(framework, results, OfficeSize.MEDIUM, repeats)
    small = per_plan_ms(framework, results, OfficeSize.SMALL, repeats)
    return {
        "planning_medium_office_median": statistics.median(medium),
        "planning_medium_office_p95": percentile(medium, 0.95),
        "planning_small_office_median": statistics.median(small),
    }


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, float | str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="random assessments planned")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    framework, source = load()
    figures = measure(framework, args.count, args.repeats)
    goals = {
        "planning_medium_office_median": GOAL_MEDIAN_MS,
        "planning_medium_office_p95": GOAL_P95_MS,
        "planning_small_office_median": GOAL_MEDIAN_MS,
    }
    results: dict[str, dict[str, float | str]] = {
        name: {"value": round(value, 3), "unit": "ms/plan", "goal": goals[name], "better": "lower"}
        for name, value in figures.items()
    }
    merge(results, args.output)
    print(
        f"framework: {framework.id} {framework.version} ({source.name}): "
        f"{len(framework.initiatives)} initiatives, {args.count} assessments"
    )
    print(f"{'benchmark':<32} {'ms/plan':>10} {'goal':>8}  ok")
    for name, row in results.items():
        value, goal = float(row["value"]), float(row["goal"])
        print(f"{name:<32} {value:>10.3f} {goal:>8.1f}  {'yes' if value <= goal else 'NO'}")
    print(f"merged into {args.output}")
    if any(float(row["value"]) > float(row["goal"]) for row in results.values()):
        print("note: a planning goal was missed", file=sys.stderr)
    return results


if __name__ == "__main__":
    main()
