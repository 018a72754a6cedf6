"""The building blocks of the framework file's pydantic models: strict models, per-locale texts, codes,
points, the condition language, options, value steps, evidence and the keys every question has.

The document model (roadmap.engine.schema) and the question types (roadmap.engine.question_types), which
add each type's own keys, are built from these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    StringConstraints,
    Tag,
    ValidationInfo,
    model_validator,
)

LOCALES_CONTEXT_KEY = "locales"

# The tag names of condition kinds and of question types; pydantic puts them in error locations, and the
# loader removes them.
CONDITION_TAG_PREFIX = "condition:"
QUESTION_TAG_PREFIX = "question:"

FRAMEWORK_ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
VERSION_PATTERN = r"^[0-9]+(\.[0-9]+)*([-+][0-9A-Za-z.-]+)?$"
LOCALE_PATTERN = r"^[a-z]{2,3}(-[A-Z]{2})?$"
DIMENSION_CODE_PATTERN = r"^[A-Z][A-Z0-9_]{1,15}$"
QUESTION_CODE_PATTERN = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$"
OPTION_CODE_PATTERN = r"^[a-z0-9_]+$"
# Initiatives, gates, consistency checks, policies, DTI indices: upper-case words joined by - or _.
REFERENCE_CODE_PATTERN = r"^[A-Z][A-Z0-9]*([-_][A-Z0-9]+)*$"
GROUP_CODE_PATTERN = r"^[a-z][a-z0-9_-]*$"

DimensionCode = Annotated[str, StringConstraints(pattern=DIMENSION_CODE_PATTERN)]
QuestionCode = Annotated[str, StringConstraints(pattern=QUESTION_CODE_PATTERN)]
OptionCode = Annotated[str, StringConstraints(pattern=OPTION_CODE_PATTERN)]
ReferenceCode = Annotated[str, StringConstraints(pattern=REFERENCE_CODE_PATTERN)]
GroupCode = Annotated[str, StringConstraints(pattern=GROUP_CODE_PATTERN)]

Points = Annotated[float, Field(ge=0, le=1)]
Weight = Annotated[float, Field(ge=0)]
Level = Annotated[int, Field(ge=1, le=5)]
# YAML reads 2026-11-01 as a date; a quoted "2026-11-01" is accepted too, since it means the same.
IsoDate = Annotated[dt.date, Field(strict=False)]


def file_number(value: float) -> float | int:
    """A number as the file form writes it: 3 and 3.0 load to the same object, and one canonical spelling
    keeps the fingerprint and the export stable."""
    return int(value) if float(value).is_integer() else value


def as_written(value: object) -> str:
    """A value as it would be written in the YAML file (for problems that quote it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(as_written(item) for item in value) + "]"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def repeats(items: Iterable[Any]) -> Iterator[tuple[int, Any]]:
    """(position, item) of every item that already appeared earlier."""
    seen: set[Any] = set()
    for position, item in enumerate(items):
        key: Any
        try:
            hash(item)
            key = (True, item)
        except TypeError:  # a list or a mapping where a code belongs: compared by its text (found by fuzzing)
            key = (False, repr(item))
        if key in seen:
            yield position, item
        seen.add(key)


def _check_locales(translations: dict[str, str], info: ValidationInfo) -> dict[str, str]:
    locales: tuple[str, ...] = (info.context or {}).get(LOCALES_CONTEXT_KEY, ())
    faults: list[str] = []
    if locales:
        missing = [locale for locale in locales if locale not in translations]
        extra = [locale for locale in translations if locale not in locales]
        if missing:
            faults.append("missing locale " + ", ".join(missing))
        if extra:
            faults.append("locale " + ", ".join(extra) + " is not in `locales` (" + ", ".join(locales) + ")")
    empty = [locale for locale, text in translations.items() if not text.strip()]
    if empty:
        faults.append("empty text in locale " + ", ".join(empty))
    if faults:
        raise ValueError("; ".join(faults))
    return translations


LocalTextMap = Annotated[dict[str, str], AfterValidator(_check_locales)]


class StrictModel(BaseModel):
    """Unknown keys are errors, and "3" is not a number."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --- conditions -----------------------------------------------------------------------------------------

ScalarValue = str | bool | int | float
ConditionValue = ScalarValue | list[ScalarValue]
OperatorName = Literal[
    "eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "contains", "answered", "unanswered", "is_na"
]


def _scalar_or_list(value: object) -> ConditionValue:
    # One message for a bad value instead of one per member of a union; whether the value suits the
    # subject and operator is the loader's business, because it needs the question's type.
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list) and all(isinstance(item, (str, bool, int, float)) for item in value):
        return list(value)
    raise ValueError("a condition value must be a string, number, boolean or a list of them")


LEAF_SUBJECTS = ("q", "profile", "score", "level", "gap")


class LeafModel(StrictModel):
    q: str | None = None
    profile: str | None = None
    score: str | None = None
    level: str | None = None
    gap: str | None = None
    op: OperatorName
    value: Annotated[ConditionValue, PlainValidator(_scalar_or_list)] | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> LeafModel:
        subjects = [key for key in LEAF_SUBJECTS if getattr(self, key) is not None]
        if len(subjects) != 1:
            found = ", ".join(subjects) if subjects else "none"
            raise ValueError(
                f"a condition leaf needs exactly one subject of {', '.join(LEAF_SUBJECTS)} (found {found})"
            )
        return self

    @property
    def subject(self) -> Literal["q", "profile", "score", "level", "gap"]:
        if self.q is not None:
            return "q"
        if self.profile is not None:
            return "profile"
        if self.score is not None:
            return "score"
        if self.level is not None:
            return "level"
        return "gap"

    @property
    def ref(self) -> str:
        return self.q or self.profile or self.score or self.level or self.gap or ""

    @property
    def has_value(self) -> bool:
        return "value" in self.model_fields_set


class AllOfModel(StrictModel):
    all: Annotated[list[ConditionModel], Field(min_length=1)]


class AnyOfModel(StrictModel):
    any: Annotated[list[ConditionModel], Field(min_length=1)]


class NotModel(StrictModel):
    not_: ConditionModel = Field(alias="not")


def _condition_kind(raw: Any) -> str | None:
    if isinstance(raw, BaseModel):
        raw = raw.model_dump(by_alias=True)
    if not isinstance(raw, dict):
        return None
    for key in ("all", "any", "not"):
        if key in raw:
            return CONDITION_TAG_PREFIX + key
    return CONDITION_TAG_PREFIX + "leaf"


ConditionModel = Annotated[
    Annotated[AllOfModel, Tag(CONDITION_TAG_PREFIX + "all")]
    | Annotated[AnyOfModel, Tag(CONDITION_TAG_PREFIX + "any")]
    | Annotated[NotModel, Tag(CONDITION_TAG_PREFIX + "not")]
    | Annotated[LeafModel, Tag(CONDITION_TAG_PREFIX + "leaf")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition_shape",
        custom_error_message="a condition is a mapping: {all: [...]}, {any: [...]}, {not: ...} or a leaf",
    ),
]

# --- questions ------------------------------------------------------------------------------------------


class OptionModel(StrictModel):
    code: OptionCode
    label: LocalTextMap
    points: Points
    exclusive: bool = False


class ValueStepModel(StrictModel):
    at_least: float
    points: Points


class EvidenceModel(StrictModel):
    from_option: OptionCode | None = None
    from_points: Points | None = None
    # Classified evidence (state secrets, cipher devices, dossiers of classified systems): expected as
    # sighted on site by the consultant, never uploaded. Says what to bring; scores like any evidence.
    sighted: bool = False

    @model_validator(mode="after")
    def _one_rule(self) -> EvidenceModel:
        if (self.from_option is None) == (self.from_points is None):
            raise ValueError("evidence needs exactly one of from_option, from_points")
        return self


class QuestionFields(StrictModel):
    """The keys of every question, whatever its type; each type's model adds its own
    (roadmap.engine.question_types)."""

    code: QuestionCode
    dimension: DimensionCode
    type: str
    text: LocalTextMap
    help: LocalTextMap | None = None
    policy_refs: list[ReferenceCode] = []
    weight: Weight
    critical: bool = False
    required: bool = True
    allow_na: bool = False
    allow_dont_know: bool = True
    measurability: Literal["measured", "self_assessed", "auto_checkable"] = "self_assessed"
    dti_ref: Annotated[str, StringConstraints(min_length=1)] | None = None
    show_if: ConditionModel | None = None
    applies_if: ConditionModel | None = None
    group: GroupCode | None = None
    evidence: EvidenceModel | None = None


AllOfModel.model_rebuild()
AnyOfModel.model_rebuild()
NotModel.model_rebuild()
QuestionFields.model_rebuild()
