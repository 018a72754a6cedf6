"""Legal citations in the official report (Decree 30/2020/NĐ-CP): the first citation of a legal document gives
its type, number, date, issuing body and summary; later citations give type and number only.

Shared by the PDF and the Word export: each rendering of a report creates one `Citations` and asks it for
the text of every reference in reading order.
"""

from __future__ import annotations

import re

# Framework titles read "Quyết định số 749/QĐ-TTg ngày 03/6/2020 của Thủ tướng …" (vi) or
# "Prime Minister's Decision 749/QD-TTg of 3 June 2020 approving …" (en): the short form ends before the date.
_SHORT_FORM = {
    "vi": re.compile(r"^(?P<short>.+?)\s+ngày\s+\d"),
    "en": re.compile(r"^(?P<short>.+?)\s+of\s+\d"),
}


# A date in a title as the framework spells it ("03/6/2020"), written in the report's one numeric form
# ("03/06/2020"), so that a Vietnamese report has one form of date throughout (issue 23).
_NUMERIC_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")


def uniform_dates(words: str) -> str:
    return _NUMERIC_DATE.sub(lambda m: f"{int(m[1]):02d}/{int(m[2]):02d}/{m[3]}", words)


def short_form(full_title: str, locale: str) -> str:
    """Type and number of a legal document from its full title; the full title when no date is found."""
    pattern = _SHORT_FORM.get(locale, _SHORT_FORM["en"])
    match = pattern.match(full_title)
    return match.group("short") if match else full_title


class Citations:
    """Remembers which legal documents a report has already cited in full."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._cited: set[str] = set()

    def cite(self, code: str, full_title: str, mark: str = "") -> str:
        """The citation; `mark` (a text no longer in force: "superseded by …") follows every citation of it,
        the short ones too, so that no mention of it reads as current law."""
        if code in self._cited:
            cited = short_form(full_title, self.locale)
        else:
            self._cited.add(code)
            cited = uniform_dates(full_title)
        return f"{cited} ({mark})" if mark else cited
