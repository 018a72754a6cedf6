"""Plans as JSON-serialisable snapshots and back, through pydantic over the plan dataclasses.

The stored shape is the dataclasses' fields, except for the values that declare another form
(roadmap.engine.stored): months as "2027-01", texts as locale pairs, projected dimensions as lists.
tests/golden/snapshots pins it byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roadmap.engine.planner.results import Plan
from roadmap.engine.stored import Snapshots

_PLANS = Snapshots(Plan)


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """A JSON-serialisable snapshot of a plan (see plan_from_dict)."""
    return _PLANS.to_dict(plan)


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    """The plan that plan_to_dict() serialised (equal to the original)."""
    return _PLANS.from_dict(data)
