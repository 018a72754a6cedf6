"""Services: the only place where the database meets the engine. One function per use case.

Services raise `Invalid` with located, translatable problems; they never commit half a change.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class Problem:
    field: str | None  # the form field the message belongs beside; None for the whole form
    message: LazyString | str


class Invalid(Exception):  # noqa: N818 (reads as the domain says it: `except Invalid`)
    """The request cannot be carried out as asked; nothing was changed."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(str(p.message) for p in problems))
        self.problems = problems


def invalid(field: str | None, message: LazyString | str) -> Invalid:
    return Invalid(Problem(field, message))
