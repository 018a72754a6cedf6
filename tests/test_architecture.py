"""The direction of dependency (docs/architecture.md) is enforced by import-linter contracts in
pyproject.toml, which `make lint` runs. These tests prove that the contracts hold on the tree and that a
deliberate violation breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own tool, our own arguments)
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The code the contracts read, copied, so that a test can break it without touching the checkout."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("roadmap", "forms"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    for name in ("app.py", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_tree_keeps_every_contract() -> None:
    outcome = _lint_imports(ROOT)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert "0 broken" in outcome.stdout


@pytest.mark.parametrize(
    ("module", "violation", "verdict"),
    [
        (
            "roadmap/services/survey/answers.py",
            "from roadmap.web import guard",
            "roadmap.services is not allowed to import roadmap.web",
        ),
        (
            "roadmap/services/platform/storage.py",
            "from app import create_app",
            "is not allowed to import app",
        ),
        (
            "roadmap/services/platform/audit.py",
            "from roadmap.services.survey import answers",
            "roadmap.services.platform is not allowed to import roadmap.services.survey",
        ),
        ("roadmap/engine/conditions.py", "import flask", "roadmap.engine is not allowed to import flask"),
    ],
)
def test_a_deliberate_violation_breaks_a_contract(
    tree_copy: Path, module: str, violation: str, verdict: str
) -> None:
    with (tree_copy / module).open("a", encoding="utf-8") as handle:
        handle.write(f"\n{violation}  # deliberate\n")
    outcome = _lint_imports(tree_copy)
    assert outcome.returncode != 0
    assert verdict in outcome.stdout
