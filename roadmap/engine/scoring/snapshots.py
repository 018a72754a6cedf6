"""Results as JSON-serialisable snapshots and back, through pydantic over the result dataclasses.

The stored shape is the dataclasses' fields, except for the values that declare another form
(roadmap.engine.stored): texts as locale pairs, sets as {"set": [...]}, overrides' points and levels as
"value", subtotals and projected dimensions as lists. tests/golden/snapshots pins it byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roadmap.engine.scoring.results import ScoreResult
from roadmap.engine.stored import Snapshots

_RESULTS = Snapshots(ScoreResult)


def result_to_dict(result: ScoreResult) -> dict[str, Any]:
    """A JSON-serialisable snapshot of a result (stored with the assessment; see result_from_dict)."""
    return _RESULTS.to_dict(result)


def result_from_dict(data: Mapping[str, Any]) -> ScoreResult:
    """The result that result_to_dict() serialised (equal to the original)."""
    return _RESULTS.from_dict(data)
