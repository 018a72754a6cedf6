"""Every module of the engine, in its packages too (scoring, planner, question_types), imports nothing from
the web, database, form, template or PDF layers (DESIGN.md §4)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import roadmap.engine
from tests.engine.test_engine_is_pure import FORBIDDEN

ROOT = Path(__file__).parent.parent.parent


def test_every_engine_module_of_every_package_imports_without_web_or_database_libraries() -> None:
    modules = sorted(info.name for info in pkgutil.walk_packages(roadmap.engine.__path__, "roadmap.engine."))
    assert {"roadmap.engine.scoring.scorer", "roadmap.engine.planner.schedule"} <= set(modules)
    assert "roadmap.engine.question_types.date" in modules
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    completed = subprocess.run(  # noqa: S603 (our own interpreter, a fixed script)
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(completed.stdout)
    assert sorted(name for name in loaded if name.split(".")[0] in FORBIDDEN) == []
