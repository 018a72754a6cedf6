"""Immutable domain objects of a framework version (see docs/framework-format.md).

Objects are frozen dataclasses holding tuples, so a loaded framework can be shared between threads and
requests without copying, and can never be changed in place once an assessment has used it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum

from roadmap.engine.answers import AnswerValue
from roadmap.engine.conditions import Condition
from roadmap.engine.errors import Problem
from roadmap.engine.stored import stored_form


@dataclass(frozen=True, slots=True)
class LocalText:
    """A text in every locale of the framework: (("vi", "Mức sẵn sàng IPv6"), ("en", "IPv6 readiness"))."""

    translations: tuple[tuple[str, str], ...]

    # Stored as [[locale, text], …] (roadmap.engine.stored).
    __get_pydantic_core_schema__ = stored_form(
        lambda text: [[locale, value] for locale, value in text.translations],
        lambda cls, data: cls(tuple((str(locale), str(value)) for locale, value in data)),
    )

    def get(self, locale: str) -> str:
        """The text in `locale`, else in the first locale (the framework's default)."""
        for code, text in self.translations:
            if code == locale:
                return text
        return self.translations[0][1]

    def as_dict(self) -> dict[str, str]:
        return dict(self.translations)


class QuestionType(StrEnum):
    """The names of the built-in question types; the registry (roadmap.engine.question_types) holds every
    type, these and any added later, and a Question's `type` is the name of its registered type."""

    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    SCALE = "scale"
    YES_NO = "yes_no"
    NUMBER = "number"
    PERCENT = "percent"
    TEXT = "text"


# Built-in types by family, for readers that group them (the engine asks the registry).
CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE, QuestionType.SCALE})
ORDERED_CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.SCALE})
NUMERIC_TYPES = frozenset({QuestionType.NUMBER, QuestionType.PERCENT})


class Measurability(StrEnum):
    MEASURED = "measured"
    SELF_ASSESSED = "self_assessed"
    AUTO_CHECKABLE = "auto_checkable"


class CostClass(StrEnum):
    S = "S"
    M = "M"
    L = "L"
    XL = "XL"


class PolicyStatus(StrEnum):
    IN_FORCE = "in_force"
    SUPERSEDED = "superseded"
    REPEALED = "repealed"


@dataclass(frozen=True, slots=True)
class PolicyReference:
    """A legal or policy text the framework cites, with its validity: citing one no longer in force is a
    warning of `flask framework validate` and is marked in the report."""

    code: str
    title: LocalText
    valid_from: dt.date | None = None
    status: PolicyStatus = PolicyStatus.IN_FORCE
    superseded_by: str | None = None

    @property
    def in_force(self) -> bool:
        return self.status is PolicyStatus.IN_FORCE


@dataclass(frozen=True, slots=True)
class DtiIndex:
    """A main index of the DTI that dimensions feed. `ref` is the DTI's own number of it: a question whose
    `dti_ref` is that value feeds it in the DTI view (roadmap.engine.scoring.dti); None in files that map
    only dimensions."""

    code: str
    name: LocalText
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class IndexGroup:
    """A subtotal of the index, DTI style (foundation / operations)."""

    code: str
    name: LocalText


@dataclass(frozen=True, slots=True)
class SubGroup:
    """A group of questions inside a dimension (a maturity model's stream or practice), with a subtotal."""

    code: str
    name: LocalText
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Dimension:
    code: str
    name: LocalText
    description: LocalText
    weight: float
    group: str
    dti: str
    default_target: int
    levels: tuple[LocalText, ...]  # five descriptors, level 1 first
    # When it does not hold for the office's profile, the whole dimension is not applicable by rule: left
    # out of the index (not the respondent's choice; the reason is shown). None: it always applies.
    applies_if: Condition | None = None
    groups: tuple[SubGroup, ...] = ()

    def level_descriptor(self, level: int) -> LocalText:
        return self.levels[level - 1]


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    label: LocalText
    points: float
    exclusive: bool = False


# Labels of the options that a yes_no question gets when its file gives none; a locale not listed here
# gets the English label.
DEFAULT_YES_LABELS = {"vi": "Có", "en": "Yes"}
DEFAULT_NO_LABELS = {"vi": "Không", "en": "No"}


def default_yes_no_options(locales: tuple[str, ...]) -> tuple[Option, Option]:
    """The options of a yes_no question whose file gives none: yes = 1 point, no = 0."""

    def labels(texts: dict[str, str]) -> LocalText:
        return LocalText(tuple((locale, texts.get(locale, texts["en"])) for locale in locales))

    return Option("yes", labels(DEFAULT_YES_LABELS), 1.0), Option("no", labels(DEFAULT_NO_LABELS), 0.0)


@dataclass(frozen=True, slots=True)
class ValueStep:
    """One step of a number/percent question's points: values >= at_least score `points`."""

    at_least: float
    points: float


@dataclass(frozen=True, slots=True)
class QuestionSettings:
    """The base of a type's own settings (Question.settings), for a type whose options fit none of the
    fields that the built-in types share (options, unit, min_value, max_value, points_by_value)."""


@dataclass(frozen=True, slots=True)
class Question:
    code: str
    dimension: str
    type: str  # the name of a registered question type (QuestionType for the built-in ones)
    text: LocalText
    weight: float
    help: LocalText | None = None
    policy_refs: tuple[str, ...] = ()
    critical: bool = False
    required: bool = True
    allow_na: bool = False
    allow_dont_know: bool = True
    measurability: Measurability = Measurability.SELF_ASSESSED
    dti_ref: str | None = None
    show_if: Condition | None = None
    # Points at or above which evidence is needed; None when the question never needs evidence.
    evidence_threshold: float | None = None
    # The option the file named as the evidence threshold (`evidence.from_option`), kept so that an export
    # says what the maintainer wrote; None when the threshold was given as points.
    evidence_from_option: str | None = None
    options: tuple[Option, ...] = ()
    unit: LocalText | None = None
    min_value: float | None = None
    max_value: float | None = None
    points_by_value: tuple[ValueStep, ...] = ()
    settings: QuestionSettings | None = None
    # Tested on the office's profile: when it does not hold the question is not applicable by rule.
    applies_if: Condition | None = None
    group: str | None = None  # a group of its dimension (Dimension.groups)
    # Evidence expected as sighted on site by the consultant (classified, never uploaded): `evidence.sighted`.
    evidence_sighted: bool = False

    def option(self, code: str) -> Option | None:
        for option in self.options:
            if option.code == code:
                return option
        return None

    def option_position(self, code: str) -> int:
        """Position of an option in the declared order (ordinal comparisons); -1 if unknown."""
        for position, option in enumerate(self.options):
            if option.code == code:
                return position
        return -1


@dataclass(frozen=True, slots=True)
class Band:
    """Scores in [min_score, max_score) have `level`; the top band also includes its max."""

    level: int
    min_score: float
    max_score: float


@dataclass(frozen=True, slots=True)
class Gate:
    """When `when` holds, `dimension`'s level cannot exceed `max_level`."""

    code: str
    dimension: str
    max_level: int
    when: Condition
    message: LocalText
    # Tested on the office's profile: a gate written for some offices (e.g. level-I users of the network)
    # is not evaluated for the others.
    applies_if: Condition | None = None


@dataclass(frozen=True, slots=True)
class ConsistencyCheck:
    """When `when` holds, the answers to `questions` contradict each other."""

    code: str
    questions: tuple[str, ...]
    when: Condition
    message: LocalText


class Aggregation(StrEnum):
    WEIGHTED_MEAN = "weighted_mean"  # by the weights of questions, groups and dimensions
    MEAN = "mean"  # every counted child alike


class Unanswered(StrEnum):
    OMIT = "omit"  # an unanswered question is left out of its score (coverage shows it)
    ZERO = "zero"  # it counts with 0 points, as some maturity models count it


@dataclass(frozen=True, slots=True)
class Scale:
    """The scale scores are shown on (internally 0–100): e.g. 0–3 for a SAMM-like model."""

    minimum: float = 0.0
    maximum: float = 100.0
    decimals: int = 1


@dataclass(frozen=True, slots=True)
class ScoringRules:
    bands: tuple[Band, ...]
    score_decimals: int
    index_decimals: int
    dont_know_points: float
    evidence_discount: float
    gates: tuple[Gate, ...] = ()
    consistency: tuple[ConsistencyCheck, ...] = ()
    aggregation: Aggregation = Aggregation.WEIGHTED_MEAN
    unanswered: Unanswered = Unanswered.OMIT
    scale: Scale | None = None

    def shown(self, score: float) -> float:
        """A 0–100 score (or an index / 10) on the framework's display scale, rounded half-up to its
        decimals; the score itself when the framework declares no scale."""
        if self.scale is None:
            return score
        with localcontext(Context(prec=34, rounding=ROUND_HALF_UP)):
            low, high = Decimal(str(self.scale.minimum)), Decimal(str(self.scale.maximum))
            value = low + Decimal(str(score)) * (high - low) / 100
            return float(value.quantize(Decimal(1).scaleb(-self.scale.decimals)))


@dataclass(frozen=True, slots=True)
class Uplift:
    dimension: str
    levels: int


@dataclass(frozen=True, slots=True)
class Effect:
    """An answer an initiative brings about when done: `question` becomes `value` (a multi_choice gains the
    options of `value`), or at least `at_least` (a number, or an option of an ordered choice)."""

    question: str
    dimension: str  # the question's dimension, resolved at load
    value: AnswerValue | None = None
    at_least: float | str | None = None


class ObligationKind(StrEnum):
    LAW = "law"
    PROGRAMME = "programme"  # a government programme's target: binds the bodies the programme names
    DIRECTIVE = "directive"


@dataclass(frozen=True, slots=True)
class Obligation:
    """Why a mandatory initiative is mandatory: its `source` (a policy reference), for the offices whose
    profile meets `applies_if`, due by `due_date` or `due_months` after the plan starts (or neither)."""

    kind: ObligationKind
    source: str
    applies_if: Condition | None = None
    due_date: dt.date | None = None
    due_months: int | None = None


@dataclass(frozen=True, slots=True)
class Initiative:
    code: str
    name: LocalText
    description: LocalText
    # The dimensions an initiative names for its priority (files of format 1.0.0; see effects). Projection
    # no longer reads it: a dimension moves only when an effect changes its answers.
    raises: tuple[Uplift, ...]
    trigger: Condition
    prerequisites: tuple[str, ...]
    duration_months: int
    effort_person_months: float
    cost_class: CostClass
    mandatory: bool = False
    deadline: dt.date | None = None
    policy_refs: tuple[str, ...] = ()
    kpis: tuple[LocalText, ...] = ()
    effects: tuple[Effect, ...] = ()
    obligation: Obligation | None = None

    def dimensions(self) -> tuple[str, ...]:
        """The dimensions it improves: its effects' (file order), else the ones it `raises`."""
        if self.effects:
            return tuple(dict.fromkeys(effect.dimension for effect in self.effects))
        return tuple(dict.fromkeys(uplift.dimension for uplift in self.raises))


@dataclass(frozen=True, slots=True)
class CarryForward:
    """Answers of version `from_version` carry into this one under `mapping` ((OLD, NEW) question codes)."""

    from_version: str
    mapping: tuple[tuple[str, str], ...]
    # The file's line of `from` and of each OLD code, to locate problems found against the older version.
    lines: tuple[int | None, ...] = field(default=(), compare=False)


class ProfileType(StrEnum):
    """The types a profile question may have: what an office is, not how far it has come."""

    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"


@dataclass(frozen=True, slots=True)
class ProfileQuestion:
    """A question about the office itself (its type, its user level of the special-use network …), answered
    once per office and carried to the next cycle; conditions test it as `profile: CODE`. Never scored."""

    code: str
    type: ProfileType
    text: LocalText
    help: LocalText | None = None
    options: tuple[Option, ...] = ()  # choice types; a yes_no question has none

    def option(self, code: str) -> Option | None:
        for option in self.options:
            if option.code == code:
                return option
        return None


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    version: str
    title: LocalText
    description: LocalText
    locales: tuple[str, ...]
    published: dt.date
    policies: tuple[PolicyReference, ...]
    dti_indices: tuple[DtiIndex, ...]
    groups: tuple[IndexGroup, ...]
    dimensions: tuple[Dimension, ...]
    questions: tuple[Question, ...]
    scoring: ScoringRules
    initiatives: tuple[Initiative, ...]
    profile: tuple[ProfileQuestion, ...] = ()
    carry_forward: CarryForward | None = None
    # What the loader found worth saying but not refusing (a citation of a superseded text), located.
    warnings: tuple[Problem, ...] = field(default=(), compare=False)
    # SHA-256 of the canonical JSON form of the file's content: identifies the version's content.
    fingerprint: str = field(default="", compare=False)
    # Look-up tables built once, because scoring looks codes up thousands of times per second.
    _dimensions: dict[str, Dimension] = field(init=False, repr=False, compare=False)
    _questions: dict[str, Question] = field(init=False, repr=False, compare=False)
    _sections: dict[str, tuple[Question, ...]] = field(init=False, repr=False, compare=False)
    _initiatives: dict[str, Initiative] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sections: dict[str, list[Question]] = {d.code: [] for d in self.dimensions}
        for question in self.questions:
            sections.setdefault(question.dimension, []).append(question)
        object.__setattr__(self, "_dimensions", {d.code: d for d in self.dimensions})
        object.__setattr__(self, "_questions", {q.code: q for q in self.questions})
        object.__setattr__(self, "_sections", {k: tuple(v) for k, v in sections.items()})
        object.__setattr__(self, "_initiatives", {i.code: i for i in self.initiatives})

    @property
    def top_level(self) -> int:
        """The highest level: one per band, from 3 to 6 (5 in every framework before issue 18)."""
        return max(band.level for band in self.scoring.bands)

    def dimension(self, code: str) -> Dimension:
        return self._dimensions[code]

    def question(self, code: str) -> Question:
        return self._questions[code]

    def has_question(self, code: str) -> bool:
        return code in self._questions

    def questions_of(self, dimension_code: str) -> tuple[Question, ...]:
        """The questions of one dimension (one survey section), in file order."""
        return self._sections.get(dimension_code, ())

    def initiative(self, code: str) -> Initiative:
        return self._initiatives[code]

    def profile_question(self, code: str) -> ProfileQuestion:
        for question in self.profile:
            if question.code == code:
                return question
        raise KeyError(code)
