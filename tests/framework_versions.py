"""A second version of the small test framework, derived from tests/fixtures/frameworks/small.yaml when a
test asks for it (so it follows any change of that file): version 0.4.0, option b of NW-01 worth 0.6
instead of 0.5, question CY-01 weighing 4 instead of 3; the PEOP dimension unchanged."""

from __future__ import annotations

from pathlib import Path

SMALL = Path(__file__).resolve().parent / "fixtures" / "frameworks" / "small.yaml"


def _replace_in(text: str, start: str, end: str, old: str, new: str) -> str:
    """Replace the first `old` between the markers `start` and `end` (one question's block)."""
    begin = text.index(start)
    finish = text.index(end, begin)
    block = text[begin:finish]
    assert old in block, f"{old!r} is no longer in {start.strip()}"
    return text[:begin] + block.replace(old, new, 1) + text[finish:]


def small_next_text(version: str = "0.4.0") -> str:
    text = SMALL.read_text(encoding="utf-8")
    assert 'version: "0.3.0"' in text
    text = text.replace('version: "0.3.0"', f'version: "{version}"', 1)
    option_b = ("        points: 0.5\n", "        points: 0.6\n")
    text = _replace_in(text, "  - code: NW-01", "  - code: NW-02", *option_b)
    return _replace_in(text, "  - code: CY-01", "  - code: CY-02", "    weight: 3\n", "    weight: 4\n")


def write_small_next(folder: Path, version: str = "0.4.0") -> Path:
    path = folder / f"small-{version}.yaml"
    path.write_text(small_next_text(version), encoding="utf-8")
    return path
