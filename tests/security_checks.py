"""Checks shared by the attack campaign's tests (issue 9): what every response must carry."""

from __future__ import annotations

from typing import Any


def csp_directives(policy: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def header_problems(response: Any, path: str) -> list[str]:
    """Every response: a CSP without inline or eval'd scripts and with frame-ancestors 'none', nosniff, a
    Referrer-Policy; every response but static files: Cache-Control no-store (pages show an office's answers,
    downloads its files)."""
    headers = response.headers
    problems = []
    policy = csp_directives(headers.get("Content-Security-Policy", ""))
    if not policy:
        problems.append("no Content-Security-Policy")
    scripts = policy.get("script-src", policy.get("default-src", []))
    if not scripts or "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or "*" in scripts:
        problems.append(f"scripts not locked down: {scripts}")
    if policy.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors is {policy.get('frame-ancestors')}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not headers.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    if not path.startswith("/static/") and "no-store" not in headers.get("Cache-Control", ""):
        problems.append(f"Cache-Control is {headers.get('Cache-Control')!r}, not no-store")
    if "Server" in headers and any(ch.isdigit() for ch in headers["Server"]):
        problems.append(f"Server header shows a version: {headers['Server']}")
    return [f"{path} ({response.status_code}): {problem}" for problem in problems]
