"""The engine's refusals of bad answers and bad inputs: a machine `code` for the web layer to localise, the
subject it is about, and an English detail. Below every other engine module, so that the question types,
the scorer and the planner raise the same errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class ScoringError(ValueError):
    """Bad input to the engine: a machine `code` (for the web layer to localise) and an English message."""

    def __init__(self, code: str, subject: str, detail: str) -> None:
        super().__init__(code, subject, detail)  # args as given, so that errors pickle
        self.code = code
        self.subject = subject
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.subject}: {self.detail}"


class InvalidAnswer(ScoringError):  # noqa: N818 - the name the web layer and the issue use
    """An answer that the question does not allow. Codes common to every type: question_unknown,
    na_not_allowed, dont_know_not_allowed, value_missing, value_unexpected, value_type; each question type
    adds its own (see `roadmap.engine.question_types`). `params` are the facts a message may name that the
    question itself does not hold (e.g. the day a date was checked against), as ISO text or numbers."""

    def __init__(
        self, code: str, question: str, detail: str, params: Mapping[str, str | float] | None = None
    ) -> None:
        super().__init__(code, question, detail)
        self.question = question
        self.params: dict[str, str | float] = dict(params or {})
        if self.params:
            self.args = (code, question, detail, self.params)


class InvalidInput(ScoringError):  # noqa: N818 - pairs with InvalidAnswer
    """A bad override, target, initiative code or reference date. Codes: question_unknown, dimension_unknown,
    initiative_unknown, points_out_of_range, level_out_of_range, reference_date_missing."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a framework file, where it is."""

    source: str
    path: str  # YAML path, e.g. questions[12].show_if.value; "" for the whole file
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
