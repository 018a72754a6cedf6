"""One term per concept in the Vietnamese of the 2026 framework and of the interface (issue 19; the review of
the shipped framework, ../shared/domain/framework-review.md §4): every Vietnamese string of
central-offices-1.1.0.yaml — read from the file itself, so no kind of text is missed — and every Vietnamese
translation of the interface's catalogue is checked for the variants the review bans, and for "đầu mối" used
for the focal point (and only for it). A failure names the string's place: its path in the file, or its msgid.

central-offices-1.0.0 is not checked: it is frozen byte for byte for the 2025 cycle's snapshots.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORK_2026 = ROOT / "roadmap" / "frameworks" / "central-offices-1.1.0.yaml"
CATALOGUE = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po"

# (the variant the review bans, what to write instead, the pattern that finds it)
BANNED: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("Ban chỉ đạo", "Ban Chỉ đạo (Decree 30 capitals)", re.compile(r"\b[Bb]an chỉ đạo\b")),
    (
        "an toàn thông tin theo cấp độ",
        "an toàn hệ thống thông tin theo cấp độ (the legal term)",
        re.compile(r"(?<!hệ thống )an toàn thông tin theo cấp độ", re.IGNORECASE),
    ),
    ("kênh vượt rào", "đường truy cập không được giám sát", re.compile(r"vượt rào", re.IGNORECASE)),
    ("thời gian trung vị", "a plain measure of time", re.compile(r"thời gian trung vị", re.IGNORECASE)),
    ("đại sứ số", "cán bộ đầu mối chuyển đổi số", re.compile(r"đại sứ số", re.IGNORECASE)),
    ("ốc đảo thông tin", "dữ liệu phân tán, cát cứ", re.compile(r"ốc đảo", re.IGNORECASE)),
)
FOCAL_POINT_VI = re.compile(r"đầu mối", re.IGNORECASE)
# The English words of the concept that Vietnamese writes "đầu mối": the focal point (a unit's digital
# champion, the office's contact) and, in the interface, the office's representative who answers the survey.
FOCAL_POINT_EN = re.compile(r"focal point|champion|represent|respondent", re.IGNORECASE)


@functools.cache
def framework_pairs() -> tuple[tuple[str, str, str], ...]:
    """(path, Vietnamese, English) of every text of the file that has a Vietnamese one."""

    def walk(node: Any, path: tuple[str | int, ...]) -> Iterator[tuple[str, str, str]]:
        if isinstance(node, dict):
            if isinstance(node.get("vi"), str):
                yield ".".join(str(part) for part in path), node["vi"], str(node.get("en", ""))
            for key, value in node.items():
                yield from walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                code = value.get("code") if isinstance(value, dict) else None
                yield from walk(value, (*path, code if isinstance(code, str) else index))

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when built: the file is large
    return tuple(walk(yaml.load(FRAMEWORK_2026.read_text(encoding="utf-8"), Loader=loader), ()))  # noqa: S506


@functools.cache
def catalogue_pairs() -> tuple[tuple[str, str, str], ...]:
    """(msgid, Vietnamese, English) of every translated message of the interface."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    pairs = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs.append((f"msgid {ids[0]!r}", " ".join(s for s in strings if s), " ".join(ids)))
    return tuple(pairs)


SOURCES = {"central-offices-1.1.0.yaml": framework_pairs, "messages.po (vi)": catalogue_pairs}


@pytest.mark.parametrize("source", SOURCES)
def test_no_vietnamese_string_uses_a_banned_variant(source: str) -> None:
    found = [
        f"{source} {where}: “{variant}” (write {instead})"
        for where, vietnamese, _english in SOURCES[source]()
        for variant, instead, pattern in BANNED
        if pattern.search(vietnamese)
    ]
    assert found == []


@pytest.mark.parametrize("source", SOURCES)
def test_the_focal_point_is_always_and_only_dau_moi(source: str) -> None:
    found = [
        f"{source} {where}: “{vietnamese}” / “{english}”"
        for where, vietnamese, english in SOURCES[source]()
        if vietnamese and bool(FOCAL_POINT_VI.search(vietnamese)) != bool(FOCAL_POINT_EN.search(english))
    ]
    assert found == []


def test_the_walk_reads_every_kind_of_text_of_the_file() -> None:
    places = [where for where, _vietnamese, _english in framework_pairs()]
    # Texts the loaded framework's own walk would miss are read too: DTI indices, groups, units.
    assert "dti_indices.DTI-NONE.name" in places
    assert "groups.special_use.name" in places
    assert any(place.startswith("questions.") and place.endswith(".unit") for place in places)
    assert "questions.SEC-04A.text" in places
    assert len(places) > 900


def test_a_banned_variant_is_found_and_named() -> None:
    # The checks can fail: the review's own examples are each caught.
    for text in (
        "Ban chỉ đạo chuyển đổi số",
        "bảo đảm an toàn thông tin theo cấp độ",
        "kênh vượt rào",
        "thời gian trung vị xử lý",
        "đại sứ số",
        "ốc đảo thông tin",
    ):
        assert any(pattern.search(text) for _variant, _instead, pattern in BANNED), text
    assert not any(pattern.search("Ban Chỉ đạo") for _variant, _instead, pattern in BANNED)
    assert not any(pattern.search("an toàn hệ thống thông tin theo cấp độ") for *_, pattern in BANNED)
