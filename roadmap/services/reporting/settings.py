"""Settings of the official report (Decree 30/2020/NĐ-CP): who issues it, how it is numbered, who signs.

One place for these values: the PDF (issue 8/12) and the Word export (issue 12) both read `current()`.
Every value a reader sees is held in both languages (issue 23): the Vietnamese report prints the Vietnamese
ones, the English report the English ones (`in_language`), so an English document carries no Vietnamese
boilerplate. Under Decree 30 the number's symbol names the issuing body ("12/BC-CBĐTW"), so the pattern
places the issuing body's symbol (`{issuer_symbol}`); the assessed office's code has no place in it.
The defaults below hold until an administrator saves settings in the admin area; every save is a new row
of `report_settings` (the latest in force), and only valid settings are ever stored, so a rejected save
leaves the previous settings in force and reports keep rendering with them.

The number's `{seq}` is the assessment's place among its cycle's assessments (1 for the first one started):
stable, unique within the cycle (a cycle is the year's round), and known without writing anything when a
report is rendered. See `sequence_of`.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass, field
from typing import Any

from babel.dates import format_date
from flask import has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import Assessment, ReportSettingsRecord, User
from roadmap.services import Invalid, Problem
from roadmap.services.plans.wording import DOCUMENT_DATE_PATTERNS
from roadmap.services.platform import audit

# Placeholders a document number pattern may use, e.g. "{seq}/BC-{issuer_symbol}" → "12/BC-CBĐTW".
NUMBER_PLACEHOLDERS = ("seq", "year", "cycle_code", "issuer_symbol")
# Decree 30: the symbol after the type's abbreviation names the issuing body, never the body reported on.
ASSESSED_OFFICE_PLACEHOLDER = "office_code"


@dataclass(frozen=True)
class ReportSettings:
    issuing_body: str = "CỤC BƯU ĐIỆN TRUNG ƯƠNG"
    issuing_body_parent: str = "BỘ KHOA HỌC VÀ CÔNG NGHỆ"
    issuer_symbol: str = "CBĐTW"
    number_pattern: str = "{seq}/BC-{issuer_symbol}"
    place: str = "Hà Nội"
    signatory_position: str = "CỤC TRƯỞNG"
    signatory_name: str = ""
    recipients: tuple[str, ...] = field(default_factory=lambda: ("Như trên;", "Lưu: VT."))
    # The same, for the English report.
    issuing_body_en: str = "Central Post Office Department"
    issuing_body_parent_en: str = "Ministry of Science and Technology"
    place_en: str = "Hanoi"
    signatory_position_en: str = "Director General"
    recipients_en: tuple[str, ...] = field(
        default_factory=lambda: ("As addressed above;", "Archived: Records.")
    )


@dataclass(frozen=True)
class Issuer:
    """The settings' values as one report prints them, in its language."""

    body: str
    parent: str
    place: str
    signatory_position: str
    signatory_name: str
    recipients: tuple[str, ...]


def in_language(settings: ReportSettings, locale: str) -> Issuer:
    if locale == "vi":
        return Issuer(
            body=settings.issuing_body,
            parent=settings.issuing_body_parent,
            place=settings.place,
            signatory_position=settings.signatory_position,
            signatory_name=settings.signatory_name,
            recipients=settings.recipients,
        )
    return Issuer(
        body=settings.issuing_body_en,
        parent=settings.issuing_body_parent_en,
        place=settings.place_en,
        signatory_position=settings.signatory_position_en,
        signatory_name=settings.signatory_name,  # a person's name is not translated
        recipients=settings.recipients_en,
    )


DEFAULTS = ReportSettings()


# Lengths the database columns allow.
MAX_LENGTHS = {
    "issuing_body": 255,
    "issuing_body_parent": 255,
    "issuer_symbol": 32,
    "number_pattern": 128,
    "place": 128,
    "signatory_position": 255,
    "signatory_name": 255,
    "issuing_body_en": 255,
    "issuing_body_parent_en": 255,
    "place_en": 128,
    "signatory_position_en": 255,
}
# The fields that a report needs filled in, with the message shown beside each when it is empty.
REQUIRED = {
    "issuing_body": _l("Please enter the issuing body."),
    "issuer_symbol": _l("Please enter the issuing body's symbol, for example CBĐTW."),
    "place": _l("Please enter the place where the report is issued."),
    "signatory_position": _l("Please enter the signatory's position."),
    "signatory_name": _l("Please enter the signatory's full name."),
    "issuing_body_en": _l("Please enter the issuing body in English."),
    "place_en": _l("Please enter the place in English."),
    "signatory_position_en": _l("Please enter the signatory's position in English."),
}
TEXT_FIELDS = (
    "issuing_body",
    "issuing_body_parent",
    "issuer_symbol",
    "number_pattern",
    "place",
    "signatory_position",
    "signatory_name",
    "issuing_body_en",
    "issuing_body_parent_en",
    "place_en",
    "signatory_position_en",
)
LIST_FIELDS = ("recipients", "recipients_en")
MAX_RECIPIENTS = 30
MAX_RECIPIENT_LENGTH = 255


def _latest() -> ReportSettingsRecord | None:
    return db.session.scalar(select(ReportSettingsRecord).order_by(ReportSettingsRecord.id.desc()).limit(1))


def _from_record(record: ReportSettingsRecord) -> ReportSettings:
    return ReportSettings(
        **{name: getattr(record, name) for name in TEXT_FIELDS},
        **{name: tuple(getattr(record, name) or ()) for name in LIST_FIELDS},
    )


# Saved settings are never changed (a save adds a row): the parsed settings of a row, by its id and the time
# it was saved (a database restored or rebuilt may give an id again to other settings).
_BY_ROW: dict[tuple[int, dt.datetime], ReportSettings] = {}


def latest_row_columns() -> tuple[Any, ...]:
    """The id and save time of the settings in force, for a caller that reads them with other things in
    one statement and then asks `in_force`. Built once: they take no parameter."""
    return _LATEST_ROW_COLUMNS


_LATEST_ROW_COLUMNS = (
    select(ReportSettingsRecord.id).order_by(ReportSettingsRecord.id.desc()).limit(1).scalar_subquery(),
    select(ReportSettingsRecord.saved_at).order_by(ReportSettingsRecord.id.desc()).limit(1).scalar_subquery(),
)


def in_force(row_id: int | None, saved: dt.datetime | None) -> ReportSettings:
    """`current()` given the latest row's id and save time: read once per process, not per call."""
    if row_id is None or saved is None:
        return DEFAULTS
    key = (row_id, saved)
    found = _BY_ROW.get(key)
    if found is None:
        record = db.session.get(ReportSettingsRecord, row_id)
        settings = DEFAULTS if record is None else _from_record(record)
        found = DEFAULTS if problems(settings) else settings
        if len(_BY_ROW) >= 64:
            _BY_ROW.clear()
        _BY_ROW[key] = found
    return found


def current() -> ReportSettings:
    """The settings in force: the latest saved ones, or DEFAULTS before any save (or outside the app)."""
    if not has_app_context():
        return DEFAULTS
    record = _latest()
    if record is None:
        return DEFAULTS
    settings = _from_record(record)
    # Stored settings were checked when saved; a row written by other means must not break every report.
    return DEFAULTS if problems(settings) else settings


def saved_at() -> dt.datetime | None:
    """When the settings in force were saved (None while the defaults hold)."""
    record = _latest() if has_app_context() else None
    return None if record is None else record.saved_at


def problems(settings: ReportSettings) -> list[Problem]:
    """What is wrong with these settings, each beside its field (empty when they may be saved)."""
    found: list[Problem] = []
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(settings, name)) > limit:
            found.append(Problem(name, _l("At most %(limit)d characters.", limit=limit)))
    for name, message in REQUIRED.items():
        if not getattr(settings, name).strip():
            found.append(Problem(name, message))
    pattern_problem = _pattern_problem(settings.number_pattern)
    if pattern_problem is not None:
        found.append(Problem("number_pattern", pattern_problem))
    for name in LIST_FIELDS:
        lines = getattr(settings, name)
        if len(lines) > MAX_RECIPIENTS:
            found.append(Problem(name, _l("At most %(limit)d recipients.", limit=MAX_RECIPIENTS)))
        if any(len(r) > MAX_RECIPIENT_LENGTH for r in lines):
            found.append(
                Problem(name, _l("At most %(limit)d characters per line.", limit=MAX_RECIPIENT_LENGTH))
            )
    return found


def _pattern_problem(pattern: str) -> str | None:
    known = ", ".join("{" + name + "}" for name in NUMBER_PLACEHOLDERS)
    if not pattern.strip():
        return str(_l("Please enter the document number pattern."))
    try:
        unknown = unknown_placeholders(pattern)
    except ValueError:
        return str(
            _l(
                "The pattern has an unmatched brace. Write placeholders such as {seq} with both braces; "
                "the known placeholders are %(known)s.",
                known=known,
            )
        )
    if ASSESSED_OFFICE_PLACEHOLDER in unknown:
        return str(
            _l(
                "Under Decree 30/2020 the number's symbol names the issuing body, not the assessed office: "
                "write {issuer_symbol} instead of {office_code}."
            )
        )
    if unknown:
        return str(
            _l(
                "Unknown placeholder %(unknown)s. The known placeholders are %(known)s.",
                unknown=", ".join("{" + name + "}" for name in unknown),
                known=known,
            )
        )
    try:
        document_number(ReportSettings(number_pattern=pattern), seq=1, year=2026, cycle_code="2026")
    except (ValueError, TypeError, KeyError, IndexError):
        return str(_l("The pattern cannot be filled in: check the text after the colon in each placeholder."))
    return None


def save(settings: ReportSettings, *, actor: User) -> ReportSettings:
    """Store new settings (they are in force from now on), audited; Invalid, with nothing stored, when
    any value is wrong. The caller commits."""
    settings = ReportSettings(
        **{name: getattr(settings, name).strip() for name in TEXT_FIELDS},
        **{name: tuple(r.strip() for r in getattr(settings, name) if r.strip()) for name in LIST_FIELDS},
    )
    found = problems(settings)
    if found:
        raise Invalid(*found)
    before = current()
    record = ReportSettingsRecord(
        **{name: getattr(settings, name) for name in TEXT_FIELDS},
        **{name: list(getattr(settings, name)) for name in LIST_FIELDS},
        saved_by_id=actor.id,
    )
    db.session.add(record)
    db.session.flush()
    changed = {
        name: {"from": _jsonable(getattr(before, name)), "to": _jsonable(getattr(settings, name))}
        for name in ReportSettings.__dataclass_fields__
        if getattr(before, name) != getattr(settings, name)
    }
    audit.record(
        "report_settings.saved",
        actor=actor,
        object_type="report_settings",
        object_id=record.id,
        details={"changed": changed},
    )
    return settings


def _jsonable(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def sequence_of(assessment: Assessment) -> int:
    """The `{seq}` of an assessment's report: its place among its cycle's assessments, in the order they
    were started (1, 2, …). Stable and unique within the cycle; nothing is written to find it."""
    earlier = db.session.scalar(
        select(func.count())
        .select_from(Assessment)
        .where(Assessment.cycle_id == assessment.cycle_id, Assessment.id <= assessment.id)
    )
    return int(earlier or 1)


def number_for(assessment: Assessment, settings: ReportSettings | None = None) -> str:
    """The document number and symbol of an assessment's report, e.g. "3/BC-CBĐTW"."""
    settings = settings or current()
    return document_number(
        settings,
        seq=sequence_of(assessment),
        year=assessment.cycle.opens_on.year,
        cycle_code=assessment.cycle.code,
    )


def unknown_placeholders(pattern: str) -> list[str]:
    """Placeholders in `pattern` that `document_number` cannot fill (empty when the pattern is valid)."""
    unknown: list[str] = []
    for _literal, name, _spec, _conversion in string.Formatter().parse(pattern):
        if name is not None and name not in NUMBER_PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    return unknown


def document_number(settings: ReportSettings, *, seq: int, year: int, cycle_code: str) -> str:
    return settings.number_pattern.format(
        seq=seq, year=year, cycle_code=cycle_code, issuer_symbol=settings.issuer_symbol
    )


def date_line(place: str, day: dt.date) -> str:
    """'Hà Nội, ngày 05 tháng 3 năm 2026': leading zero for days 1–9 and for months 1–2 (Decree 30)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def date_line_en(place: str, day: dt.date) -> str:
    """'Hanoi, 5 March 2026': the English report's one form of a date."""
    return f"{place}, {format_date(day, DOCUMENT_DATE_PATTERNS['en'], locale='en')}"
