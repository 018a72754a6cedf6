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

    def cite(self, code: str, full_title: str) -> str:
        if code in self._cited:
            return short_form(full_title, self.locale)
        self._cited.add(code)
        return full_title
