"""References with validity: when a text came into force, whether it still is, what replaced it. Citing a
superseded or repealed text loads, with a located warning beside the (empty) list of errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmap.engine.export import export_framework
from roadmap.engine.framework import PolicyStatus
from roadmap.engine.loader import FrameworkError, load_framework, load_framework_text

SMALL = Path(__file__).parent.parent / "fixtures" / "frameworks" / "small.yaml"
TEXT = SMALL.read_text(encoding="utf-8")
DECREE = """  - code: ND-85-2016
    title:"""
SUPERSEDED = """  - code: ND-85-2016
    valid_from: 2016-07-01
    status: superseded
    superseded_by: QD-749-2020
    title:"""


def line_of(text: str, fragment: str, occurrence: int = 0) -> int:
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(fragment, index + 1)
    return text[:index].count("\n") + 1


def test_a_framework_citing_only_texts_in_force_has_no_warnings() -> None:
    small = load_framework(SMALL)
    assert small.warnings == ()
    assert all(policy.in_force for policy in small.policies)


def test_citing_a_superseded_text_warns_at_every_citation_with_its_line() -> None:
    text = TEXT.replace(DECREE, SUPERSEDED)
    framework = load_framework_text(text, "small.yaml")
    decree = framework.policies[0]
    assert (decree.status, decree.superseded_by, decree.valid_from.isoformat()) == (
        PolicyStatus.SUPERSEDED,
        "QD-749-2020",
        "2016-07-01",
    )
    cited = [(w.path, w.message) for w in framework.warnings]
    assert cited
    assert all(
        message == "cites ND-85-2016, which is superseded, superseded by QD-749-2020" for _p, message in cited
    )
    assert [w.line for w in framework.warnings] == sorted(w.line or 0 for w in framework.warnings)
    first_citation = line_of(text, "[ND-85-2016]")
    assert framework.warnings[0].line == first_citation


def test_validity_survives_export_and_changes_the_fingerprint() -> None:
    text = TEXT.replace(DECREE, SUPERSEDED)
    framework = load_framework_text(text, "small.yaml")
    again = load_framework_text(export_framework(framework), "exported.yaml")
    assert again == framework
    assert again.fingerprint == framework.fingerprint != load_framework(SMALL).fingerprint


def test_a_wrong_superseded_by_is_a_located_error() -> None:
    text = TEXT.replace(DECREE, SUPERSEDED.replace("superseded_by: QD-749-2020", "superseded_by: QD-1-2030"))
    text = text.replace(
        "  - code: QD-749-2020\n    title:",
        "  - code: QD-749-2020\n    superseded_by: ND-85-2016\n    title:",
    )
    with pytest.raises(FrameworkError) as error:
        load_framework_text(text, "small.yaml")
    assert [(p.path, p.message) for p in error.value.problems] == [
        ("policies[0].superseded_by", "unknown policy QD-1-2030"),
        ("policies[1].superseded_by", "superseded_by goes with status: superseded"),
    ]
