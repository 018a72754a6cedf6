"""The benchmarks still run against today's pages (`make bench` is not part of CI: nothing else would notice).

Stop 28's `make bench` failed in its cycle benchmark: approving had come to need a ticked confirmation and the
benchmark's form did not send one. Each benchmark runs here at the smallest size that exercises every step it
measures, on SQLite, in a process of its own as `make bench` runs it; the figures are not looked at, only that
every step answered as the benchmark expects and its results were written. The web benchmark needs `wrk` and
a gunicorn of its own; `tests/test_round_trips.py` covers the pages it loads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SMALLEST = {
    "bench.bench_scoring": ["--count", "20", "--guidance-count", "5", "--repeats", "1"],
    "bench.bench_rescore": ["--count", "12", "--repeats", "1"],
    "bench.bench_planner": ["--count", "5", "--repeats", "1"],
    "bench.bench_portfolio": ["--repeats", "1", "--sizes", "20"],
    "bench.bench_cycle": ["--offices", "4", "--repeats", "2"],
    "bench.bench_pdf": ["--repeats", "1", "--batch", "1"],
}


@pytest.mark.parametrize("module", sorted(SMALLEST))
def test_benchmark_runs_to_the_end(module, tmp_path):
    output = tmp_path / "bench.json"
    environment = {key: value for key, value in os.environ.items() if key != "TEST_POSTGRES_URL"}
    finished = subprocess.run(  # noqa: S603 (our own module)
        [sys.executable, "-m", module, *SMALLEST[module], "--output", str(output)],
        cwd=ROOT,
        env={**environment, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    results = json.loads(output.read_text(encoding="utf-8"))
    assert results, "the benchmark wrote no figure"
    for name, row in results.items():
        assert isinstance(row["value"], int | float), name
        assert row["value"] >= 0, name
