"""A served worker freezes its long-lived heap out of the cyclic collector's walks (roadmap/web/heap.py): once
the app is loaded and again after a few of its first requests, through gunicorn's own hooks. Run in a fresh
interpreter: freezing is for the life of a process, and must not reach the test run's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import gc, json, runpy
from types import SimpleNamespace
from gunicorn.config import Config

settings = runpy.run_path("gunicorn.conf.py")
config = Config()
for name, value in settings.items():
    if name in config.settings:
        config.set(name, value)
seen = {"before": gc.get_freeze_count()}
worker = SimpleNamespace(nr=0)
config.post_worker_init(worker)
seen["loaded"] = gc.get_freeze_count()
seen["thresholds"] = list(gc.get_threshold())
kept = []
for taken in (1, 2, 9, 12, 13):
    kept.append([[n] for n in range(500)])  # containers the requests left in lasting caches
    worker.nr = taken
    before = gc.get_freeze_count()
    config.post_request(worker, None, {}, None)
    seen[str(taken)] = gc.get_freeze_count() - before
print(json.dumps(seen))
"""


def test_gunicorn_hooks_freeze_the_workers_heap_once_loaded_and_after_its_first_requests() -> None:
    done = subprocess.run(  # noqa: S603 (our interpreter, a fixed script)
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["before"] == 0
    # What the interpreter and gunicorn have loaded: far more than a handful of objects.
    assert seen["loaded"] > 10_000
    # Its youngest generation collected far less often than Python's default of every 700 objects.
    assert seen["thresholds"][0] >= 10_000
    # The first request's caches are frozen; requests 2 and 9 freeze nothing; the 10th moment is reached
    # by the 12th (its threads counted on), and only once.
    assert seen["1"] >= 500
    assert seen["2"] == 0
    assert seen["9"] == 0
    assert seen["12"] >= 1000
    assert seen["13"] == 0
