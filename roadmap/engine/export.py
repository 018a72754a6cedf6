"""A loaded framework back to its file form, and the content fingerprint that identifies a version.

The fingerprint is computed over the document rebuilt from the loaded objects, not over the file's text:
comments, key order, quoting, `3` versus `3.0` and spelled-out defaults then change nothing, while every
change of content does. Because export writes that same document, export → load gives the same fingerprint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import yaml

from roadmap.engine.conditions import AllOf, AnyOf, Condition, Leaf, LeafValue, Not
from roadmap.engine.framework import (
    Aggregation,
    Dimension,
    DtiIndex,
    Effect,
    Framework,
    Initiative,
    LocalText,
    Measurability,
    PolicyReference,
    ProfileQuestion,
    Question,
    ScoringRules,
    Unanswered,
)
from roadmap.engine.question_types import QUESTION_TYPES
from roadmap.engine.schema import FORMAT_VERSION
from roadmap.engine.schema_base import file_number


def export_framework(framework: Framework) -> str:
    """The framework as YAML text in the file format; loading it again gives the same fingerprint."""
    heading = (
        f"# Framework {framework.id} {framework.version}, exported by roadmap.engine.export.\n"
        f"# Content fingerprint: {framework_fingerprint(framework)}\n"
    )
    body = yaml.dump(
        framework_document(framework),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=110,
    )
    return heading + body


def framework_fingerprint(framework: Framework) -> str:
    """SHA-256 (hex) of the canonical JSON form of the framework's normalised document."""
    canonical = json.dumps(
        framework_document(framework),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=_json_default,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def framework_document(framework: Framework) -> dict[str, Any]:
    """The normalised document: the file's shape, defaults left out, whole numbers written as integers."""
    return {
        "format": FORMAT_VERSION,
        "id": framework.id,
        "version": framework.version,
        "title": _text(framework.title),
        "description": _text(framework.description),
        "locales": list(framework.locales),
        "published": framework.published,
        "policies": [_policy(policy) for policy in framework.policies],
        "dti_indices": [_dti_index(index) for index in framework.dti_indices],
        "groups": [{"code": group.code, "name": _text(group.name)} for group in framework.groups],
        **({"profile": [_profile_question(q) for q in framework.profile]} if framework.profile else {}),
        "dimensions": [_dimension(dimension) for dimension in framework.dimensions],
        "questions": [_question(question, framework.locales) for question in framework.questions],
        "scoring": _scoring(framework.scoring),
        "initiatives": [_initiative(initiative) for initiative in framework.initiatives],
        **(
            {
                "carry_forward": {
                    "from": framework.carry_forward.from_version,
                    "map": dict(framework.carry_forward.mapping),
                }
            }
            if framework.carry_forward is not None
            else {}
        ),
    }


def _text(text: LocalText) -> dict[str, str]:
    return text.as_dict()


def _dti_index(index: DtiIndex) -> dict[str, Any]:
    document: dict[str, Any] = {"code": index.code, "name": _text(index.name)}
    if index.ref is not None:
        document["ref"] = index.ref
    return document


def _policy(policy: PolicyReference) -> dict[str, Any]:
    document: dict[str, Any] = {"code": policy.code, "title": _text(policy.title)}
    if policy.valid_from is not None:
        document["valid_from"] = policy.valid_from
    if not policy.in_force:
        document["status"] = str(policy.status)
    if policy.superseded_by is not None:
        document["superseded_by"] = policy.superseded_by
    return document


def _profile_question(question: ProfileQuestion) -> dict[str, Any]:
    document: dict[str, Any] = {
        "code": question.code,
        "type": str(question.type),
        "text": _text(question.text),
    }
    if question.help is not None:
        document["help"] = _text(question.help)
    if question.options:
        document["options"] = [
            {"code": option.code, "label": _text(option.label)} for option in question.options
        ]
    return document


def _applies_if(document: dict[str, Any], condition: Condition | None) -> dict[str, Any]:
    if condition is not None:
        document["applies_if"] = condition_document(condition)
    return document


def _dimension(dimension: Dimension) -> dict[str, Any]:
    return _applies_if(
        {
            "code": dimension.code,
            "name": _text(dimension.name),
            "description": _text(dimension.description),
            "weight": file_number(dimension.weight),
            "group": dimension.group,
            "dti": dimension.dti,
            "default_target": dimension.default_target,
            "levels": [_text(level) for level in dimension.levels],
            **(
                {
                    "groups": [
                        {"code": g.code, "name": _text(g.name), "weight": file_number(g.weight)}
                        for g in dimension.groups
                    ]
                }
                if dimension.groups
                else {}
            ),
        },
        dimension.applies_if,
    )


def _question(question: Question, locales: tuple[str, ...]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "code": question.code,
        "dimension": question.dimension,
        "type": str(question.type),
        "text": _text(question.text),
    }
    if question.help is not None:
        document["help"] = _text(question.help)
    if question.policy_refs:
        document["policy_refs"] = list(question.policy_refs)
    document["weight"] = file_number(question.weight)
    if question.critical:
        document["critical"] = True
    if not question.required:
        document["required"] = False
    if question.allow_na:
        document["allow_na"] = True
    if not question.allow_dont_know:
        document["allow_dont_know"] = False
    if question.measurability is not Measurability.SELF_ASSESSED:
        document["measurability"] = str(question.measurability)
    if question.dti_ref is not None:
        document["dti_ref"] = question.dti_ref
    if question.show_if is not None:
        document["show_if"] = condition_document(question.show_if)
    _applies_if(document, question.applies_if)
    if question.group is not None:
        document["group"] = question.group
    if question.evidence_from_option is not None:
        document["evidence"] = {"from_option": question.evidence_from_option}
    elif question.evidence_threshold is not None:
        document["evidence"] = {"from_points": file_number(question.evidence_threshold)}
    if question.evidence_sighted and "evidence" in document:
        document["evidence"]["sighted"] = True
    document.update(QUESTION_TYPES.of(question).document(question, locales))
    return document


def _scoring(scoring: ScoringRules) -> dict[str, Any]:
    document: dict[str, Any] = {
        "bands": [
            {"level": band.level, "min": file_number(band.min_score), "max": file_number(band.max_score)}
            for band in scoring.bands
        ],
        "score_decimals": scoring.score_decimals,
        "index_decimals": scoring.index_decimals,
        "dont_know_points": file_number(scoring.dont_know_points),
        "evidence_discount": file_number(scoring.evidence_discount),
    }
    if scoring.aggregation is not Aggregation.WEIGHTED_MEAN:
        document["aggregation"] = str(scoring.aggregation)
    if scoring.unanswered is not Unanswered.OMIT:
        document["unanswered"] = str(scoring.unanswered)
    if scoring.scale is not None:
        document["scale"] = {
            "min": file_number(scoring.scale.minimum),
            "max": file_number(scoring.scale.maximum),
            "decimals": scoring.scale.decimals,
        }
    if scoring.gates:
        document["gates"] = [
            _applies_if(
                {
                    "code": gate.code,
                    "dimension": gate.dimension,
                    "max_level": gate.max_level,
                    "when": condition_document(gate.when),
                    "message": _text(gate.message),
                },
                gate.applies_if,
            )
            for gate in scoring.gates
        ]
    if scoring.consistency:
        document["consistency"] = [
            {
                "code": check.code,
                "questions": list(check.questions),
                "when": condition_document(check.when),
                "message": _text(check.message),
            }
            for check in scoring.consistency
        ]
    return document


def _initiative(initiative: Initiative) -> dict[str, Any]:
    document: dict[str, Any] = {
        "code": initiative.code,
        "name": _text(initiative.name),
        "description": _text(initiative.description),
        **(
            {"raises": [{"dimension": u.dimension, "levels": u.levels} for u in initiative.raises]}
            if initiative.raises
            else {}
        ),
        **({"effects": [_effect(effect) for effect in initiative.effects]} if initiative.effects else {}),
        "trigger": condition_document(initiative.trigger),
        "prerequisites": list(initiative.prerequisites),
        "duration_months": initiative.duration_months,
        "effort_person_months": file_number(initiative.effort_person_months),
        "cost_class": str(initiative.cost_class),
    }
    if initiative.mandatory:
        document["mandatory"] = True
    if initiative.deadline is not None:
        document["deadline"] = initiative.deadline
    if initiative.obligation is not None:
        obligation = initiative.obligation
        written: dict[str, Any] = {"kind": str(obligation.kind), "source": obligation.source}
        _applies_if(written, obligation.applies_if)
        if obligation.due_date is not None:
            written["due"] = obligation.due_date
        elif obligation.due_months is not None:
            written["due"] = {"months_after_start": obligation.due_months}
        document["obligation"] = written
    if initiative.policy_refs:
        document["policy_refs"] = list(initiative.policy_refs)
    if initiative.kpis:
        document["kpis"] = [_text(kpi) for kpi in initiative.kpis]
    return document


def _effect(effect: Effect) -> dict[str, Any]:
    if effect.at_least is not None:
        floor = file_number(effect.at_least) if isinstance(effect.at_least, float) else effect.at_least
        return {"question": effect.question, "at_least": floor}
    value: Any = effect.value
    if isinstance(value, frozenset):
        value = sorted(value)
    elif isinstance(value, float):
        value = file_number(value)
    return {"question": effect.question, "value": value}


def condition_document(condition: Condition) -> dict[str, Any]:
    """A condition in its file form, e.g. {q: IP6-01, op: le, value: b}."""
    if isinstance(condition, AllOf):
        return {"all": [condition_document(item) for item in condition.items]}
    if isinstance(condition, AnyOf):
        return {"any": [condition_document(item) for item in condition.items]}
    if isinstance(condition, Not):
        return {"not": condition_document(condition.item)}
    return _leaf(condition)


def _leaf(leaf: Leaf) -> dict[str, Any]:
    document: dict[str, Any] = {str(leaf.subject): leaf.ref, "op": str(leaf.op)}
    if leaf.value is not None:
        document["value"] = _leaf_value(leaf.value)
    return document


def _leaf_value(value: LeafValue) -> Any:
    if isinstance(value, tuple):
        return [_leaf_value(item) for item in value]
    if isinstance(value, float):
        return file_number(value)
    return value


def _json_default(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


class _Dumper(yaml.SafeDumper):
    """Short mappings and lists of plain values on one line (texts, leaves, bands), as people write them."""


# Longer one-line mappings would wrap mid-text; those are written as blocks instead.
_FLOW_WIDTH = 90


def _fits_one_line(values: list[Any]) -> bool:
    if any(isinstance(value, (dict, list)) for value in values):
        return False
    return sum(len(str(value)) + 8 for value in values) <= _FLOW_WIDTH


def _represent_mapping(dumper: yaml.SafeDumper, mapping: dict[Any, Any]) -> yaml.MappingNode:
    flow = _fits_one_line([*mapping.keys(), *mapping.values()])
    return dumper.represent_mapping("tag:yaml.org,2002:map", mapping, flow_style=flow)


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.SequenceNode:
    flow = _fits_one_line(items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


_Dumper.add_representer(dict, _represent_mapping)
_Dumper.add_representer(list, _represent_list)
