"""The framework file format as strict pydantic models: shapes, types and ranges (docs/framework-format.md).

These models check one file's structure; everything that relates one part of the file to another (codes,
references, condition types, bands, cycles) is checked by the loader, which also turns validated models
into the immutable objects of `roadmap.engine.framework`.

Models are strict: unknown keys are errors, and "3" is not a number. Per-locale maps are checked against the
file's own `locales`, passed in the validation context under LOCALES_CONTEXT_KEY.
"""

from __future__ import annotations

import datetime as dt
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

FORMAT_VERSION = 1
LOCALES_CONTEXT_KEY = "locales"

# The tag names of condition kinds; pydantic puts them in error locations, and the loader removes them.
CONDITION_TAG_PREFIX = "condition:"

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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class PolicyModel(_Strict):
    code: ReferenceCode
    title: LocalTextMap


class DtiIndexModel(_Strict):
    code: ReferenceCode
    name: LocalTextMap


class GroupModel(_Strict):
    code: GroupCode
    name: LocalTextMap


class DimensionModel(_Strict):
    code: DimensionCode
    name: LocalTextMap
    description: LocalTextMap
    weight: Annotated[float, Field(gt=0)]
    group: GroupCode
    dti: ReferenceCode
    default_target: Level
    levels: Annotated[list[LocalTextMap], Field(min_length=5, max_length=5)]


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


class LeafModel(_Strict):
    q: str | None = None
    score: str | None = None
    level: str | None = None
    gap: str | None = None
    op: OperatorName
    value: Annotated[ConditionValue, PlainValidator(_scalar_or_list)] | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> LeafModel:
        subjects = [key for key in ("q", "score", "level", "gap") if getattr(self, key) is not None]
        if len(subjects) != 1:
            found = ", ".join(subjects) if subjects else "none"
            raise ValueError(
                f"a condition leaf needs exactly one subject of q, score, level, gap (found {found})"
            )
        return self

    @property
    def subject(self) -> Literal["q", "score", "level", "gap"]:
        if self.q is not None:
            return "q"
        if self.score is not None:
            return "score"
        if self.level is not None:
            return "level"
        return "gap"

    @property
    def ref(self) -> str:
        return self.q or self.score or self.level or self.gap or ""

    @property
    def has_value(self) -> bool:
        return "value" in self.model_fields_set


class AllOfModel(_Strict):
    all: Annotated[list[ConditionModel], Field(min_length=1)]


class AnyOfModel(_Strict):
    any: Annotated[list[ConditionModel], Field(min_length=1)]


class NotModel(_Strict):
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

QuestionTypeName = Literal["single_choice", "multi_choice", "scale", "yes_no", "number", "percent", "text"]


class OptionModel(_Strict):
    code: OptionCode
    label: LocalTextMap
    points: Points
    exclusive: bool = False


class ValueStepModel(_Strict):
    at_least: float
    points: Points


class EvidenceModel(_Strict):
    from_option: OptionCode | None = None
    from_points: Points | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> EvidenceModel:
        if (self.from_option is None) == (self.from_points is None):
            raise ValueError("evidence needs exactly one of from_option, from_points")
        return self


class QuestionModel(_Strict):
    code: QuestionCode
    dimension: DimensionCode
    type: QuestionTypeName
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
    evidence: EvidenceModel | None = None
    options: list[OptionModel] | None = None
    unit: LocalTextMap | None = None
    min: float | None = None
    max: float | None = None
    points_by_value: list[ValueStepModel] | None = None


# --- scoring --------------------------------------------------------------------------------------------


class BandModel(_Strict):
    level: Level
    min: Annotated[float, Field(ge=0, le=100)]
    max: Annotated[float, Field(ge=0, le=100)]


class GateModel(_Strict):
    code: ReferenceCode
    dimension: DimensionCode
    # A cap at 5 caps nothing.
    max_level: Annotated[int, Field(ge=1, le=4)]
    when: ConditionModel
    message: LocalTextMap


class ConsistencyModel(_Strict):
    code: ReferenceCode
    questions: Annotated[list[QuestionCode], Field(min_length=2)]
    when: ConditionModel
    message: LocalTextMap


class ScoringModel(_Strict):
    bands: Annotated[list[BandModel], Field(min_length=1)]
    score_decimals: Annotated[int, Field(ge=0, le=4)]
    index_decimals: Annotated[int, Field(ge=0, le=4)]
    dont_know_points: Points
    evidence_discount: Points
    gates: list[GateModel] = []
    consistency: list[ConsistencyModel] = []


# --- initiatives ----------------------------------------------------------------------------------------


class UpliftModel(_Strict):
    dimension: DimensionCode
    levels: Annotated[int, Field(ge=1, le=4)]


class InitiativeModel(_Strict):
    code: ReferenceCode
    name: LocalTextMap
    description: LocalTextMap
    raises: Annotated[list[UpliftModel], Field(min_length=1)]
    trigger: ConditionModel
    prerequisites: list[ReferenceCode] = []
    duration_months: Annotated[int, Field(ge=1)]
    effort_person_months: Annotated[float, Field(gt=0)]
    cost_class: Literal["S", "M", "L", "XL"]
    mandatory: bool = False
    deadline: IsoDate | None = None
    policy_refs: list[ReferenceCode] = []
    kpis: list[LocalTextMap] = []


# --- the document ---------------------------------------------------------------------------------------


class FrameworkModel(_Strict):
    format: Literal[1]
    id: Annotated[str, StringConstraints(pattern=FRAMEWORK_ID_PATTERN)]
    version: Annotated[str, StringConstraints(pattern=VERSION_PATTERN)]
    title: LocalTextMap
    description: LocalTextMap
    locales: Annotated[list[Annotated[str, StringConstraints(pattern=LOCALE_PATTERN)]], Field(min_length=1)]
    published: IsoDate
    policies: list[PolicyModel]
    dti_indices: Annotated[list[DtiIndexModel], Field(min_length=1)]
    groups: Annotated[list[GroupModel], Field(min_length=1)]
    dimensions: Annotated[list[DimensionModel], Field(min_length=1)]
    questions: Annotated[list[QuestionModel], Field(min_length=1)]
    scoring: ScoringModel
    initiatives: list[InitiativeModel]


AllOfModel.model_rebuild()
AnyOfModel.model_rebuild()
NotModel.model_rebuild()
QuestionModel.model_rebuild()
GateModel.model_rebuild()
ConsistencyModel.model_rebuild()
InitiativeModel.model_rebuild()
FrameworkModel.model_rebuild()
