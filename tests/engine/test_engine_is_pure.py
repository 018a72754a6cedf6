"""The engine imports nothing from the web, database, form, template or PDF layers (DESIGN.md §4)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import roadmap.engine

FORBIDDEN = ("flask", "sqlalchemy", "wtforms", "jinja2", "weasyprint", "flask_sqlalchemy", "flask_wtf")
ROOT = Path(__file__).parent.parent.parent


def test_every_engine_module_imports_without_web_or_database_libraries() -> None:
    modules = sorted(
        f"roadmap.engine.{info.name}"
        for info in pkgutil.iter_modules(roadmap.engine.__path__)
        if not info.ispkg
    )
    assert "roadmap.engine.loader" in modules
    # A fresh interpreter: this test process has Flask loaded already through conftest.
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
    offenders = sorted(name for name in loaded if name.split(".")[0] in FORBIDDEN)
    assert offenders == []
