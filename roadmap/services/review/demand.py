"""The department's demand block summed across a cycle's offices (issue 19), for its own planning.

central-offices 1.1.0 asks each office, unscored (weight 0), what it will want from the Central Post Office
Department over the next 24 months: bandwidth on its special-use network link, video-conference endpoints to
add, information systems to upgrade or build, and the services it would like (hosting, security monitoring
…). The portfolio adds them up over the offices it lists (the same offices, filters and results): a number is
summed, a choice is counted per option, and the offices that gave no answer are counted apart — those whose
result is not yet submitted (or is on another framework version) and those that left the question
unanswered, "not applicable" or "don't know". Answers are read from the assessments that the portfolio shows
figures for (submitted, in review, returned, approved or published), never from drafts.

The block is the framework's questions whose code starts with `DEMAND_PREFIX` (the file's "structured demand"
block, SVC-D1 … SVC-D4); a framework without them has no demand block, and the portfolio shows none.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from roadmap.engine.answers import AnswerState
from roadmap.engine.exact import dec
from roadmap.engine.framework import Framework, Option, Question
from roadmap.extensions import db
from roadmap.models import AnswerRecord
from roadmap.services.review.portfolio import Portfolio
from roadmap.services.survey import answers, frameworks

DEMAND_PREFIX = "SVC-D"
SUMMED_TYPES = frozenset({"number", "percent"})
COUNTED_TYPES = frozenset({"single_choice", "multi_choice", "yes_no"})


@dataclass(frozen=True)
class DemandLine:
    """One demand question over the offices: its sum (numbers) or its count per option (choices)."""

    question: Question
    answered: int  # offices that answered it
    not_answered: int  # offices listed that did not (without a result included)
    without_result: int  # of which: no submitted result on the cycle's framework yet
    total: Decimal | None = None  # the sum of a number's answers (None for a choice)
    counts: tuple[tuple[Option, int], ...] = ()  # offices per option, in the file's order

    @property
    def summed(self) -> bool:
        return self.total is not None

    @property
    def total_number(self) -> int | float | None:
        """The sum as a spreadsheet number: a whole number when it is one."""
        if self.total is None:
            return None
        return int(self.total) if self.total == self.total.to_integral_value() else float(self.total)


@dataclass(frozen=True)
class Demand:
    offices: int  # offices the portfolio lists
    with_result: int  # of which with a result whose answers are counted
    lines: tuple[DemandLine, ...]


def demand_questions(framework: Framework) -> list[Question]:
    return [
        question
        for question in framework.questions
        if question.code.startswith(DEMAND_PREFIX) and question.type in SUMMED_TYPES | COUNTED_TYPES
    ]


def build(view: Portfolio) -> Demand | None:
    """The demand block of the portfolio's offices, or None when the cycle's framework has none. Two
    statements whatever the number of offices."""
    if view.framework_version is None:
        return None
    framework = frameworks.framework_of(view.framework_version)
    questions = demand_questions(framework)
    if not questions:
        return None
    counted = [row.assessment.id for row in view.with_results if row.assessment is not None]
    records: dict[str, list[AnswerRecord]] = {question.code: [] for question in questions}
    if counted:
        for record in db.session.scalars(
            select(AnswerRecord).where(
                AnswerRecord.assessment_id.in_(counted),
                AnswerRecord.question_code.in_(list(records)),
                AnswerRecord.state == AnswerState.ANSWERED.value,
            )
        ):
            records[record.question_code].append(record)
    offices = len(view.rows)
    without_result = offices - len(counted)
    lines = []
    for question in questions:
        values = [answers.to_answer(question, record).value for record in records[question.code]]
        values = [value for value in values if value is not None]
        answered = len(values)
        total: Decimal | None = None
        counts: tuple[tuple[Option, int], ...] = ()
        if question.type in SUMMED_TYPES:
            total = sum((dec(float(value)) for value in values if _is_number(value)), Decimal(0))
        else:
            chosen: dict[str, int] = {option.code: 0 for option in question.options}
            for value in values:
                for code in _codes(value):
                    if code in chosen:
                        chosen[code] += 1
            counts = tuple((option, chosen[option.code]) for option in question.options)
        lines.append(
            DemandLine(question, answered, offices - answered, without_result, total=total, counts=counts)
        )
    return Demand(offices, len(counted), tuple(lines))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _codes(value: object) -> list[str]:
    """The option codes an answer chose: one, several, or yes/no for a yes_no answer."""
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    if isinstance(value, str):
        return [value]
    if isinstance(value, frozenset | set | list | tuple):
        return [str(code) for code in value]
    return []
