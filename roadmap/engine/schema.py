"""The framework file format as strict pydantic models: shapes, types and ranges (docs/framework-format.md).

These models check one file's structure; everything that relates one part of the file to another (codes,
references, condition types, bands, cycles) is checked by the loader, which also turns validated models
into the immutable objects of `roadmap.engine.framework`.

Models are strict: unknown keys are errors, and "3" is not a number. Per-locale maps are checked against the
file's own `locales`, passed in the validation context under LOCALES_CONTEXT_KEY. A question is validated by
the model of its type (roadmap.engine.question_types): the keys every question has and the type's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    TypeAdapter,
    model_validator,
)

from roadmap.engine.question_types import QUESTION_TYPES
from roadmap.engine.schema_base import (
    FRAMEWORK_ID_PATTERN,
    LOCALE_PATTERN,
    QUESTION_TAG_PREFIX,
    VERSION_PATTERN,
    ConditionModel,
    DimensionCode,
    GroupCode,
    IsoDate,
    LocalTextMap,
    OptionCode,
    Points,
    QuestionCode,
    QuestionFields,
    ReferenceCode,
    ScalarValue,
    StrictModel,
)

FORMAT_VERSION = 1


class PolicyModel(StrictModel):
    code: ReferenceCode
    title: LocalTextMap
    valid_from: IsoDate | None = None
    status: Literal["in_force", "superseded", "repealed"] = "in_force"
    superseded_by: ReferenceCode | None = None


class DtiIndexModel(StrictModel):
    code: ReferenceCode
    name: LocalTextMap
    # The DTI's own number of this main index: questions whose dti_ref is this value feed it (the DTI view).
    ref: Annotated[str, StringConstraints(min_length=1)] | None = None


class GroupModel(StrictModel):
    code: GroupCode
    name: LocalTextMap


class SubGroupModel(StrictModel):
    code: GroupCode
    name: LocalTextMap
    weight: Annotated[float, Field(gt=0)] = 1


class DimensionModel(StrictModel):
    code: DimensionCode
    name: LocalTextMap
    description: LocalTextMap
    weight: Annotated[float, Field(gt=0)]
    group: GroupCode
    dti: ReferenceCode
    default_target: Annotated[int, Field(ge=1, le=6)]
    # One descriptor per level: as many as the scoring's bands, from 3 to 6 (the loader checks the match).
    levels: Annotated[list[LocalTextMap], Field(min_length=3, max_length=6)]
    applies_if: ConditionModel | None = None
    groups: list[SubGroupModel] = Field(default_factory=list)


class ProfileOptionModel(StrictModel):
    code: OptionCode
    label: LocalTextMap


class ProfileQuestionModel(StrictModel):
    """A question about the office itself, answered once per office (docs/framework-format.md, "Profile")."""

    code: QuestionCode
    type: Literal["single_choice", "multi_choice", "yes_no"]
    text: LocalTextMap
    help: LocalTextMap | None = None
    options: list[ProfileOptionModel] = Field(default_factory=list)


# --- questions ------------------------------------------------------------------------------------------

_UNKNOWN_TYPE = QUESTION_TAG_PREFIX + "unknown"


def _known_type(name: str) -> str:
    if name not in QUESTION_TYPES:
        raise ValueError(f"unknown question type {name!r} (types: {', '.join(QUESTION_TYPES.names)})")
    return name


class UnknownTypeModel(QuestionFields):
    """A question whose type is not registered: its common keys are checked, its type is refused, and its
    other keys are not judged (they depend on the type)."""

    model_config = ConfigDict(extra="ignore")
    type: Annotated[str, AfterValidator(_known_type)]


def _question_type(raw: Any) -> str:
    name = raw.get("type") if isinstance(raw, dict) else getattr(raw, "type", None)
    return QUESTION_TAG_PREFIX + name if isinstance(name, str) and name in QUESTION_TYPES else _UNKNOWN_TYPE


_QUESTION_MODELS = (
    *(Annotated[kind.model, Tag(QUESTION_TAG_PREFIX + kind.name)] for kind in QUESTION_TYPES),
    Annotated[UnknownTypeModel, Tag(_UNKNOWN_TYPE)],
)
if TYPE_CHECKING:
    QuestionModel = QuestionFields
else:
    # One model per registered type, chosen by the question's `type`.
    QuestionModel = Annotated[Union[_QUESTION_MODELS], Discriminator(_question_type)]  # noqa: UP007
QUESTION_ADAPTER: TypeAdapter[QuestionFields] = TypeAdapter(QuestionModel)

# --- scoring --------------------------------------------------------------------------------------------


class BandModel(StrictModel):
    level: Annotated[int, Field(ge=1, le=6)]
    min: Annotated[float, Field(ge=0, le=100)]
    max: Annotated[float, Field(ge=0, le=100)]


class GateModel(StrictModel):
    code: ReferenceCode
    dimension: DimensionCode
    # A cap at the top level caps nothing (the loader checks it against the number of levels).
    max_level: Annotated[int, Field(ge=1, le=5)]
    when: ConditionModel
    message: LocalTextMap
    applies_if: ConditionModel | None = None


class ConsistencyModel(StrictModel):
    code: ReferenceCode
    questions: Annotated[list[QuestionCode], Field(min_length=2)]
    when: ConditionModel
    message: LocalTextMap


class ScaleModel(StrictModel):
    min: float
    max: float
    decimals: Annotated[int, Field(ge=0, le=4)] = 1


class ScoringModel(StrictModel):
    bands: Annotated[list[BandModel], Field(min_length=1, max_length=6)]
    score_decimals: Annotated[int, Field(ge=0, le=4)]
    index_decimals: Annotated[int, Field(ge=0, le=4)]
    dont_know_points: Points
    evidence_discount: Points
    gates: list[GateModel] = Field(default_factory=list)
    consistency: list[ConsistencyModel] = Field(default_factory=list)
    aggregation: Literal["weighted_mean", "mean"] = "weighted_mean"
    unanswered: Literal["omit", "zero"] = "omit"
    scale: ScaleModel | None = None


# --- initiatives ----------------------------------------------------------------------------------------


class UpliftModel(StrictModel):
    dimension: DimensionCode
    levels: Annotated[int, Field(ge=1, le=4)]


class EffectModel(StrictModel):
    """An answer the initiative brings about: `value` (the answer), or `at_least` (a floor)."""

    question: QuestionCode
    value: ScalarValue | list[ScalarValue] | None = None
    at_least: float | str | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> EffectModel:
        if (self.value is None) == (self.at_least is None):
            raise ValueError("an effect needs exactly one of value, at_least")
        return self


class DueAfterModel(StrictModel):
    months_after_start: Annotated[int, Field(ge=1, le=120)]


class ObligationModel(StrictModel):
    """What makes a mandatory initiative mandatory: a law, a programme or a directive, for the offices its
    `applies_if` names, due by a date or some months after the plan starts."""

    kind: Literal["law", "programme", "directive"]
    source: ReferenceCode
    applies_if: ConditionModel | None = None
    due: IsoDate | DueAfterModel | None = None


class InitiativeModel(StrictModel):
    code: ReferenceCode
    name: LocalTextMap
    description: LocalTextMap
    # Format 1.0.0's "+n levels": still read (old versions stay loadable); effects are what projection uses.
    raises: list[UpliftModel] = Field(default_factory=list)
    effects: list[EffectModel] = Field(default_factory=list)
    trigger: ConditionModel
    prerequisites: list[ReferenceCode] = Field(default_factory=list)
    duration_months: Annotated[int, Field(ge=1)]
    effort_person_months: Annotated[float, Field(gt=0)]
    cost_class: Literal["S", "M", "L", "XL"]
    mandatory: bool = False
    deadline: IsoDate | None = None
    obligation: ObligationModel | None = None
    policy_refs: list[ReferenceCode] = Field(default_factory=list)
    kpis: list[LocalTextMap] = Field(default_factory=list)


# --- the document ---------------------------------------------------------------------------------------


class CarryForwardModel(StrictModel):
    """How answers given under an older version carry into this one: OLD question code → NEW."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)
    from_: Annotated[str, StringConstraints(pattern=VERSION_PATTERN)] = Field(alias="from")
    map: dict[QuestionCode, QuestionCode]


class FrameworkModel(StrictModel):
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
    profile: list[ProfileQuestionModel] = Field(default_factory=list)
    dimensions: Annotated[list[DimensionModel], Field(min_length=1)]
    questions: Annotated[list[QuestionModel], Field(min_length=1)]
    scoring: ScoringModel
    initiatives: list[InitiativeModel]
    carry_forward: CarryForwardModel | None = None


DimensionModel.model_rebuild()
GateModel.model_rebuild()
ConsistencyModel.model_rebuild()
ObligationModel.model_rebuild()
InitiativeModel.model_rebuild()
FrameworkModel.model_rebuild()
