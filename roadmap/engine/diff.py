"""What changed between two loaded framework versions, for the administrator who imports a new one, which
dimensions of two versions can still be compared across cycles, and which answers carry from one to the
other.

The comparison walks the frameworks' own dataclasses field by field, so a field that a later format adds to
a dimension, question, gate or initiative is compared without a change here. Values are given in a form fit
to show (texts stay per-locale, conditions are their file form); the reader words the field names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

from roadmap.engine.conditions import AllOf, AnyOf, Leaf, Not
from roadmap.engine.export import condition_document
from roadmap.engine.framework import Framework, LocalText, Question


class Part(StrEnum):
    """The parts of a framework a change is about, in the order a reader goes through them."""

    DIMENSION = "dimension"
    QUESTION = "question"
    OPTION = "option"
    SCORING = "scoring"
    GATE = "gate"
    INITIATIVE = "initiative"


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


Shown = str | LocalText


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field whose value differs: its name in the framework model, its value before and after."""

    field: str
    before: Shown
    after: Shown


@dataclass(frozen=True, slots=True)
class Change:
    part: Part
    kind: ChangeKind
    code: str  # an option's code is "QUESTION/OPTION"
    name: LocalText | None  # the item's name or text (the new one when it is kept), for the reader
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True)
class FrameworkDiff:
    old_version: str
    new_version: str
    changes: tuple[Change, ...]

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def of(self, part: Part) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.part is part)

    def counts(self) -> dict[ChangeKind, int]:
        return {kind: sum(1 for change in self.changes if change.kind is kind) for kind in ChangeKind}


# Fields that are the item's identity or are compared as items of their own (a question's options).
_SKIPPED_FIELDS = frozenset({"code", "options"})


def diff_frameworks(old: Framework, new: Framework) -> FrameworkDiff:
    """Every dimension, question, option, scoring rule, gate and initiative added, removed or changed."""
    changes: list[Change] = []
    changes += _items(Part.DIMENSION, _by_code(old.dimensions), _by_code(new.dimensions), "name")
    changes += _items(Part.QUESTION, _by_code(old.questions), _by_code(new.questions), "text")
    changes += _options(old, new)
    changes += _scoring(old, new)
    changes += _items(Part.GATE, _by_code(old.scoring.gates), _by_code(new.scoring.gates), "message")
    changes += _items(Part.INITIATIVE, _by_code(old.initiatives), _by_code(new.initiatives), "name")
    return FrameworkDiff(old.version, new.version, tuple(changes))


def _by_code(items: Iterable[Any]) -> dict[str, Any]:
    return {item.code: item for item in items}


def _name(item: Any, name_field: str) -> LocalText | None:
    value = getattr(item, name_field, None)
    return value if isinstance(value, LocalText) else None


def _items(part: Part, old: Mapping[str, Any], new: Mapping[str, Any], name_field: str) -> list[Change]:
    changes: list[Change] = []
    for code, item in new.items():
        if code not in old:
            changes.append(Change(part, ChangeKind.ADDED, code, _name(item, name_field)))
            continue
        fields = _field_changes(old[code], item)
        if fields:
            changes.append(Change(part, ChangeKind.CHANGED, code, _name(item, name_field), fields))
    changes += [
        Change(part, ChangeKind.REMOVED, code, _name(item, name_field))
        for code, item in old.items()
        if code not in new
    ]
    return changes


def _field_changes(old: Any, new: Any) -> tuple[FieldChange, ...]:
    changes: list[FieldChange] = []
    for spec in dataclasses.fields(new):
        if spec.name in _SKIPPED_FIELDS or not spec.init:
            continue
        before, after = getattr(old, spec.name, None), getattr(new, spec.name)
        if before != after:
            changes.append(FieldChange(spec.name, shown(before), shown(after)))
    return tuple(changes)


def _options(old: Framework, new: Framework) -> list[Change]:
    """Options of the questions both versions have (a new or removed question brings its options along)."""
    changes: list[Change] = []
    for question in new.questions:
        if not old.has_question(question.code):
            continue
        before = {o.code: o for o in old.question(question.code).options}
        after = {o.code: o for o in question.options}
        for change in _items(Part.OPTION, before, after, "label"):
            changes.append(dataclasses.replace(change, code=f"{question.code}/{change.code}"))
    return changes


def _scoring(old: Framework, new: Framework) -> list[Change]:
    fields = tuple(
        change
        for change in _field_changes(old.scoring, new.scoring)
        if change.field not in ("gates", "consistency")  # gates are items of their own
    )
    return [Change(Part.SCORING, ChangeKind.CHANGED, "scoring", None, fields)] if fields else []


def shown(value: Any) -> Shown:
    """A value as a reader sees it: texts per locale, numbers without noise, conditions as in the file."""
    if isinstance(value, LocalText):
        return value
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Leaf | AllOf | AnyOf | Not):
        return json.dumps(condition_document(value), ensure_ascii=False, sort_keys=True)
    if isinstance(value, tuple):
        return "; ".join(_plain(shown(item)) for item in value) or "—"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = (
            f"{spec.name}={_plain(shown(getattr(value, spec.name)))}" for spec in dataclasses.fields(value)
        )
        return ", ".join(parts)
    return str(value)


def _plain(value: Shown) -> str:
    return value.translations[0][1] if isinstance(value, LocalText) else value


def scored_questions(framework: Framework, dimension_code: str) -> tuple[Question, ...]:
    """The questions of a dimension that carry weight in its score."""
    return tuple(q for q in framework.questions_of(dimension_code) if q.weight > 0)


def comparable_dimensions(
    old: Framework, new: Framework, question_map: Mapping[str, str] | None = None
) -> frozenset[str]:
    """The dimensions of `new` whose scores can be set beside those of `old`: the same dimension code in
    both, and scored questions that map one to one (by `question_map` old → new where given, else by code),
    each kept with the same options and points. Identical versions compare in every dimension."""
    if old.fingerprint and old.fingerprint == new.fingerprint:
        return frozenset(d.code for d in new.dimensions)
    mapping = dict(question_map or {})
    comparable: set[str] = set()
    for dimension in new.dimensions:
        if not any(d.code == dimension.code for d in old.dimensions):
            continue
        before = scored_questions(old, dimension.code)
        after = {q.code: q for q in scored_questions(new, dimension.code)}
        mapped = [mapping.get(q.code, q.code) for q in before]
        if len(set(mapped)) != len(before) or set(mapped) != set(after):
            continue
        if all(_scores_alike(q, after[code]) for q, code in zip(before, mapped, strict=True)):
            comparable.add(dimension.code)
    return frozenset(comparable)


def _scores_alike(old: Question, new: Question) -> bool:
    """Whether two questions turn the same answer into the same points (their wording may differ)."""
    return (
        old.type == new.type
        and old.weight == new.weight
        and [(o.code, o.points) for o in old.options] == [(o.code, o.points) for o in new.options]
        and old.points_by_value == new.points_by_value
        and (old.min_value, old.max_value) == (new.min_value, new.max_value)
    )


def carried_questions(
    old: Framework, new: Framework, question_map: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Old question code → new question code for the answers that carry from `old` to `new` (each to be
    confirmed by the office): every question of an identical version; across versions, a question mapped by
    `question_map` (old → new) or kept under its code, that takes the same answers (same type, option codes
    and range). A question whose possible answers changed is asked again."""
    if old.fingerprint and old.fingerprint == new.fingerprint:
        return {q.code: q.code for q in new.questions}
    mapping = dict(question_map or {})
    carried: dict[str, str] = {}
    for question in old.questions:
        code = mapping.get(question.code, question.code)
        if new.has_question(code) and _answers_alike(question, new.question(code)):
            carried[question.code] = code
    return carried


def _answers_alike(old: Question, new: Question) -> bool:
    return (
        old.type == new.type
        and [o.code for o in old.options] == [o.code for o in new.options]
        and (old.min_value, old.max_value) == (new.min_value, new.max_value)
    )
