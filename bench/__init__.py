"""Benchmarks: `python -m bench.<name>`; results are merged into build/bench.json."""
