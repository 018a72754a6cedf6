"""The progress report ("Báo cáo tiến độ thực hiện lộ trình", issue 22): how an office's published roadmap is
getting on, for a quarter or a year chosen by the reader, as plain values that the PDF and the Word document
lay out (roadmap.services.reporting.progress_formats) with the official report's building blocks.

`build(assessment, period)` gathers, in the language in force (callers wrap it in `force_locale`): per
initiative concerned by the period (planned or actually worked on in it, or late or blocked at its end) the
planned and actual quarters, status, percent done, owner, the progress note, the completion evidence and the
consultant's verdict; what is late, what is blocked (with its reason) and the mandatory initiatives at risk;
and the delivery rate (done of what was planned to be finished by the period's end). Statuses are as
recorded on the report's date; lateness is judged at the period's end (or today, while it runs), by the
same rules as the progress page and the consultants' follow-up (roadmap.services.plans.tracking,
roadmap.services.review.follow_up). Values typed by people stay as typed (each format escapes them).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadmap.engine.text import isolate
from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus, CompletionVerdict, TrackingStatus, User
from roadmap.services import invalid
from roadmap.services.plans import roadmaps, tracking
from roadmap.services.plans import wording as text
from roadmap.services.plans.tracking import Line, Quarter
from roadmap.services.reporting import settings as report_settings
from roadmap.services.reporting.model import Fact, check_locale
from roadmap.services.review.follow_up import OfficeDelivery

# Decree 30's summary line of this document: Vietnamese by law, in the Vietnamese report only.
DECREE30_SUMMARY = "Tiến độ thực hiện lộ trình chuyển đổi số"
PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")


@dataclass(frozen=True, order=True)
class Period:
    """A year ("2026") or a quarter ("2026-Q3") of the roadmap."""

    year: int
    quarter: int | None = None

    @classmethod
    def parse(cls, value: str) -> Period:
        match = PERIOD.match(value.strip())
        if match is None:
            raise invalid(
                "period",
                _l("The period must be a year (for example 2026) or a quarter (for example 2026-Q3)."),
            )
        return cls(int(match.group(1)), int(match.group(2)) if match.group(2) else None)

    @property
    def first(self) -> Quarter:
        return Quarter(self.year, self.quarter or 1)

    @property
    def last(self) -> Quarter:
        return Quarter(self.year, self.quarter or 4)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 3 * self.first.number - 2, 1)

    @property
    def last_day(self) -> dt.date:
        after = self.last.next()
        return dt.date(after.year, 3 * after.number - 2, 1) - dt.timedelta(days=1)

    def label(self) -> str:
        if self.quarter is None:
            return _("the year %(year)d", year=self.year)
        return text.quarter_label(str(self.first))

    def __str__(self) -> str:
        return str(self.year) if self.quarter is None else str(self.first)


def period_choices(assessment: Assessment, *, today: dt.date | None = None) -> list[Period]:
    """The periods a progress report may cover: every quarter from the roadmap's start to the current one
    (the first quarter at least, while the roadmap has not started), and their years; latest first."""
    roadmap = roadmaps.load(assessment)
    if roadmap is None:
        return []
    parameters = roadmap.plan.parameters
    start = Quarter.of_month(parameters.start)
    months = parameters.start.month - 1 + parameters.horizon_months - 1
    end = Quarter(parameters.start.year + months // 12, months % 12 // 3 + 1)
    now = Quarter.of_day(today or roadmaps.local_today())
    quarters = tracking.quarters_between(start, max(start, min(now, end)))
    years = sorted({quarter.year for quarter in quarters})
    found = [Period(year) for year in years] + [Period(q.year, q.number) for q in quarters]
    return sorted(found, key=lambda period: (period.year, period.quarter or 5), reverse=True)


def default_period(assessment: Assessment, *, today: dt.date | None = None) -> Period | None:
    """The latest quarter the report may cover (the current one, while the roadmap runs)."""
    quarters = [period for period in period_choices(assessment, today=today) if period.quarter is not None]
    return quarters[0] if quarters else None


def check_period(assessment: Assessment, value: str | None, *, today: dt.date | None = None) -> Period:
    """The period asked for, if the published roadmap has progress to report for it; else Invalid, with a
    message that says what may be asked."""
    if assessment.status_enum is not AssessmentStatus.PUBLISHED:
        raise invalid(
            None,
            _l("Progress is followed only on a published roadmap: this roadmap has not been published yet."),
        )
    choices = period_choices(assessment, today=today)
    if not value:
        chosen = default_period(assessment, today=today)
        if chosen is None:
            raise invalid("period", _l("This roadmap has no period to report on."))
        return chosen
    period = Period.parse(value)
    if period not in choices:
        quarters = [p for p in choices if p.quarter is not None]
        raise invalid(
            "period",
            _l(
                "Progress can be reported for the quarters from %(first)s to %(last)s and their years.",
                first=str(quarters[-1].first) if quarters else "",
                last=str(quarters[0].first) if quarters else "",
            ),
        )
    return period


def filename_for(assessment: Assessment, period: Period, locale: str, extension: str) -> str:
    """'Báo cáo tiến độ VPCP 2026-Q3.pdf' in the report's language (sent RFC 5987-encoded)."""
    stem = "Báo cáo tiến độ" if locale == "vi" else "Progress report"
    return f"{stem} {assessment.office.code} {period}.{extension}"


# --- the model ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressWords:
    """The progress report's own words in its language; every format takes them from here."""

    title: str
    subject: str
    overview: str
    initiatives: str
    details: str
    attention: str
    late: str
    blocked: str
    at_risk: str
    no_late: str
    no_blocked: str
    no_at_risk: str
    no_initiative: str
    columns: tuple[str, str, str, str, str]  # initiative, planned, actual, status, percent done
    count_columns: tuple[str, str]  # status, initiatives
    recipients: str
    cover: tuple[tuple[str, str], ...]  # the English cover's facts (label, value)


@dataclass(frozen=True)
class InitiativeProgress:
    code: str
    heading: str  # "K01 Deploy network monitoring (mandatory)"
    cells: tuple[str, str, str, str, str]  # the table's row
    facts: tuple[Fact, ...]  # owner, progress note, what blocks it, evidence, verdict, comment…


@dataclass(frozen=True)
class ProgressData:
    locale: str
    assessment_id: int
    office_name: str
    office_code: str
    cycle_name: str
    cycle_code: str
    period: str  # "2026-Q3" or "2026"
    period_label: str
    issued_on: dt.date
    date_line: str
    document_number: str
    issuer_parent: str
    issuer: str
    signatory_position: str
    signatory_name: str
    recipients: tuple[str, ...]
    words: ProgressWords
    about: tuple[str, ...]  # office, roadmap, period; the day statuses are as recorded
    counts: tuple[tuple[str, str], ...]  # (status, number of initiatives), the whole roadmap, total last
    delivery: str  # the delivery rate in one sentence
    standing: str  # late, blocked, at risk in one sentence
    initiatives: tuple[InitiativeProgress, ...]
    late: tuple[str, ...]
    blocked: tuple[str, ...]
    at_risk: tuple[str, ...]

    def outline(self) -> list[tuple[int, str]]:
        """(level, heading) of every part in reading order, in every format."""
        w = self.words
        return [
            (1, w.overview),
            (1, w.initiatives),
            (2, w.details),
            (1, w.attention),
            (2, w.late),
            (2, w.blocked),
            (2, w.at_risk),
        ]


# --- building it -------------------------------------------------------------------------------------------


def _span(first: str, last: str) -> str:
    """'Q1 2027', or 'Q1 2027 to Q3 2027' (the main report's wording of quarters)."""
    if not first and not last:
        return "—"
    start, end = text.quarter_label(first), text.quarter_label(last)
    if not last:
        return _("from %(start)s", start=start)
    return start if start == end else _("%(start)s to %(end)s", start=start, end=end)


def _concerned(line: Line, period: Period, now: Quarter) -> bool:
    """Planned or actually worked on during the period, or late or blocked at its end."""
    if line.late or line.status is TrackingStatus.BLOCKED:
        return True
    planned = (
        line.planned_start is not None
        and line.planned_finish is not None
        and line.planned_start <= period.last
        and line.planned_finish >= period.first
    )
    state = line.state
    started = Quarter.parse(state["actual_start"] or "")
    finished = Quarter.parse(state["actual_finish"] or "")
    worked = started is not None and started <= period.last and (finished or now) >= period.first
    return planned or worked


def _status_text(line: Line) -> str:
    words = str(tracking.STATUS_LABELS[line.status])
    if line.late:
        words += f", {_('late')}"
    return words


def _verdict_text(line: Line) -> str:
    verdict = line.state["verdict"]
    if verdict:
        return str(tracking.VERDICT_LABELS[CompletionVerdict(verdict)])
    if line.status in (TrackingStatus.DONE, TrackingStatus.DROPPED):
        return _("awaiting the consultant's verdict")
    return "—"


def _name(line: Line) -> str:
    return f"{line.code} {isolate(line.name)}"


def _initiative(line: Line, owners: dict[int, str]) -> InitiativeProgress:
    state = line.state
    owner = " · ".join(
        isolate(part) for part in (owners.get(state["owner_id"] or 0, ""), state["owner_unit"]) if part
    )
    evidence = isolate(state["evidence_note"]) if state["evidence_note"] else ""
    if state["evidence_document"]:
        document = _("Document: %(reference)s", reference=isolate(state["evidence_document"]))
        evidence = f"{evidence} ({document})" if evidence else document
    facts = [Fact(_("Owner"), owner or "—"), Fact(_("Progress note"), isolate(state["progress_note"]) or "—")]
    if state["blocked_reason"]:
        facts.append(Fact(_("What blocks it"), isolate(state["blocked_reason"])))
    if state["drop_justification"]:
        facts.append(Fact(_("Justification for dropping"), isolate(state["drop_justification"])))
    facts.append(Fact(_("Completion evidence"), evidence or "—"))
    facts.append(Fact(_("Consultant's verdict"), _verdict_text(line)))
    if state["review_comment"]:
        facts.append(Fact(_("Consultant's comment"), isolate(state["review_comment"])))
    if line.mandatory and line.deadline is not None:
        facts.append(Fact(_("Legal deadline"), text.date_text(line.deadline)))
    heading = _name(line) + (f" ({_('mandatory')})" if line.mandatory else "")
    planned = _span(str(line.planned_start or ""), str(line.planned_finish or ""))
    actual = _span(state["actual_start"] or "", state["actual_finish"] or "")
    return InitiativeProgress(
        code=line.code,
        heading=heading,
        cells=(heading, planned, actual, _status_text(line), f"{state['percent_done']} %"),
        facts=tuple(facts),
    )


def _owners(lines: list[Line]) -> dict[int, str]:
    ids = {line.state["owner_id"] for line in lines if line.state["owner_id"]}
    if not ids:
        return {}
    return {
        row.id: row.full_name
        for row in db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids)))
    }


def _words(assessment: Assessment, period: Period, day: dt.date, issuer: str, number: str) -> ProgressWords:
    locale = text.locale()
    return ProgressWords(
        title=_(
            "Progress report on the roadmap: %(office)s, %(period)s",
            office=assessment.office.name(locale),
            period=period.label(),
        ),
        subject=_("Progress in carrying out the digital transformation roadmap"),
        overview=_("Overview"),
        initiatives=_("Progress by initiative"),
        details=_("Owners, notes, evidence and verdicts"),
        attention=_("Points needing attention"),
        late=_("Late initiatives"),
        blocked=_("Blocked initiatives"),
        at_risk=_("Mandatory initiatives at risk"),
        no_late=_("No initiative is late."),
        no_blocked=_("No initiative is blocked."),
        no_at_risk=_("No mandatory initiative is at risk."),
        no_initiative=_("No initiative of the roadmap concerns this period."),
        columns=(_("Initiative"), _("Planned"), _("Actual"), _("Status"), _("Percent done")),
        count_columns=(_("Status"), _("Number of initiatives")),
        recipients=_("Recipients:"),
        cover=(
            (_("Period"), period.label()),
            (_("Roadmap of the cycle"), assessment.cycle.name(locale)),
            (_("Date"), text.date_text(day)),
            (_("Issued by"), issuer),
            (_("Reference"), number),
        ),
    )


def build(assessment: Assessment, period: Period, *, today: dt.date | None = None) -> ProgressData:
    """Every value and word of the progress report, in the language in force."""
    locale = check_locale(text.locale())
    day = today or roadmaps.local_today()
    # Lateness at the period's end (the first day after it), or today while it runs.
    judged_on = min(day, period.last_day + dt.timedelta(days=1))
    everything = tracking.lines(assessment, today=judged_on)
    now = Quarter.of_day(day)
    concerned = [line for line in everything if _concerned(line, period, now)]
    owners = _owners(concerned)
    settings = report_settings.current()
    issuer = report_settings.in_language(settings, locale)
    number = report_settings.number_for(assessment, settings)
    office, cycle = assessment.office, assessment.cycle

    def official(name: str) -> str:
        return name.upper() if locale == "vi" else name

    delivery = OfficeDelivery(office, assessment)
    for line in everything:
        delivery.count(line, Quarter.of_day(judged_on) if judged_on <= period.last_day else period.last)
    by_status = [
        (str(label).capitalize(), str(sum(1 for line in everything if line.status is status)))
        for status, label in tracking.STATUS_LABELS.items()
    ]
    counts = (*by_status, (_("Total"), str(len(everything))))
    if delivery.delivery_rate is None:
        delivery_line = _("No initiative was planned to be finished by the end of the period.")
    else:
        delivery_line = _(
            "Planned to be finished by the end of the period: %(planned)d; done: %(done)d; delivery rate: "
            "%(rate)s %%.",
            planned=delivery.planned_by_now,
            done=delivery.done_of_planned,
            rate=format_decimal(delivery.delivery_rate),
        )
    late = [line for line in everything if line.late]
    blocked = [line for line in everything if line.status is TrackingStatus.BLOCKED]
    at_risk = [line for line in everything if line.at_risk]
    return ProgressData(
        locale=locale,
        assessment_id=assessment.id,
        office_name=office.name(locale),
        office_code=office.code,
        cycle_name=cycle.name(locale),
        cycle_code=cycle.code,
        period=str(period),
        period_label=period.label(),
        issued_on=day,
        date_line=(report_settings.date_line if locale == "vi" else report_settings.date_line_en)(
            issuer.place, day
        ),
        document_number=number,
        issuer_parent=official(issuer.parent),
        issuer=official(issuer.body),
        signatory_position=official(issuer.signatory_position),
        signatory_name=issuer.signatory_name,
        recipients=issuer.recipients,
        words=_words(assessment, period, day, issuer.body, number),
        about=(
            _(
                "Office: %(office)s. Roadmap of the cycle %(cycle)s. Period: %(period)s (%(first)s to "
                "%(last)s).",
                office=office.name(locale),
                cycle=cycle.name(locale),
                period=period.label(),
                first=text.date_text(period.first_day),
                last=text.date_text(period.last_day),
            ),
            _(
                "Statuses, percentages, notes and evidence are as the office recorded them on %(day)s; an "
                "initiative is late when the quarter it was planned to finish in had ended by %(judged)s "
                "without it being done.",
                day=text.date_text(day),
                judged=text.date_text(judged_on),
            ),
        ),
        counts=counts,
        delivery=delivery_line,
        standing=_(
            "Late: %(late)d. Blocked: %(blocked)d. Mandatory at risk: %(at_risk)d.",
            late=len(late),
            blocked=len(blocked),
            at_risk=len(at_risk),
        ),
        initiatives=tuple(_initiative(line, owners) for line in concerned),
        late=tuple(
            _(
                "%(initiative)s: planned to finish in %(quarter)s; %(status)s, %(percent)d %%.",
                initiative=_name(line),
                quarter=text.quarter_label(str(line.planned_finish)),
                status=str(tracking.STATUS_LABELS[line.status]),
                percent=line.state["percent_done"],
            )
            for line in late
        ),
        blocked=tuple(
            _(
                "%(initiative)s: %(reason)s",
                initiative=_name(line),
                reason=isolate(line.state["blocked_reason"]),
            )
            for line in blocked
        ),
        at_risk=tuple(_at_risk_line(line) for line in at_risk),
    )


def _at_risk_line(line: Line) -> str:
    why = []
    if line.late:
        why.append(_("late"))
    if line.status is TrackingStatus.BLOCKED:
        why.append(str(tracking.STATUS_LABELS[line.status]))
    if line.deadline is not None:
        why.append(_("legal date %(date)s", date=text.date_text(line.deadline)))
    if line.planned_finish is not None:
        why.append(
            _("planned to finish in %(quarter)s", quarter=text.quarter_label(str(line.planned_finish)))
        )
    return f"{_name(line)}: {'; '.join(why)}"
