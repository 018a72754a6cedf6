"""Dependency hygiene (issues 9 and 17): every dependency is locked exactly and with its hashes (compiled by
`make lock` from the direct dependencies in requirements.in and requirements-dev.in, which pyproject.toml
declares too), and no pin falls below the floor we declare here (the first release with the security fixes
we rely on). pip-audit needs the network, which the closed network does not have: this table is reviewed
instead when a pin changes."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent

# package → (lowest acceptable version, why)
FLOORS: dict[str, tuple[str, str]] = {
    "weasyprint": (
        "70.0",
        "URL fetcher fixes: CVE-2025-68616 (redirects to internal hosts) and later advisories",
    ),
    "flask": ("3.1.0", "MAX_FORM_MEMORY_SIZE / MAX_FORM_PARTS settings, per-request max_content_length"),
    "werkzeug": (
        "3.0.6",
        "CVE-2024-49766 (safe_join on Windows), CVE-2024-49767 (multipart memory exhaustion)",
    ),
    "jinja2": ("3.1.6", "CVE-2024-56201, CVE-2024-56326, CVE-2025-27516 (sandbox escapes)"),
    "markupsafe": ("2.1.0", "escaping used by Jinja2 autoescape"),
    "itsdangerous": ("2.2.0", "signed sessions and CSRF tokens; current API"),
    "flask-wtf": ("1.2.0", "CSRF protection with per-session tokens"),
    "flask-login": ("0.6.3", "session protection fixes for Werkzeug 3"),
    "sqlalchemy": ("2.0.0", "2.0 style; bound parameters everywhere"),
    "gunicorn": ("23.0.0", "CVE-2024-1135 and CVE-2024-6827 (request smuggling)"),
    "pyyaml": ("5.4", "CVE-2020-14343 (arbitrary code in full_load); we use safe_load only"),
    "babel": ("2.9.1", "CVE-2021-42771 (locale path traversal)"),
    "psycopg": ("3.1.0", "server-side binding of parameters"),
    "openpyxl": ("3.1.0", "current XML handling for exports"),
    "redis": ("5.0.0", "maintained client for the shared lockout counter"),
    "email-validator": ("2.0.0", "no DNS lookups unless asked"),
    "requests": ("2.32.0", "CVE-2024-35195 (certificate verification kept off after one request)"),
    "urllib3": ("2.2.2", "CVE-2024-37891 (Proxy-Authorization kept on cross-origin redirects)"),
}

PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;#\\]+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def locked_entries(filename: str) -> list[str]:
    """The lock file's requirements, each with its continuation lines (its hashes) joined."""
    entries: list[str] = []
    for raw in (ROOT / filename).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.strip().startswith("--hash") else raw.strip()
        if not line:
            continue
        if line.startswith("--hash") and entries:
            entries[-1] += " " + line
        else:
            entries.append(line)
    return entries


def pins(filename: str) -> dict[str, str]:
    found = {}
    for entry in locked_entries(filename):
        match = PIN.match(entry)
        assert match, f"{filename}: {entry!r} is not an exact pin (name==version)"
        assert HASH.search(entry), f"{filename}: {match.group(1)} has no hash (make lock)"
        found[canonicalize_name(match.group(1).split("[")[0])] = match.group(2)
    return found


def direct(filename: str) -> dict[str, str]:
    """The direct dependencies of a requirements .in file, name → specifier (-r and -c lines skipped)."""
    found = {}
    for raw in (ROOT / filename).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            found[canonicalize_name(requirement.name)] = str(requirement.specifier)
    return found


def below_floor(pinned: dict[str, str]) -> list[str]:
    return [
        f"{name} {pinned[name]} < {floor} ({why})"
        for name, (floor, why) in FLOORS.items()
        if name in pinned and Version(pinned[name]) < Version(floor)
    ]


@pytest.mark.parametrize("filename", ["requirements.txt", "requirements-dev.txt"])
def test_every_dependency_is_pinned_exactly(filename):
    assert pins(filename)


def test_no_pinned_package_is_below_its_floor():
    pinned = {**pins("requirements.txt"), **pins("requirements-dev.txt")}
    assert below_floor(pinned) == []
    # The floors name real packages: a typo would silently check nothing.
    assert {"flask", "werkzeug", "jinja2", "gunicorn"} <= set(pinned)


def test_the_installed_versions_are_the_pinned_ones():
    pinned = {**pins("requirements.txt"), **pins("requirements-dev.txt")}
    wrong = []
    for name, wanted in pinned.items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            wrong.append(f"{name} not installed")
            continue
        if Version(installed) != Version(wanted):
            wrong.append(f"{name} {installed} installed, {wanted} pinned")
    assert wrong == []


def test_the_floor_check_catches_an_old_pin():
    assert below_floor({"weasyprint": "69.0", "jinja2": "3.1.4", "flask": "3.1.3"}) == [
        f"weasyprint 69.0 < 70.0 ({FLOORS['weasyprint'][1]})",
        f"jinja2 3.1.4 < 3.1.6 ({FLOORS['jinja2'][1]})",
    ]


def test_pyproject_declares_the_same_direct_dependencies_as_the_lock_sources():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def declared(requirements: list[str]) -> dict[str, str]:
        return {canonicalize_name(Requirement(r).name): str(Requirement(r).specifier) for r in requirements}

    assert declared(project["dependencies"]) == direct("requirements.in")
    assert declared(project["optional-dependencies"]["dev"]) == direct("requirements-dev.in")


def test_every_direct_dependency_is_in_the_lock():
    locked = pins("requirements-dev.txt")
    assert set(direct("requirements.in")) <= set(pins("requirements.txt"))
    assert set(direct("requirements-dev.in")) <= set(locked)
