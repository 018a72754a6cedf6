"""The catalogue a plan draws from: the framework's initiatives and a consultant's custom ones, checked
(codes, durations, efforts, dimensions, references, prerequisites, no cycle), and the framework extended
with the custom ones so that the scoring what-if knows them."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import replace

from roadmap.engine.conditions import AllOf, AnyOf, Condition, Leaf, Subject
from roadmap.engine.framework import Framework, Initiative
from roadmap.engine.planner.parameters import PlanningError


def _leaves(condition: Condition) -> Iterable[Leaf]:
    if isinstance(condition, Leaf):
        yield condition
    elif isinstance(condition, AllOf | AnyOf):
        for item in condition.items:
            yield from _leaves(item)
    else:
        yield from _leaves(condition.item)


def check_custom(framework: Framework, custom: tuple[Initiative, ...]) -> None:
    known = {initiative.code for initiative in framework.initiatives}
    dimensions = {dimension.code for dimension in framework.dimensions}
    for initiative in custom:
        code = initiative.code
        if not isinstance(code, str) or not code.strip():
            raise PlanningError(
                "custom_invalid", {"initiative": str(code), "field": "code", "value": str(code)}
            )
        if code in known:
            raise PlanningError("custom_code_clash", {"initiative": code})
        known.add(code)
        duration = initiative.duration_months
        if isinstance(duration, bool) or not isinstance(duration, int) or duration < 1:
            raise PlanningError(
                "custom_invalid", {"initiative": code, "field": "duration_months", "value": str(duration)}
            )
        effort = initiative.effort_person_months
        if (
            isinstance(effort, bool)
            or not isinstance(effort, int | float)
            or not math.isfinite(effort)
            or effort <= 0
        ):
            raise PlanningError(
                "custom_invalid", {"initiative": code, "field": "effort_person_months", "value": str(effort)}
            )
        if initiative.deadline is not None and not initiative.mandatory:
            raise PlanningError(
                "custom_invalid", {"initiative": code, "field": "deadline", "value": str(initiative.deadline)}
            )
        if not initiative.raises and not initiative.effects:
            raise PlanningError("custom_invalid", {"initiative": code, "field": "raises", "value": "[]"})
        for effect in initiative.effects:
            if not framework.has_question(effect.question):
                raise PlanningError(
                    "custom_reference_unknown", {"initiative": code, "ref": f"question: {effect.question}"}
                )
        for uplift in initiative.raises:
            if uplift.dimension not in dimensions:
                raise PlanningError(
                    "custom_dimension_unknown", {"initiative": code, "dimension": uplift.dimension}
                )
            if isinstance(uplift.levels, bool) or not isinstance(uplift.levels, int) or uplift.levels < 1:
                raise PlanningError(
                    "custom_invalid", {"initiative": code, "field": "raises", "value": str(uplift.levels)}
                )
        for leaf in _leaves(initiative.trigger):
            exists = (
                framework.has_question(leaf.ref) if leaf.subject is Subject.ANSWER else leaf.ref in dimensions
            )
            if not exists:
                raise PlanningError(
                    "custom_reference_unknown",
                    {"initiative": code, "ref": f"{leaf.subject.value}: {leaf.ref}"},
                )
    for initiative in custom:
        for prerequisite in initiative.prerequisites:
            if prerequisite not in known:
                raise PlanningError(
                    "custom_prerequisite_unknown",
                    {"initiative": initiative.code, "prerequisite": prerequisite},
                )


def check_acyclic(catalogue: Mapping[str, Initiative]) -> None:
    """Raise prerequisite_cycle with the first cycle found (catalogue order, depth first)."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(code: str) -> None:
        path.append(code)
        on_path.add(code)
        for prerequisite in catalogue[code].prerequisites:
            if prerequisite in on_path:
                cycle = [*path[path.index(prerequisite) :], prerequisite]
                raise PlanningError("prerequisite_cycle", {"cycle": " → ".join(cycle)})
            if prerequisite not in done and prerequisite in catalogue:
                visit(prerequisite)
        path.pop()
        on_path.discard(code)
        done.add(code)

    for code in catalogue:
        if code not in done:
            visit(code)


# Frameworks extended with custom initiatives, so that the scoring what-if knows them; kept (a few) so that
# the same custom set reuses the same framework object and its compiled scorer.
_EXTENDED: dict[tuple[int, tuple[Initiative, ...]], tuple[Framework, Framework]] = {}
_EXTENDED_MAX = 16


def extended(framework: Framework, custom: tuple[Initiative, ...]) -> Framework:
    """The framework with the custom initiatives appended (the same object for the same custom set)."""
    if not custom:
        return framework
    key = (id(framework), custom)
    try:
        entry = _EXTENDED.get(key)
    except TypeError:  # an unhashable value in a hand-made initiative: extend without keeping it
        return replace(framework, initiatives=framework.initiatives + custom)
    if entry is not None and entry[0] is framework:
        return entry[1]
    extended = replace(framework, initiatives=framework.initiatives + custom)
    if len(_EXTENDED) >= _EXTENDED_MAX:
        # Another thread may have evicted first: then there is nothing to do.
        with contextlib.suppress(KeyError, RuntimeError, StopIteration):
            _EXTENDED.pop(next(iter(_EXTENDED)))
    _EXTENDED[key] = (framework, extended)
    return extended
