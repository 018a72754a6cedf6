"""`make bench`: every benchmark in one run; prints a table and writes build/bench.json.

Benchmarks, not timed tests: figures vary with the machine, so they are reported against their goals
rather than asserted in the test suite.
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench.bench_scoring import OUTPUT

# Each module has main(argv) that merges its figures into build/bench.json.
SUITE = (
    "bench.bench_scoring",
    "bench.bench_rescore",
    "bench.bench_planner",
    "bench.bench_portfolio",
    "bench.bench_cycle",
    "bench.bench_pdf",
    "bench.bench_web",
)


def main() -> int:
    if OUTPUT.exists():
        OUTPUT.unlink()
    for name in SUITE:
        print(f"\n== {name}", flush=True)
        # Each benchmark in a process of its own: a heap grown by one (10,000 re-scored assessments, 5,000
        # offices) must not slow the next one's garbage collection or swell a forked render's memory.
        subprocess.run([sys.executable, "-m", name], check=True)  # noqa: S603 (our own modules)
    results = json.loads(OUTPUT.read_text(encoding="utf-8"))
    print(f"\n{'benchmark':<36} {'value':>12} {'unit':<14} {'goal':>8}")
    for key in sorted(results):
        row = results[key]
        print(f"{key:<36} {row['value']:>12} {row['unit']:<14} {row['goal']!s:>8}")
    print(f"\nwritten to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
