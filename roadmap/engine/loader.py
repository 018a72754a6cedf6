"""Load a framework file: YAML → strict schema → cross-reference checks → immutable Framework.

Every problem in a file is reported at once, each with its file, YAML path and line, so that a framework
maintainer fixes a file in one pass. Checks run as far as they can even when parts of the file are broken:
an item that fails the schema is left out of the cross-reference checks, but its code still counts as
known, so that one broken question does not also make every reference to it "unknown".
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeGuard, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from roadmap.engine.answers import AnswerValue
from roadmap.engine.conditions import (
    LIST_OPERATORS,
    STATE_OPERATORS,
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    LeafValue,
    Not,
    Operator,
    Subject,
)
from roadmap.engine.errors import Problem
from roadmap.engine.export import framework_fingerprint
from roadmap.engine.framework import (
    Aggregation,
    Band,
    CarryForward,
    ConsistencyCheck,
    CostClass,
    Dimension,
    DtiIndex,
    Effect,
    Framework,
    Gate,
    IndexGroup,
    Initiative,
    LocalText,
    Measurability,
    Obligation,
    ObligationKind,
    Option,
    PolicyReference,
    PolicyStatus,
    ProfileQuestion,
    ProfileType,
    Question,
    Scale,
    ScoringRules,
    SubGroup,
    Unanswered,
    Uplift,
)
from roadmap.engine.question_types import QUESTION_TYPES
from roadmap.engine.question_types.base import EQUALITY_OPERATORS, ORDER_OPERATORS
from roadmap.engine.schema import (
    QUESTION_ADAPTER,
    BandModel,
    ConsistencyModel,
    DimensionModel,
    DtiIndexModel,
    DueAfterModel,
    EffectModel,
    FrameworkModel,
    GateModel,
    GroupModel,
    InitiativeModel,
    ObligationModel,
    PolicyModel,
    ProfileQuestionModel,
)
from roadmap.engine.schema_base import (
    CONDITION_TAG_PREFIX,
    LOCALES_CONTEXT_KEY,
    QUESTION_TAG_PREFIX,
    AllOfModel,
    AnyOfModel,
    ConditionModel,
    LeafModel,
    NotModel,
    QuestionFields,
    ScalarValue,
    as_written,
    repeats,
)
from roadmap.engine.text import ForbiddenCharacter, normalise

Loc = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)

# Keys that some question type adds: on a question of another type, "a yes_no question takes no min".
_TYPE_KEYS = QUESTION_TYPES.own_keys()
_TAG_PREFIXES = (CONDITION_TAG_PREFIX, QUESTION_TAG_PREFIX)


class FrameworkError(Exception):
    """A framework file is not valid; `problems` lists everything wrong with it, in file order."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        count = len(problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the framework file"
        super().__init__("\n".join([heading, *(str(problem) for problem in problems)]))


def load_framework(path: str | os.PathLike[str]) -> Framework:
    """Load and validate the framework file at `path`; raise FrameworkError listing every problem."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise FrameworkError((Problem(source, "", None, f"the file is not UTF-8 text: {error}"),)) from error
    except OSError as error:
        raise FrameworkError(
            (Problem(source, "", None, f"cannot read the file: {error.strerror}"),)
        ) from error
    return load_framework_text(text, source)


def load_framework_text(text: str, source_name: str = "<text>") -> Framework:
    """Load and validate a framework from YAML text; `source_name` names it in problems."""
    report = _Report(source_name)
    parsed, document = _parse_yaml(text, report)
    if not parsed:
        raise FrameworkError(report.sorted())
    if not isinstance(document, dict):
        report.add(
            (), "the file is empty" if document is None else "the file must hold a mapping (format, id, …)"
        )
        raise FrameworkError(report.sorted())

    # A forbidden character stops here (what follows would report it again, less clearly); problems found
    # while parsing, such as a duplicate key, do not: every other problem is still listed with them.
    before = len(report.problems)
    document = _through_text_boundary(document, (), report)
    if len(report.problems) > before:
        raise FrameworkError(report.sorted())

    context = {LOCALES_CONTEXT_KEY: _declared_locales(document)}
    model: FrameworkModel | None = None
    try:
        model = FrameworkModel.model_validate(document, context=context)
    except ValidationError as error:
        report.add_validation_error(error, ())
    _CrossReferences(document, context, report).check()
    if report.problems or model is None:
        raise FrameworkError(report.sorted())

    framework = _Builder(model).framework()
    if framework.carry_forward is not None:
        lines = (
            report.line_of(("carry_forward", "from")),
            *(report.line_of(("carry_forward", "map", old)) for old, _ in framework.carry_forward.mapping),
        )
        object.__setattr__(framework.carry_forward, "lines", lines)
    object.__setattr__(framework, "fingerprint", framework_fingerprint(framework))
    object.__setattr__(framework, "warnings", tuple(sorted(report.warnings, key=lambda w: w.line or 0)))
    return framework


# --- problems and where they are ------------------------------------------------------------------------


def format_path(loc: Loc) -> str:
    """('questions', 12, 'show_if', 'value') → 'questions[12].show_if.value'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclass
class _Report:
    source: str
    lines: dict[Loc, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def warn(self, loc: Loc, message: str) -> None:
        self.warnings.append(Problem(self.source, format_path(loc), self.line_of(loc), message))

    def add(self, loc: Loc, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(self.source, format_path(loc), line or self.line_of(loc), message))

    def line_of(self, loc: Loc) -> int | None:
        # A missing key has no line of its own: it is reported on the line of the mapping that lacks it.
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return 1 if self.lines else None

    def add_validation_error(self, error: ValidationError, prefix: Loc) -> None:
        for detail in error.errors():
            tags = [
                part for part in detail["loc"] if isinstance(part, str) and part.startswith(_TAG_PREFIXES)
            ]
            loc = prefix + tuple(
                part
                for part in detail["loc"]
                if not (isinstance(part, str) and (part.startswith(_TAG_PREFIXES) or part == "[key]"))
            )
            message = _schema_message(detail["type"], detail["msg"], detail.get("input"), loc)
            question_type = next((tag for tag in tags if tag.startswith(QUESTION_TAG_PREFIX)), None)
            if detail["type"] == "extra_forbidden" and question_type is not None and loc[-1] in _TYPE_KEYS:
                message = f"a {question_type.removeprefix(QUESTION_TAG_PREFIX)} question takes no {loc[-1]}"
            self.add(loc, message)

    def sorted(self) -> tuple[Problem, ...]:
        unique = list(dict.fromkeys(self.problems))
        return tuple(sorted(unique, key=lambda problem: problem.line or 0))


def _schema_message(kind: str, message: str, value: object, loc: Loc) -> str:
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return f"unknown key {loc[-1]!r}" if loc else "unknown key"
    if kind in ("too_short", "too_long") and loc[-1:] == ("levels",) and loc[:1] == ("dimensions",):
        return f"a dimension needs 3 to 6 level descriptors, level 1 first (found {_count(value)})"
    message = message.removeprefix("Value error, ")
    if kind == "string_type" and isinstance(value, bool):
        return f"{message}; YAML reads a bare yes/no/on/off/true/false as a boolean: put it in quotes"
    if kind == "string_type" and isinstance(value, (int, float)):
        return f"{message} (found the number {value!r}: put it in quotes)"
    if kind in ("model_type", "dict_type"):
        return f"should be a mapping (found {as_written(value)})"
    if kind == "string_pattern_mismatch":
        return f"{as_written(value)} is not a valid code here: {message[:1].lower()}{message[1:]}"
    if isinstance(value, (str, int, float, bool)) and kind not in ("value_error", "condition_shape"):
        return f"{message} (found {as_written(value)})"
    return message


def _count(value: object) -> int:
    return len(value) if isinstance(value, list) else 0


class _SafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader without aliases, and which locates values it cannot construct (the date 2026-13-01).

    Aliases are refused because a few nested ones expand into billions of nodes (a file may come from an
    upload) and because a versioned framework reads best with its content written out.
    """

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            alias = self.peek_event()  # type: ignore[no-untyped-call]
            message = "aliases (*name) are not allowed: write the content out"
            raise yaml.composer.ComposerError(None, None, message, alias.start_mark)
        return super().compose_node(parent, index)

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, OverflowError) as error:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {node.value!r}: {error}", node.start_mark
            ) from error


def _through_text_boundary(value: Any, loc: Loc, report: _Report) -> Any:
    """Every text of the file in NFC; a character the text boundary refuses (which YAML's escapes such as
    "\\x0b" or "\\uFFFE" can write) is a located problem, like any other."""
    if isinstance(value, str):
        try:
            return normalise(value)
        except ForbiddenCharacter as problem:
            report.add(loc, f"forbidden character {problem.code_point} at position {problem.position}")
            return value
    if isinstance(value, list):
        return [_through_text_boundary(item, (*loc, index), report) for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {
            _through_text_boundary(key, (*loc, key), report): _through_text_boundary(
                item, (*loc, key) if isinstance(key, str | int) else loc, report
            )
            for key, item in value.items()
        }
    return value


def _parse_yaml(text: str, report: _Report) -> tuple[bool, Any]:
    """(whether the text is YAML at all, the document); records every path's line in the report."""
    try:
        loader = _SafeLoader(text)
    except yaml.YAMLError as error:  # control characters are refused before parsing starts (found by fuzzing)
        report.add((), f"not valid YAML: {error}")
        return False, None
    try:
        node = loader.get_single_node()
        if node is None:
            return True, None
        _record_lines(node, (), report)
        return True, loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        report.add((), f"not valid YAML: {error.problem or error.context}", mark.line + 1 if mark else None)
    except yaml.YAMLError as error:
        report.add((), f"not valid YAML: {error}")
    finally:
        loader.dispose()
    return False, None


def _record_lines(node: Node, loc: Loc, report: _Report) -> None:
    """Map every YAML path to its line: a key's line for mapping entries, an item's first line in lists."""
    if isinstance(node, MappingNode):
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                continue
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if key in first_seen and key != "<<":
                # PyYAML would silently keep the last one; a maintainer must know.
                report.add((*loc, key), f"duplicate key {key!r} (first on line {first_seen[key]})", line)
                continue
            first_seen[key] = line
            report.lines[(*loc, key)] = line
            _record_lines(value_node, (*loc, key), report)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            report.lines[(*loc, index)] = item.start_mark.line + 1
            _record_lines(item, (*loc, index), report)


def _declared_locales(document: dict[Any, Any]) -> tuple[str, ...]:
    locales = document.get("locales")
    if isinstance(locales, list) and locales and all(isinstance(locale, str) for locale in locales):
        return tuple(dict.fromkeys(locales))
    return ()  # the schema reports it; per-locale maps are then checked for empty texts only


# --- cross-reference checks -----------------------------------------------------------------------------


@dataclass
class _Section(Generic[ModelT]):
    """One list of the file: every item's code as written, and the items that passed the schema."""

    loc: Loc
    codes: list[tuple[int, str]]
    valid: list[tuple[int, ModelT]]
    listed: bool = False  # the file holds a list here at all

    def code_set(self) -> set[str] | None:
        """The codes written in this list; None when the list itself is broken and nothing can be judged."""
        return {code for _, code in self.codes} if self.listed else None

    def first_index(self) -> dict[str, int]:
        positions: dict[str, int] = {}
        for index, code in self.codes:
            positions.setdefault(code, index)
        return positions


ConditionUse = Literal["show_if", "gate", "consistency", "trigger", "applies_if"]


@dataclass(frozen=True, slots=True)
class _Use:
    """Where a condition sits, which decides what it may refer to."""

    kind: ConditionUse
    question: str | None = None  # show_if: the question it belongs to
    dimension: str | None = None  # gate: the dimension it caps


class _CrossReferences:
    def __init__(self, document: dict[Any, Any], context: dict[str, Any], report: _Report) -> None:
        self.document = document
        self.context = context
        self.report = report
        self.policies = self._section(("policies",), PolicyModel.model_validate)
        self.dti_indices = self._section(("dti_indices",), DtiIndexModel.model_validate)
        self.groups = self._section(("groups",), GroupModel.model_validate)
        self.profile = self._section(("profile",), ProfileQuestionModel.model_validate)
        self.policy_models = {model.code: model for _, model in reversed(self.policies.valid)}
        self.profile_models = {model.code: model for _, model in reversed(self.profile.valid)}
        self.dimensions = self._section(("dimensions",), DimensionModel.model_validate)
        self.questions: _Section[QuestionFields] = self._section(
            ("questions",), QUESTION_ADAPTER.validate_python
        )
        self.bands = self._section(("scoring", "bands"), BandModel.model_validate)
        self.gates = self._section(("scoring", "gates"), GateModel.model_validate)
        self.consistency = self._section(("scoring", "consistency"), ConsistencyModel.model_validate)
        self.initiatives = self._section(("initiatives",), InitiativeModel.model_validate)
        self.question_models: dict[str, QuestionFields] = {}
        for _, model in self.questions.valid:
            self.question_models.setdefault(model.code, model)
        self.question_positions = self.questions.first_index()
        self.dimension_codes = self.dimensions.code_set()
        # How many levels the framework has: one per band, from 3 to 6 (5 when the bands are broken).
        raw_bands = _raw_list(document, ("scoring", "bands"))
        self.level_count = len(raw_bands) if 3 <= len(raw_bands) <= 6 else 0

    def _section(self, loc: Loc, validate: Callable[..., ModelT]) -> _Section[ModelT]:
        raw: Any = self.document
        for key in loc:
            raw = raw.get(key) if isinstance(raw, dict) else None
        section: _Section[ModelT] = _Section(loc, [], [])
        if not isinstance(raw, list):
            return section
        section.listed = True
        for index, item in enumerate(raw):
            if isinstance(item, dict) and isinstance(item.get("code"), str):
                section.codes.append((index, item["code"]))
            try:
                section.valid.append((index, validate(item, context=self.context)))
            except ValidationError:
                continue  # already reported by the whole-document validation
        return section

    def check(self) -> None:
        self._check_locales()
        for section, noun in (
            (self.policies, "policy"),
            (self.dti_indices, "DTI index"),
            (self.groups, "group"),
            (self.profile, "profile question"),
            (self.dimensions, "dimension"),
            (self.questions, "question"),
            (self.gates, "gate"),
            (self.consistency, "consistency check"),
            (self.initiatives, "initiative"),
        ):
            self._check_unique(section, noun)
        self._check_policies()
        self._check_profile()
        self._check_dimensions()
        for index, question in self.questions.valid:
            self._check_question(("questions", index), question)
        self._check_dti_refs()
        self._check_bands()
        self._check_gates()
        for index, check in self.consistency.valid:
            loc = ("scoring", "consistency", index)
            for position, code in enumerate(check.questions):
                self._check_question_ref((*loc, "questions", position), code)
            for position, code in repeats(check.questions):
                self.report.add((*loc, "questions", position), f"{code} is listed twice")
            self._check_condition(check.when, (*loc, "when"), _Use("consistency"))
        self._check_initiatives()
        self._check_carry_forward()

    def _check_dti_refs(self) -> None:
        """When DTI indices carry their `ref`, each ref is given once and every question's dti_ref names one
        (so the DTI view places every question); without refs, dti_ref stays free text."""
        refs: dict[str, int] = {}
        for index, dti_index in self.dti_indices.valid:
            if dti_index.ref is None:
                continue
            if dti_index.ref in refs:
                self.report.add(
                    ("dti_indices", index, "ref"),
                    f"duplicate DTI ref {dti_index.ref} (first at dti_indices.{refs[dti_index.ref]})",
                )
            else:
                refs[dti_index.ref] = index
        if not refs:
            return
        for index, question in self.questions.valid:
            if question.dti_ref is not None and question.dti_ref not in refs:
                self.report.add(
                    ("questions", index, "dti_ref"), f"dti_ref {question.dti_ref} is no dti_indices[].ref"
                )

    def _check_carry_forward(self) -> None:
        raw = self.document.get("carry_forward")
        if not isinstance(raw, dict) or not isinstance(raw.get("map"), dict):
            return  # absent, or its shape is reported by the schema
        loc: Loc = ("carry_forward", "map")
        if raw.get("from") == self.document.get("version"):
            self.report.add(
                ("carry_forward", "from"), "answers carry forward from an older version, not this one"
            )
        targets: dict[str, str] = {}
        for old, new in raw["map"].items():
            if not isinstance(new, str):
                continue  # reported by the schema
            self._check_question_ref((*loc, old), new)
            if new in targets:
                self.report.add((*loc, old), f"{old} and {targets[new]} both carry into {new}")
            else:
                targets[new] = old

    # -- codes

    def _check_locales(self) -> None:
        locales = self.document.get("locales")
        if isinstance(locales, list):
            for position, locale in repeats(locales):
                self.report.add(("locales", position), f"locale {locale} is listed twice")

    def _check_unique(self, section: _Section[Any], noun: str) -> None:
        first: dict[str, int] = {}
        for index, code in section.codes:
            if code in first:
                earlier = (*section.loc, first[code])
                self.report.add(
                    (*section.loc, index, "code"),
                    f"duplicate {noun} code {code} (first at {format_path(earlier)}, "
                    f"line {self.report.line_of(earlier)})",
                )
            else:
                first[code] = index

    def _check_known(self, loc: Loc, code: str, known: set[str] | None, noun: str) -> bool:
        """Whether `code` names a known item; reports it when it does not."""
        if known is None:
            return False  # the list it would be in is itself broken (and reported)
        if code in known:
            return True
        self.report.add(loc, f"unknown {noun} {code}")
        return False

    def _check_question_ref(self, loc: Loc, code: str) -> bool:
        return self._check_known(loc, code, self.questions.code_set(), "question")

    def _check_policy_refs(self, loc: Loc, codes: Sequence[str]) -> None:
        for position, code in enumerate(codes):
            self._check_cited((*loc, "policy_refs", position), code)

    def _check_cited(self, loc: Loc, code: str) -> None:
        """A citation names a known text; citing one that is no longer in force is a warning."""
        if not self._check_known(loc, code, self.policies.code_set(), "policy"):
            return
        policy = self.policy_models.get(code)
        if policy is None or policy.status == "in_force":
            return
        if policy.status == "superseded":
            replaced = f", superseded by {policy.superseded_by}" if policy.superseded_by else ""
            self.report.warn(loc, f"cites {code}, which is superseded{replaced}")
        else:
            self.report.warn(loc, f"cites {code}, which is repealed")

    def _check_policies(self) -> None:
        known = self.policies.code_set()
        for index, policy in self.policies.valid:
            loc: Loc = ("policies", index)
            if policy.superseded_by is not None:
                if policy.status != "superseded":
                    self.report.add((*loc, "superseded_by"), "superseded_by goes with status: superseded")
                elif policy.superseded_by == policy.code:
                    self.report.add((*loc, "superseded_by"), f"{policy.code} cannot supersede itself")
                else:
                    self._check_known((*loc, "superseded_by"), policy.superseded_by, known, "policy")

    # -- the office's profile

    def _check_profile(self) -> None:
        for index, question in self.profile.valid:
            loc: Loc = ("profile", index)
            if question.type == "yes_no":
                if question.options:
                    self.report.add((*loc, "options"), "a yes_no profile question takes no options")
                continue
            if len(question.options) < 2:
                self.report.add(
                    (*loc, "options"), f"a {question.type} profile question needs 2 options or more"
                )
            for position, code in repeats([option.code for option in question.options]):
                self.report.add((*loc, "options", position, "code"), f"duplicate option code {code}")

    def _check_applies_if(self, owner: Loc, condition: ConditionModel | None) -> None:
        if condition is not None:
            self._check_condition(condition, (*owner, "applies_if"), _Use("applies_if"))

    # -- dimensions

    def _check_dimensions(self) -> None:
        weighted: dict[str, float] = {}
        asked: set[str] = set()
        for _, question in self.questions.valid:
            asked.add(question.dimension)
            weighted[question.dimension] = weighted.get(question.dimension, 0.0) + question.weight
        raw_questions = _raw_list(self.document, ("questions",))
        all_questions_valid = bool(raw_questions) and len(self.questions.valid) == len(raw_questions)
        for index, dimension in self.dimensions.valid:
            loc = ("dimensions", index)
            self._check_applies_if(loc, dimension.applies_if)
            if self.level_count and len(dimension.levels) != self.level_count:
                self.report.add(
                    (*loc, "levels"),
                    f"{len(dimension.levels)} level descriptors for {self.level_count} levels "
                    "(one band each): give one per level, level 1 first",
                )
            if self.level_count and dimension.default_target > self.level_count:
                self.report.add(
                    (*loc, "default_target"),
                    f"the target {dimension.default_target} is above the top level {self.level_count}",
                )
            for position, code in repeats([group.code for group in dimension.groups]):
                self.report.add((*loc, "groups", position, "code"), f"duplicate group code {code}")
            self._check_known((*loc, "group"), dimension.group, self.groups.code_set(), "group")
            self._check_known((*loc, "dti"), dimension.dti, self.dti_indices.code_set(), "DTI index")
            if not all_questions_valid:
                continue  # an invalid question may belong here; do not guess
            if dimension.code not in asked:
                self.report.add(loc, f"dimension {dimension.code} has no questions")
            elif weighted[dimension.code] == 0:
                self.report.add(
                    loc,
                    f"every question of dimension {dimension.code} has weight 0: its score would be 0/0",
                )
        every_dimension_valid = len(self.dimensions.valid) == len(_raw_list(self.document, ("dimensions",)))
        total_weight = sum(dimension.weight for _, dimension in self.dimensions.valid)
        if self.dimensions.valid and every_dimension_valid and total_weight == 0:
            self.report.add(("dimensions",), "the dimension weights sum to 0")

    # -- questions

    def _check_question(self, loc: Loc, question: QuestionFields) -> None:
        self._check_known((*loc, "dimension"), question.dimension, self.dimension_codes, "dimension")
        dimension = next((d for _, d in self.dimensions.valid if d.code == question.dimension), None)
        if dimension is not None:
            groups = [group.code for group in dimension.groups]
            if question.group is not None and question.group not in groups:
                listed = ", ".join(groups) if groups else "none"
                self.report.add(
                    (*loc, "group"), f"{question.dimension} has no group {question.group} (groups: {listed})"
                )
            elif question.group is None and groups and question.weight > 0:
                self.report.add(loc, f"{question.dimension} has groups: a scored question names its group")
        self._check_policy_refs(loc, question.policy_refs)
        kind = QUESTION_TYPES[question.type]
        for where, message in kind.definition_problems(question):
            self.report.add((*loc, *where), message)
        if question.evidence is not None:
            self._check_evidence((*loc, "evidence"), question)
        if question.show_if is not None:
            self._check_condition(
                question.show_if, (*loc, "show_if"), _Use("show_if", question=question.code)
            )
        self._check_applies_if(loc, question.applies_if)

    def _check_evidence(self, loc: Loc, question: QuestionFields) -> None:
        evidence = question.evidence
        assert evidence is not None  # noqa: S101 (the caller checked)
        kind = QUESTION_TYPES[question.type]
        if not kind.scored:
            self.report.add(loc, f"a {kind.name} question is never scored, so it cannot need evidence")
        elif evidence.from_option is not None:
            codes = kind.option_codes(question)
            if codes is None:
                self.report.add(
                    (*loc, "from_option"), f"a {kind.name} question has no options: use from_points"
                )
            elif evidence.from_option not in codes:
                self.report.add(
                    (*loc, "from_option"),
                    f"{question.code} has no option {evidence.from_option} (options: {', '.join(codes)})",
                )

    # -- conditions

    def _check_condition(self, condition: ConditionModel, loc: Loc, use: _Use) -> None:
        if isinstance(condition, AllOfModel):
            for position, item in enumerate(condition.all):
                self._check_condition(item, (*loc, "all", position), use)
        elif isinstance(condition, AnyOfModel):
            for position, item in enumerate(condition.any):
                self._check_condition(item, (*loc, "any", position), use)
        elif isinstance(condition, NotModel):
            self._check_condition(condition.not_, (*loc, "not"), use)
        else:
            self._check_leaf(condition, loc, use)

    def _check_leaf(self, leaf: LeafModel, loc: Loc, use: _Use) -> None:
        op = Operator(leaf.op)
        if leaf.subject == "profile":
            self._check_profile_leaf(leaf, op, loc)
        elif use.kind == "applies_if":
            tested = "an answer" if leaf.subject == "q" else f"a dimension's {leaf.subject}"
            self.report.add(
                (*loc, leaf.subject),
                f"applies_if tests the office's profile (profile: CODE), not {tested}: "
                "what applies is decided by rule, not by how the survey is answered",
            )
        elif leaf.subject == "q":
            self._check_answer_leaf(leaf, op, loc, use)
        else:
            self._check_dimension_leaf(leaf, op, loc, use)

    def _check_answer_leaf(self, leaf: LeafModel, op: Operator, loc: Loc, use: _Use) -> None:
        code = leaf.ref
        if use.kind == "show_if":
            assert use.question is not None  # noqa: S101 (a show_if always has its question)
            if code == use.question:
                self.report.add(
                    (*loc, "q"), f"refers to {code} itself: a question cannot depend on its own answer"
                )
                return
            if code in self.question_positions and self.question_positions[
                code
            ] > self.question_positions.get(use.question, -1):
                self.report.add((*loc, "q"), f"refers to {code}, which comes after {use.question}")
                return
        if not self._check_question_ref((*loc, "q"), code):
            return
        question = self.question_models.get(code)
        if question is None:
            return  # the question itself is broken and reported; its type is unknown
        kind = QUESTION_TYPES[question.type]
        if op not in kind.operators:
            allowed = ", ".join(sorted(kind.operators))
            self.report.add(
                (*loc, "op"),
                f"operator {op} cannot be used on {code}, a {kind.name} question (allowed: {allowed})",
            )
            return
        if op is Operator.IS_NA and not question.allow_na:
            self.report.add((*loc, "op"), f"is_na never holds: {code} does not allow N/A (allow_na: false)")
        if not self._check_value_shape(leaf, op, loc):
            return
        for value_loc, value in _values(leaf, loc):
            problem = kind.condition_value_problem(question, value)
            if problem is not None:
                self.report.add(value_loc, problem)

    def _check_profile_leaf(self, leaf: LeafModel, op: Operator, loc: Loc) -> None:
        code = leaf.ref
        if not self._check_known(
            (*loc, "profile"), code, self.profile.code_set() or set(), "profile question"
        ):
            return
        question = self.profile_models.get(code)
        if question is None:
            return  # the profile question itself is broken and reported
        allowed = _PROFILE_OPERATORS[question.type]
        if op not in allowed:
            self.report.add(
                (*loc, "op"),
                f"operator {op} cannot be used on profile {code}, a {question.type} question "
                f"(allowed: {', '.join(sorted(allowed))})",
            )
            return
        if not self._check_value_shape(leaf, op, loc):
            return
        codes = [option.code for option in question.options]
        for value_loc, value in _values(leaf, loc):
            if question.type == "yes_no":
                if not isinstance(value, bool):
                    self.report.add(value_loc, f"profile {code} is yes_no: the value is true or false")
            elif value not in codes:
                self.report.add(
                    value_loc,
                    f"profile {code} has no option {as_written(value)} (options: {', '.join(codes)})",
                )

    def _check_value_shape(self, leaf: LeafModel, op: Operator, loc: Loc) -> bool:
        if op in STATE_OPERATORS:
            if leaf.has_value:
                self.report.add((*loc, "value"), f"operator {op} takes no value")
            return False
        if not leaf.has_value or leaf.value is None:
            self.report.add(loc, f"operator {op} needs a value")
            return False
        if op in LIST_OPERATORS:
            if not isinstance(leaf.value, list) or not leaf.value:
                self.report.add((*loc, "value"), f"operator {op} needs a non-empty list of values")
                return False
        elif isinstance(leaf.value, list):
            self.report.add((*loc, "value"), f"operator {op} needs one value, not a list")
            return False
        return True

    def _check_dimension_leaf(self, leaf: LeafModel, op: Operator, loc: Loc, use: _Use) -> None:
        subject, code = leaf.subject, leaf.ref
        if use.kind == "show_if":
            self.report.add(
                (*loc, subject),
                f"show_if may refer only to earlier answers (q), not to a dimension's {subject}",
            )
            return
        if not self._check_known((*loc, subject), code, self.dimension_codes, "dimension"):
            return
        if use.kind == "gate" and code == use.dimension:
            self.report.add(
                (*loc, subject),
                f"a gate of {code} cannot depend on {code}'s own {subject}: it would cap itself",
            )
        if op not in _DIMENSION_OPERATORS:
            allowed = ", ".join(sorted(_DIMENSION_OPERATORS))
            self.report.add(
                (*loc, "op"), f"operator {op} cannot be used on a dimension's {subject} (allowed: {allowed})"
            )
            return
        if not self._check_value_shape(leaf, op, loc):
            return
        for value_loc, value in _values(leaf, loc):
            if subject == "score":
                if not _is_number(value) or not 0 <= value <= 100:
                    self.report.add(value_loc, f"a score is a number from 0 to 100, not {as_written(value)}")
            else:
                top = self.level_count or 5
                low, high = (1, top) if subject == "level" else (0, top - 1)
                if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                    self.report.add(
                        value_loc,
                        f"a {subject} is a whole number from {low} to {high}, not {as_written(value)}",
                    )

    # -- scoring

    def _check_bands(self) -> None:
        raw = _raw_list(self.document, ("scoring", "bands"))
        bands = self.bands.valid
        if not bands or len(bands) != len(raw):
            return  # ranges cannot be judged with a band missing
        loc: Loc = ("scoring", "bands")
        for index, band in bands:
            if band.min >= band.max:
                self.report.add(
                    (*loc, index, "max"),
                    f"max {as_written(band.max)} must be above min {as_written(band.min)}",
                )
        first, last = bands[0][1], bands[-1][1]
        if first.min != 0:
            self.report.add((*loc, 0, "min"), f"the first band must start at 0, not {as_written(first.min)}")
        if last.max != 100:
            self.report.add(
                (*loc, len(bands) - 1, "max"), f"the last band must end at 100, not {as_written(last.max)}"
            )
        for (_, previous), (index, band) in itertools.pairwise(bands):
            if band.min < previous.max:
                self.report.add(
                    (*loc, index, "min"),
                    f"overlaps the band before: it starts at {as_written(band.min)}, "
                    f"before that band ends at {as_written(previous.max)}",
                )
            elif band.min > previous.max:
                self.report.add(
                    (*loc, index, "min"),
                    f"leaves a gap from {as_written(previous.max)} to {as_written(band.min)}: "
                    "no level covers it",
                )
        seen: dict[int, int] = {}
        for index, band in bands:
            if band.level in seen:
                self.report.add(
                    (*loc, index, "level"),
                    f"level {band.level} already has a band ({format_path((*loc, seen[band.level]))})",
                )
            else:
                seen[band.level] = index
        top = self.level_count or 5
        missing = [str(level) for level in range(1, top + 1) if level not in seen]
        if missing:
            self.report.add(
                loc, f"no band for level {', '.join(missing)}: levels 1 to {top} need one band each"
            )
        levels = [band.level for _, band in bands]
        if not missing and len(levels) == len(set(levels)) and levels != sorted(levels):
            self.report.add(loc, "bands must ascend by level, level 1 first")

    def _check_gates(self) -> None:
        # Gates that read other dimensions' levels must not form a loop, or no level could be final.
        depends_on: dict[str, list[tuple[str, Loc]]] = {}
        for index, gate in self.gates.valid:
            loc: Loc = ("scoring", "gates", index)
            self._check_known((*loc, "dimension"), gate.dimension, self.dimension_codes, "dimension")
            self._check_condition(gate.when, (*loc, "when"), _Use("gate", dimension=gate.dimension))
            self._check_applies_if(loc, gate.applies_if)
            if self.level_count and gate.max_level >= self.level_count:
                self.report.add(
                    (*loc, "max_level"),
                    f"a cap at level {gate.max_level} caps nothing: "
                    f"the framework has {self.level_count} levels",
                )
            for leaf, leaf_loc in _leaves(gate.when, (*loc, "when")):
                if leaf.subject in ("level", "gap") and leaf.ref != gate.dimension:
                    depends_on.setdefault(gate.dimension, []).append((leaf.ref, (*leaf_loc, leaf.subject)))
        for cycle, cycle_loc in _cycles(depends_on):
            self.report.add(cycle_loc, f"gates depend on each other's levels in a loop: {' → '.join(cycle)}")

    # -- initiatives

    def _check_effect(self, loc: Loc, effect: EffectModel) -> None:
        """An effect names a real, scored question and an answer that question can have."""
        if not self._check_question_ref((*loc, "question"), effect.question):
            return
        question = self.question_models.get(effect.question)
        if question is None:
            return  # the question itself is broken and reported
        kind = QUESTION_TYPES[question.type]
        if question.type in _EFFECT_TYPES_REFUSED:
            self.report.add(
                loc, f"{question.code} is a {kind.name} question: an effect cannot set its answer"
            )
            return
        if not kind.scored or question.weight == 0:
            self.report.add(
                (*loc, "question"),
                f"{question.code} is never scored (weight 0): an effect on it changes nothing",
            )
            return
        if effect.at_least is not None:
            if Operator.GE not in kind.operators:
                self.report.add(
                    (*loc, "at_least"),
                    f"{question.code} is a {kind.name} question, which has no order: use value",
                )
                return
            problem = kind.condition_value_problem(question, effect.at_least)
            if problem is not None:
                self.report.add((*loc, "at_least"), problem)
            return
        if isinstance(effect.value, list):
            if question.type != "multi_choice":
                self.report.add((*loc, "value"), f"{question.code} takes one value, not a list")
                return
            values: list[tuple[Loc, object]] = [
                ((*loc, "value", position), value) for position, value in enumerate(effect.value)
            ]
        else:
            values = [((*loc, "value"), effect.value)]
        for value_loc, value in values:
            problem = kind.condition_value_problem(question, value)
            if problem is not None:
                self.report.add(value_loc, problem.replace("compare it with", "its answer is"))

    def _check_obligation(self, loc: Loc, initiative: InitiativeModel) -> None:
        obligation = initiative.obligation
        assert obligation is not None  # noqa: S101 (the caller checked)
        if not initiative.mandatory:
            self.report.add(
                (*loc, "obligation"), "only a mandatory initiative carries an obligation (mandatory: true)"
            )
        if initiative.deadline is not None:
            self.report.add(
                (*loc, "deadline"), "an initiative with an obligation gives its date as obligation.due"
            )
        self._check_cited((*loc, "obligation", "source"), obligation.source)
        self._check_applies_if((*loc, "obligation"), obligation.applies_if)
        # The trigger of an obligation tests the legal fact (answers, the profile), never a level: a level
        # test makes a plan say "overdue" of an office that has done what the text requires.
        for leaf, leaf_loc in _leaves(initiative.trigger, (*loc, "trigger")):
            if leaf.subject in ("score", "level", "gap"):
                self.report.add(
                    (*leaf_loc, leaf.subject),
                    "the trigger of an obligation tests the legal fact (answers, profile), "
                    f"not a {leaf.subject}",
                )

    def _check_initiatives(self) -> None:
        known = self.initiatives.code_set()
        prerequisites: dict[str, list[tuple[str, Loc]]] = {}
        for index, initiative in self.initiatives.valid:
            loc = ("initiatives", index)
            for position, uplift in enumerate(initiative.raises):
                self._check_known(
                    (*loc, "raises", position, "dimension"),
                    uplift.dimension,
                    self.dimension_codes,
                    "dimension",
                )
            for position, code in repeats([uplift.dimension for uplift in initiative.raises]):
                self.report.add((*loc, "raises", position, "dimension"), f"{code} is raised twice")
            if not initiative.raises and not initiative.effects:
                self.report.add(loc, "an initiative needs effects: the answers it brings about when done")
            for position, effect in enumerate(initiative.effects):
                self._check_effect((*loc, "effects", position), effect)
            for position, code in repeats([effect.question for effect in initiative.effects]):
                self.report.add((*loc, "effects", position, "question"), f"{code} has two effects")
            self._check_condition(initiative.trigger, (*loc, "trigger"), _Use("trigger"))
            for position, code in enumerate(initiative.prerequisites):
                prerequisite_loc = (*loc, "prerequisites", position)
                if code == initiative.code:
                    self.report.add(prerequisite_loc, f"{code} cannot be its own prerequisite")
                elif self._check_known(prerequisite_loc, code, known, "initiative"):
                    prerequisites.setdefault(initiative.code, []).append((code, prerequisite_loc))
            for position, code in repeats(initiative.prerequisites):
                self.report.add((*loc, "prerequisites", position), f"{code} is listed twice")
            if initiative.deadline is not None and not initiative.mandatory:
                self.report.add(
                    (*loc, "deadline"), "only a mandatory initiative has a deadline (mandatory: true)"
                )
            if initiative.obligation is not None:
                self._check_obligation(loc, initiative)
            self._check_policy_refs(loc, initiative.policy_refs)
        for cycle, cycle_loc in _cycles(prerequisites):
            self.report.add(cycle_loc, f"prerequisite cycle: {' → '.join(cycle)}")


_DIMENSION_OPERATORS = EQUALITY_OPERATORS | ORDER_OPERATORS | LIST_OPERATORS
_EFFECT_TYPES_REFUSED = frozenset({"text", "date"})
# A profile answer is given or not (no N/A, no "don't know"): is_na never applies.
_PROFILE_STATES = frozenset({Operator.ANSWERED, Operator.UNANSWERED})
_PROFILE_OPERATORS: dict[str, frozenset[Operator]] = {
    "single_choice": _PROFILE_STATES | EQUALITY_OPERATORS | LIST_OPERATORS,
    "multi_choice": _PROFILE_STATES | {Operator.CONTAINS},
    "yes_no": _PROFILE_STATES | EQUALITY_OPERATORS,
}


def _is_number(value: object) -> TypeGuard[float | int]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _raw_list(document: dict[Any, Any], loc: Loc) -> list[Any]:
    raw: Any = document
    for key in loc:
        raw = raw.get(key) if isinstance(raw, dict) else None
    return raw if isinstance(raw, list) else []


def _values(leaf: LeafModel, loc: Loc) -> Iterator[tuple[Loc, object]]:
    if isinstance(leaf.value, list):
        for position, value in enumerate(leaf.value):
            yield (*loc, "value", position), value
    else:
        yield (*loc, "value"), leaf.value


def _leaves(condition: ConditionModel, loc: Loc) -> Iterator[tuple[LeafModel, Loc]]:
    if isinstance(condition, AllOfModel):
        for position, item in enumerate(condition.all):
            yield from _leaves(item, (*loc, "all", position))
    elif isinstance(condition, AnyOfModel):
        for position, item in enumerate(condition.any):
            yield from _leaves(item, (*loc, "any", position))
    elif isinstance(condition, NotModel):
        yield from _leaves(condition.not_, (*loc, "not"))
    else:
        yield condition, loc


def _cycles(edges: dict[str, list[tuple[str, Loc]]]) -> Iterator[tuple[list[str], Loc]]:
    """Each cycle of a graph once: its path (first node repeated last) and the edge leaving its first node.

    Nodes are visited in the order of `edges`, i.e. file order, so a cycle is reported where it starts.
    """
    visited: set[str] = set()
    reported: set[frozenset[str]] = set()

    def visit(node: str, path: list[str]) -> Iterator[tuple[list[str], Loc]]:
        path.append(node)
        for target, _ in edges.get(node, ()):
            if target in path:
                cycle = [*path[path.index(target) :], target]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    yield cycle, next(loc for head, loc in edges[cycle[0]] if head == cycle[1])
            elif target not in visited:
                yield from visit(target, path)
        path.pop()
        visited.add(node)

    for start in list(edges):
        if start not in visited:
            yield from visit(start, [])


# --- building the immutable objects ---------------------------------------------------------------------


class _Builder:
    """Turns a validated, cross-checked model into the frozen objects of roadmap.engine.framework."""

    def __init__(self, model: FrameworkModel) -> None:
        self.model = model
        self.locales = tuple(dict.fromkeys(model.locales))
        self.questions = {question.code: question for question in model.questions}

    def framework(self) -> Framework:
        model = self.model
        scoring = model.scoring
        return Framework(
            id=model.id,
            version=model.version,
            title=self.text(model.title),
            description=self.text(model.description),
            locales=self.locales,
            published=model.published,
            policies=tuple(
                PolicyReference(
                    policy.code,
                    self.text(policy.title),
                    policy.valid_from,
                    PolicyStatus(policy.status),
                    policy.superseded_by,
                )
                for policy in model.policies
            ),
            dti_indices=tuple(
                DtiIndex(index.code, self.text(index.name), index.ref) for index in model.dti_indices
            ),
            groups=tuple(IndexGroup(group.code, self.text(group.name)) for group in model.groups),
            profile=tuple(self.profile_question(question) for question in model.profile),
            dimensions=tuple(self.dimension(dimension) for dimension in model.dimensions),
            questions=tuple(self.question(question) for question in model.questions),
            scoring=ScoringRules(
                bands=tuple(Band(band.level, band.min, band.max) for band in scoring.bands),
                score_decimals=scoring.score_decimals,
                index_decimals=scoring.index_decimals,
                dont_know_points=scoring.dont_know_points,
                evidence_discount=scoring.evidence_discount,
                aggregation=Aggregation(scoring.aggregation),
                unanswered=Unanswered(scoring.unanswered),
                scale=(
                    Scale(scoring.scale.min, scoring.scale.max, scoring.scale.decimals)
                    if scoring.scale is not None
                    else None
                ),
                gates=tuple(
                    Gate(
                        gate.code,
                        gate.dimension,
                        gate.max_level,
                        self.condition(gate.when),
                        self.text(gate.message),
                        self.optional_condition(gate.applies_if),
                    )
                    for gate in scoring.gates
                ),
                consistency=tuple(
                    ConsistencyCheck(
                        check.code,
                        tuple(check.questions),
                        self.condition(check.when),
                        self.text(check.message),
                    )
                    for check in scoring.consistency
                ),
            ),
            initiatives=tuple(self.initiative(initiative) for initiative in model.initiatives),
            carry_forward=(
                CarryForward(model.carry_forward.from_, tuple(model.carry_forward.map.items()))
                if model.carry_forward is not None
                else None
            ),
        )

    def text(self, translations: dict[str, str]) -> LocalText:
        return LocalText(tuple((locale, translations[locale]) for locale in self.locales))

    def dimension(self, dimension: DimensionModel) -> Dimension:
        return Dimension(
            code=dimension.code,
            name=self.text(dimension.name),
            description=self.text(dimension.description),
            weight=dimension.weight,
            group=dimension.group,
            dti=dimension.dti,
            default_target=dimension.default_target,
            levels=tuple(self.text(level) for level in dimension.levels),
            applies_if=self.optional_condition(dimension.applies_if),
            groups=tuple(SubGroup(g.code, self.text(g.name), g.weight) for g in dimension.groups),
        )

    def profile_question(self, question: ProfileQuestionModel) -> ProfileQuestion:
        return ProfileQuestion(
            code=question.code,
            type=ProfileType(question.type),
            text=self.text(question.text),
            help=self.text(question.help) if question.help is not None else None,
            options=tuple(Option(option.code, self.text(option.label), 0.0) for option in question.options),
        )

    def question(self, question: QuestionFields) -> Question:
        kind = QUESTION_TYPES[question.type]
        fields = kind.fields(question, self.text, self.locales)
        threshold: float | None = None
        evidence_option: str | None = None
        if question.evidence is not None:
            evidence_option = question.evidence.from_option
            if evidence_option is not None:
                options = fields.get("options", ())
                threshold = next(option.points for option in options if option.code == evidence_option)
            else:
                threshold = question.evidence.from_points
        return Question(
            code=question.code,
            dimension=question.dimension,
            type=kind.name,
            text=self.text(question.text),
            weight=question.weight,
            help=self.text(question.help) if question.help is not None else None,
            policy_refs=tuple(question.policy_refs),
            critical=question.critical,
            required=question.required,
            allow_na=question.allow_na,
            allow_dont_know=question.allow_dont_know,
            measurability=Measurability(question.measurability),
            dti_ref=question.dti_ref,
            show_if=self.condition(question.show_if) if question.show_if is not None else None,
            evidence_threshold=threshold,
            evidence_from_option=evidence_option,
            evidence_sighted=question.evidence is not None and question.evidence.sighted,
            applies_if=self.optional_condition(question.applies_if),
            group=question.group,
            **fields,
        )

    def initiative(self, initiative: InitiativeModel) -> Initiative:
        return Initiative(
            code=initiative.code,
            name=self.text(initiative.name),
            description=self.text(initiative.description),
            raises=tuple(Uplift(uplift.dimension, uplift.levels) for uplift in initiative.raises),
            trigger=self.condition(initiative.trigger),
            prerequisites=tuple(initiative.prerequisites),
            duration_months=initiative.duration_months,
            effort_person_months=initiative.effort_person_months,
            cost_class=CostClass(initiative.cost_class),
            mandatory=initiative.mandatory,
            deadline=initiative.deadline,
            policy_refs=tuple(initiative.policy_refs),
            kpis=tuple(self.text(kpi) for kpi in initiative.kpis),
            effects=tuple(self.effect(effect) for effect in initiative.effects),
            obligation=self.obligation(initiative.obligation) if initiative.obligation is not None else None,
        )

    def obligation(self, obligation: ObligationModel) -> Obligation:
        due = obligation.due
        return Obligation(
            kind=ObligationKind(obligation.kind),
            source=obligation.source,
            applies_if=self.optional_condition(obligation.applies_if),
            due_date=due if isinstance(due, dt.date) else None,
            due_months=due.months_after_start if isinstance(due, DueAfterModel) else None,
        )

    def effect(self, effect: EffectModel) -> Effect:
        question = self.questions[effect.question]
        kind = QUESTION_TYPES[question.type]
        if effect.at_least is not None:
            floor = kind.condition_value(question, effect.at_least)
            assert isinstance(floor, str | float)  # noqa: S101 (checked: a number or an option code)
            return Effect(question.code, question.dimension, at_least=floor)
        value: AnswerValue
        if isinstance(effect.value, list):
            value = frozenset(str(item) for item in effect.value)
        elif question.type == "multi_choice":
            value = frozenset({str(effect.value)})
        else:
            assert effect.value is not None  # noqa: S101 (checked: exactly one of value, at_least)
            typed = kind.condition_value(question, effect.value)
            value = float(typed) if isinstance(typed, int) and not isinstance(typed, bool) else typed
        return Effect(question.code, question.dimension, value=value)

    def optional_condition(self, condition: ConditionModel | None) -> Condition | None:
        return None if condition is None else self.condition(condition)

    def condition(self, condition: ConditionModel) -> Condition:
        if isinstance(condition, AllOfModel):
            return AllOf(tuple(self.condition(item) for item in condition.all))
        if isinstance(condition, AnyOfModel):
            return AnyOf(tuple(self.condition(item) for item in condition.any))
        if isinstance(condition, NotModel):
            return Not(self.condition(condition.not_))
        return self.leaf(condition)

    def leaf(self, leaf: LeafModel) -> Leaf:
        subject, op = Subject(leaf.subject), Operator(leaf.op)
        if op in STATE_OPERATORS:
            return Leaf(subject, leaf.ref, op)
        option_order: tuple[str, ...] = ()
        typed: Callable[[ScalarValue], str | bool | float | int]
        if subject is Subject.PROFILE:

            def typed(value: ScalarValue) -> str | bool | float | int:
                return value

        elif subject is Subject.ANSWER:
            question = self.questions[leaf.ref]
            kind = QUESTION_TYPES[question.type]
            option_order = kind.option_order(question)

            def typed(value: ScalarValue) -> str | bool | float | int:
                return kind.condition_value(question, value)

        else:
            as_type = float if subject is Subject.SCORE else int

            def typed(value: ScalarValue) -> str | bool | float | int:
                return value if isinstance(value, str) else as_type(value)

        value: LeafValue
        if isinstance(leaf.value, list):
            value = tuple(typed(item) for item in leaf.value)
        else:
            assert leaf.value is not None  # noqa: S101 (the checks require a value for this operator)
            value = typed(leaf.value)
        return Leaf(subject, leaf.ref, op, value, option_order)
