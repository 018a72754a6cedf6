"""Settings of the official report (Decree 30/2020/NĐ-CP): who issues it, how it is numbered, who signs.

One place for these values: the PDF (issue 8/12) and the Word export (issue 12) both read `current()`.
The defaults below hold until an administrator saves settings in the admin area (issue 12 replaces
`current()` with a database-backed version that falls back to these defaults and keeps the last valid
settings when a save is rejected).
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass, field

# Placeholders a document number pattern may use, e.g. "{seq}/BC-{office_code}" → "12/BC-VPCP".
NUMBER_PLACEHOLDERS = ("seq", "year", "office_code", "cycle_code")


@dataclass(frozen=True)
class ReportSettings:
    issuing_body: str = "CỤC BƯU ĐIỆN TRUNG ƯƠNG"
    issuing_body_parent: str = "BỘ KHOA HỌC VÀ CÔNG NGHỆ"
    number_pattern: str = "{seq}/BC-{office_code}"
    place: str = "Hà Nội"
    signatory_position: str = "CỤC TRƯỞNG"
    signatory_name: str = ""
    recipients: tuple[str, ...] = field(default_factory=lambda: ("Như trên;", "Lưu: VT."))


DEFAULTS = ReportSettings()


def current() -> ReportSettings:
    """The settings in force (defaults until issue 12 stores them in the database)."""
    return DEFAULTS


def unknown_placeholders(pattern: str) -> list[str]:
    """Placeholders in `pattern` that `document_number` cannot fill (empty when the pattern is valid)."""
    unknown: list[str] = []
    for _literal, name, _spec, _conversion in string.Formatter().parse(pattern):
        if name is not None and name not in NUMBER_PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    return unknown


def document_number(
    settings: ReportSettings, *, seq: int, year: int, office_code: str, cycle_code: str
) -> str:
    return settings.number_pattern.format(seq=seq, year=year, office_code=office_code, cycle_code=cycle_code)


def date_line(place: str, day: dt.date) -> str:
    """'Hà Nội, ngày 05 tháng 3 năm 2026': leading zero for days 1–9 and for months 1–2 (Decree 30)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"
