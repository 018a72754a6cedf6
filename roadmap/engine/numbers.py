"""Numbers as people type and read them: one parser and one formatter per locale, over Babel's symbols.

Vietnamese writes 1.234,5 (a dot between thousands, a comma before the decimals), English 1,234.5. A text
is read only in the user's locale and only when it has one meaning there: a grouping mark must stand
between groups of exactly three digits, and a number has at most one decimal mark. Anything else
("1.0000", "1,2,3", "38.5" in Vietnamese) is refused with the form the locale expects, never guessed,
because a guess silently stores a thousand as a one. Spaces (also non-breaking) may group thousands in
either locale. The page's script (static/js/survey.js, `numbers`) follows the same rules.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from functools import cache

from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

# Marks that group thousands in every locale: a space, a no-break space, a narrow no-break space.
SPACES = " \u00a0\u202f"
# The example every message shows: a value with thousands and decimals.
EXAMPLE = Decimal("1234.5")


@dataclass(frozen=True)
class NumberForm:
    """How a locale writes a number: its grouping and decimal marks, and an example."""

    locale: str
    group: str
    decimal: str
    example: str
    pattern: re.Pattern[str]


class NumberFormatError(ValueError):
    """A text that is not a number in the locale's form: `form` says what the locale expects."""

    def __init__(self, text: str, form: NumberForm) -> None:
        super().__init__(f"{text!r} is not a number as {form.locale} writes it (like {form.example})")
        self.text = text
        self.form = form


def _language(locale: str) -> str:
    return str(locale).replace("-", "_").split("_")[0] or "vi"


@cache
def number_form(locale: str) -> NumberForm:
    """The number form of `locale` (its language: vi_VN writes like vi)."""
    language = _language(locale)
    group, decimal = get_group_symbol(language), get_decimal_symbol(language)
    digits = r"\d"
    grouped = "|".join(rf"\d{{1,3}}(?:{re.escape(mark)}\d{{3}})+" for mark in dict.fromkeys((group, *SPACES)))
    pattern = re.compile(
        rf"(?P<sign>[-+\u2212]?)(?P<whole>{grouped}|{digits}+)?(?:{re.escape(decimal)}(?P<fraction>\d+))?",
        re.ASCII,  # the digits 0-9 only, as the page's script reads them
    )
    example = format_decimal(EXAMPLE, locale=language, decimal_quantization=False)
    return NumberForm(language, group, decimal, example, pattern)


def parse_number(text: str, locale: str) -> Decimal:
    """The number `text` means in `locale`, exactly; raises NumberFormatError for any other text."""
    form = number_form(locale)
    cleaned = text.strip()
    match = form.pattern.fullmatch(cleaned)
    if match is None or (match["whole"] is None and match["fraction"] is None):
        raise NumberFormatError(text, form)
    whole = re.sub(r"[^0-9]", "", match["whole"] or "0")
    fraction = match["fraction"] or "0"
    sign = "-" if match["sign"] in ("-", "\u2212") else ""
    try:
        return Decimal(f"{sign}{whole}.{fraction}")
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise NumberFormatError(text, form) from None


def parse_float(text: str, locale: str) -> float:
    """`parse_number` as a finite float (the engine's answers are floats)."""
    number = float(parse_number(text, locale))
    if not math.isfinite(number):
        raise NumberFormatError(text, number_form(locale))
    return number


def format_number(value: float | int | Decimal, locale: str, *, grouped: bool = True) -> str:
    """`value` as `locale` writes it, every digit kept (so that parsing it gives `value` back)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        value = int(value)  # 1000.0 reads "1.000", not "1.000,0"
    with localcontext() as context:
        # Babel rounds through the decimal context: room for every digit of the largest float.
        context.prec = 800
        return format_decimal(
            value, locale=number_form(locale).locale, decimal_quantization=False, group_separator=grouped
        )
