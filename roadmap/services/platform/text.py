"""The text boundary for services: a typed text normalised (NFC) or refused with a localised message that
names its field (`roadmap.engine.text` decides what may be stored)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from roadmap.engine.text import ForbiddenCharacter, normalise
from roadmap.services import Invalid, Problem


def refusal(label: str | LazyString, problem: ForbiddenCharacter) -> LazyString:
    """The message for a text refused at the boundary: which field, which character, where."""
    return _l(
        "“%(field)s” contains a character that cannot be saved (%(character)s at position %(position)d). "
        "Remove it and try again.",
        field=str(label),
        character=problem.code_point,
        position=problem.position,
    )


def checked_text(value: str, field: str | None, label: str | LazyString) -> str:
    """`value` in NFC, or Invalid beside `field` when it holds a character that may not be stored."""
    try:
        return normalise(value)
    except ForbiddenCharacter as problem:
        raise Invalid(Problem(field, refusal(label, problem))) from None
