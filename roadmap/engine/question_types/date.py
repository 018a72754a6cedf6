"""date: a calendar day (e.g. "When was the security-level decision signed?"), within `min` and `max` when
given, not later than the day it is entered when `not_after_today`, and scored by its age.

Scoring by age: `points_by_age` steps, most recent first ({within_months: 12, points: 1}, {within_months: 24,
points: 0.5}): a date on or after the reference date minus `within_months` calendar months scores the first
such step's points, an older one 0. The engine has no clock: the reference date is an input of scoring,
the assessment's cycle closing day (roadmap.services.survey.results), so that re-scoring later gives the
same result. A date after the reference date is as recent as can be. `not_after_today` is a rule of entry,
checked when a person gives the answer, not when it is scored later: an answer given on time does not
become wrong as days pass.

The value is the ISO text of the day ("2025-06-01"), so that answers, snapshots and conditions need nothing
new; a person may type it as the Vietnamese write it (01/06/2025). Conditions test only whether it is
answered.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from babel.dates import format_date
from pydantic import Field

from roadmap.engine.answers import Answer, AnswerValue
from roadmap.engine.errors import InvalidAnswer
from roadmap.engine.exact import ZERO, dec
from roadmap.engine.framework import Question, QuestionSettings
from roadmap.engine.question_types.base import N_, Loc, PointsOf, QuestionKind, TextOf, type_error
from roadmap.engine.schema_base import IsoDate, Points, QuestionFields, StrictModel, as_written, file_number

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# 1/6/2025, 01/06/2025, 01-06-2025, 01.06.2025: day first, as Vietnamese (and most) people write a date.
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


class AgeStepModel(StrictModel):
    within_months: Annotated[int, Field(ge=1)]
    points: Points


class DateModel(QuestionFields):
    type: Literal["date"]
    min: IsoDate | None = None
    max: IsoDate | None = None
    not_after_today: bool = False
    points_by_age: list[AgeStepModel] | None = None


@dataclass(frozen=True, slots=True)
class AgeStep:
    """A date at most `within_months` calendar months before the reference date scores `points`."""

    within_months: int
    points: float


@dataclass(frozen=True, slots=True)
class DateSettings(QuestionSettings):
    earliest: dt.date | None = None
    latest: dt.date | None = None
    not_after_today: bool = False
    points_by_age: tuple[AgeStep, ...] = ()


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    serial = day.year * 12 + day.month - 1 - months
    year, month = serial // 12, serial % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _settings(question: Question) -> DateSettings:
    return question.settings if isinstance(question.settings, DateSettings) else DateSettings()


def _day_of(text: str) -> dt.date | None:
    if not _ISO.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


class DateQuestion(QuestionKind[DateModel]):
    name = "date"
    model = DateModel
    messages: ClassVar[Mapping[str, str]] = {
        "date_invalid": N_("The answer to question %(question)s is not a valid date (day/month/year)."),
        "date_too_early": N_("The answer to question %(question)s cannot be earlier than %(min)s."),
        "date_too_late": N_("The answer to question %(question)s cannot be later than %(max)s."),
        "date_after_today": N_("The answer to question %(question)s cannot be later than today (%(date)s)."),
    }

    # -- the framework file ----------------------------------------------------------------------------------

    def definition_problems(self, question: DateModel) -> Iterator[tuple[Loc, str]]:
        if question.min is not None and question.max is not None and question.max < question.min:
            yield ("max",), f"max {question.max.isoformat()} is before min {question.min.isoformat()}"
        steps = question.points_by_age or []
        if question.weight > 0 and not steps:
            yield ("points_by_age",), "a date question with a weight needs points_by_age"
        if question.weight == 0 and steps:
            yield ("points_by_age",), "points_by_age scores nothing: the question's weight is 0"
        for position in range(1, len(steps)):
            before, step = steps[position - 1], steps[position]
            if step.within_months <= before.within_months:
                yield (
                    ("points_by_age", position, "within_months"),
                    f"steps go from the most recent: within_months {step.within_months} does not come after "
                    f"{before.within_months}",
                )
            elif step.points > before.points:
                yield (
                    ("points_by_age", position, "points"),
                    f"an older date cannot score more: {as_written(step.points)} points within "
                    f"{step.within_months} months, {as_written(before.points)} within {before.within_months}",
                )

    def fields(self, question: DateModel, text: TextOf, locales: tuple[str, ...]) -> dict[str, Any]:
        steps = tuple(AgeStep(step.within_months, step.points) for step in question.points_by_age or ())
        return {"settings": DateSettings(question.min, question.max, question.not_after_today, steps)}

    def document(self, question: Question, locales: tuple[str, ...]) -> dict[str, Any]:
        settings = _settings(question)
        document: dict[str, Any] = {}
        if settings.earliest is not None:
            document["min"] = settings.earliest
        if settings.latest is not None:
            document["max"] = settings.latest
        if settings.not_after_today:
            document["not_after_today"] = True
        if settings.points_by_age:
            document["points_by_age"] = [
                {"within_months": step.within_months, "points": file_number(step.points)}
                for step in settings.points_by_age
            ]
        return document

    # -- answers ---------------------------------------------------------------------------------------------

    def points_function(self, question: Question) -> PointsOf:
        settings = _settings(question)
        steps = tuple((step.within_months, dec(step.points)) for step in settings.points_by_age)

        def points(value: AnswerValue, reference: dt.date | None) -> Decimal:
            day = self._checked_day(question, settings, value)
            if reference is None:
                return ZERO  # validation only: scoring refuses to run without the reference date
            for within_months, step_points in steps:
                if day >= months_before(reference, within_months):
                    return step_points
            return ZERO

        return points

    def _checked_day(self, question: Question, settings: DateSettings, value: object) -> dt.date:
        if not isinstance(value, str):
            raise type_error(question, value, "a date (ISO text)")
        day = _day_of(value)
        if day is None:
            raise InvalidAnswer("date_invalid", question.code, f"{value!r} is not an ISO date (YYYY-MM-DD)")
        if settings.earliest is not None and day < settings.earliest:
            raise InvalidAnswer("date_too_early", question.code, f"{value} is before {settings.earliest}")
        if settings.latest is not None and day > settings.latest:
            raise InvalidAnswer("date_too_late", question.code, f"{value} is after {settings.latest}")
        return day

    def needs_reference_date(self, question: Question) -> bool:
        return bool(_settings(question).points_by_age)

    def check_entry(self, question: Question, value: AnswerValue, today: dt.date | None) -> None:
        day = _day_of(value) if isinstance(value, str) else None
        if day is not None and today is not None and _settings(question).not_after_today and day > today:
            raise InvalidAnswer(
                "date_after_today", question.code, f"{value} is after today", {"today": today.isoformat()}
            )

    def parse(self, question: Question, raw: object, *, locale: str) -> object:
        """ISO text as a date input sends it, or a day typed day first (01/06/2025), as ISO text."""
        if not isinstance(raw, str):
            return raw
        text = raw.strip()
        written = _DAY_FIRST.match(text)
        if written is None:
            return text
        day, month, year = (int(part) for part in written.groups())
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return text  # 31/02/2025: refused by validation as not a date

    def display(self, question: Question, value: AnswerValue, locale: str) -> str:
        day = _day_of(value) if isinstance(value, str) else None
        return str(value) if day is None else day_text(day, locale)

    def phrase(self, question: Question, value: object, locale: str) -> str:
        return self.display(question, value, locale) if isinstance(value, str) else str(value)

    def message_params(self, question: Question, error: InvalidAnswer, locale: str) -> dict[str, str]:
        settings = _settings(question)
        params = {}
        if settings.earliest is not None:
            params["min"] = day_text(settings.earliest, locale)
        if settings.latest is not None:
            params["max"] = day_text(settings.latest, locale)
        today = error.params.get("today")
        if isinstance(today, str) and _day_of(today) is not None:
            params["date"] = day_text(dt.date.fromisoformat(today), locale)
        return params

    def suggestions(
        self, question: Question, current: Answer | None, reference: dt.date | None
    ) -> list[AnswerValue]:
        """For each step, the oldest date it still counts (within the question's range)."""
        settings = _settings(question)
        if reference is None:
            return []
        found: list[AnswerValue] = []
        for step in settings.points_by_age:
            day = months_before(reference, step.within_months)
            if settings.latest is not None:
                day = min(day, settings.latest)
            if settings.earliest is not None:
                day = max(day, settings.earliest)
            found.append(day.isoformat())
        return found

    def example(self, question: Question, strength: float, rng: random.Random) -> AnswerValue | None:
        """A day between min and max, later (more recent) for a stronger office; None without both."""
        settings = _settings(question)
        if settings.earliest is None or settings.latest is None:
            return None
        aim = min(max(rng.gauss(strength, 0.2), 0.0), 1.0)
        span = (settings.latest - settings.earliest).days
        return (settings.earliest + dt.timedelta(days=round(span * aim))).isoformat()


def day_text(day: dt.date, locale: str) -> str:
    """A day as the locale writes it in documents: 01/06/2025 in Vietnamese (Decree 30/2020 style dates in
    tables), June 1, 2025 in English."""
    if locale.split("_")[0].split("-")[0] == "vi":
        return day.strftime("%d/%m/%Y")
    return format_date(day, "long", locale=locale)
