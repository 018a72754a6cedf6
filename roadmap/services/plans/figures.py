"""The roadmap's charts, the same on screen, in the PDF and in the Word document: its schedule by quarter (a
Gantt chart) and its projected index after each phase. Drawings from roadmap.charts (SVG on screen and in the
PDF, which escapes every label; PNG in the Word document); every word comes from
roadmap.services.plans.wording."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from roadmap import charts
from roadmap.engine.overlay import EffectiveStatus
from roadmap.services.plans import wording as text
from roadmap.services.plans.roadmaps import Roadmap
from roadmap.services.plans.tracking import Line as TrackedLine
from roadmap.services.plans.tracking import Quarter, quarters_between

# A bar's colour (roadmap.charts.LEVEL_COLOURS) by what it says; every colour but the planner's own also puts
# a word after the bar (`_note`), so that the chart reads without colour (issue 23).
ATTENTION, CHANGED, PROPOSED, MANDATORY = 1, 3, 4, 5
# Room for an initiative's name in two lines mostly; with a three-year horizon the chart is about 920 units
# wide, which the report prints at its natural size on a landscape A4 page.
GANTT_LABEL_WIDTH = 360


def _colour(item: Any) -> int:
    """Red for what needs attention, amber for the consultants' changes, dark green for what the law
    requires, green for the rest of the planner's proposal."""
    if item.findings or item.status is EffectiveStatus.DEADLINE_MISSED:
        return ATTENTION
    if item.moved_by is not None or item.added_by is not None:
        return CHANGED
    return MANDATORY if item.item.mandatory else PROPOSED


def _note(item: Any) -> str:
    if item.status is EffectiveStatus.DEADLINE_MISSED:
        return _("deadline missed")
    if item.findings:
        return _("see warnings")
    if item.moved_by is not None:
        return _("moved")
    if item.added_by is not None:
        return _("added")
    if item.item.mandatory:
        return _("mandatory")
    return ""


def _legend(colours: set[int]) -> list[tuple[int, str]]:
    words = {
        PROPOSED: _("Proposed by the planner"),
        MANDATORY: _("Mandatory (“mandatory”)"),
        CHANGED: _("Changed by a consultant (“moved”, “added”)"),
        ATTENTION: _("Needs attention (“deadline missed”, “see warnings”)"),
    }
    return [
        (colour, words[colour]) for colour in (PROPOSED, MANDATORY, CHANGED, ATTENTION) if colour in colours
    ]


def _column_labels(roadmap: Roadmap) -> list[str]:
    """One label per three months from the start, short enough for the chart's columns: 'Q1/2027' when the
    plan starts with a quarter (as the service ensures), else the column's first month ('03/2027')."""
    start = roadmap.plan.parameters.start
    columns = -(-roadmap.plan.parameters.horizon_months // 3)
    if start.month % 3 == 1:
        return [f"Q{start.plus(3 * i).quarter}/{start.plus(3 * i).year}" for i in range(columns)]
    return [text.month_label(start.plus(3 * i)) for i in range(columns)]


def gantt_chart(roadmap: Roadmap) -> charts.Drawing:
    """The schedule: every counted initiative's full name (wrapped, never cut), its bar, a word for what its
    colour means, and a legend of the colours used."""
    locale = text.locale()
    bars = [
        charts.GanttBar(
            label=f"{item.code} {item.initiative.name.get(locale)}",
            start_month=item.start or 0,
            duration_months=item.initiative.duration_months,
            level_colour=_colour(item),
            note=_note(item),
        )
        for item in roadmap.effective.counted()
    ]
    return charts.gantt(
        bars,
        quarter_labels=_column_labels(roadmap),
        phase_bounds=roadmap.plan.parameters.phase_bounds,
        phase_labels=[text.phase_label(i) for i in range(roadmap.plan.parameters.phase_count)],
        title=_("Schedule by quarter"),
        label_width=GANTT_LABEL_WIDTH,
        legend=_legend({bar.level_colour for bar in bars}),
    )


def trajectory_chart(roadmap: Roadmap) -> charts.Drawing:
    now = roadmap.result.index
    return charts.line_chart(
        [
            charts.Series(_("Proposed"), [now, *(p.index for p in roadmap.plan.trajectory)], "#5a6270"),
            charts.Series(
                _("Approved"),
                [now, *(p.projection.index for p in roadmap.effective.trajectory)],
                "#8b1a1a",
                dashed=True,
            ),
        ],
        x_labels=[_("Now"), *(text.phase_short_label(i) for i in range(len(roadmap.plan.trajectory)))],
        y_max=1000,
        y_ticks=(0, 250, 500, 750, 1000),
        title=_("Projected index after each phase"),
    )


def gantt_svg(roadmap: Roadmap) -> Markup:
    return Markup(gantt_chart(roadmap).svg())  # noqa: S704 (roadmap.charts escapes every label)


def trajectory_svg(roadmap: Roadmap) -> Markup:
    return Markup(trajectory_chart(roadmap).svg())  # noqa: S704 (roadmap.charts escapes every label)


# --- the plan followed through the year (issue 22) ------------------------------------------------------


def _progress_note(line: TrackedLine) -> str:
    status = line.status.value
    if line.late:
        return _("late")
    if status == "blocked":
        return _("blocked")
    if status == "dropped":
        return _("dropped")
    if status == "done":
        return _("done")
    if status == "not_started":
        return _("not started")
    return f"{line.state['percent_done']} %"


def progress_gantt_chart(lines: Sequence[TrackedLine], today: dt.date) -> charts.Drawing:
    """Planned against actual by quarter for the office's progress page: every followed initiative (a
    tracking.Line), its planned quarters, the quarters it actually ran (to today while under way), the late
    ones outlined and named red, and a line at today."""
    now = Quarter.of_day(today)
    ends: list[Quarter] = [now]
    actual: dict[str, tuple[Quarter, Quarter] | None] = {}
    for line in lines:
        ends.extend(q for q in (line.planned_start, line.planned_finish) if q is not None)
        start = Quarter.parse(line.state["actual_start"] or "")
        finish = Quarter.parse(line.state["actual_finish"] or "")
        if start is None:
            actual[line.code] = None
            continue
        if finish is None:
            finish = max(start, now) if line.status.value in ("in_progress", "blocked") else start
        actual[line.code] = (start, finish)
        ends.extend((start, finish))
    columns = quarters_between(min(ends), max(ends))
    index = {quarter: number for number, quarter in enumerate(columns)}
    bars = []
    for line in lines:
        planned = (
            (index[line.planned_start], index[line.planned_finish])
            if line.planned_start is not None and line.planned_finish is not None
            else None
        )
        ran = actual[line.code]
        bars.append(
            charts.ProgressBar(
                label=f"{line.code} {line.name}",
                planned=planned,
                actual=(index[ran[0]], index[ran[1]]) if ran is not None else None,
                ongoing=ran is not None
                and not line.state["actual_finish"]
                and line.status.value in ("in_progress", "blocked"),
                late=line.late,
                done=line.status.value == "done",
                note=_progress_note(line),
            )
        )
    start_of_quarter = dt.date(now.year, 3 * now.number - 2, 1)
    days_in = (today - start_of_quarter).days
    position = index[now] + min(days_in / 91.0, 1.0)
    late = sum(1 for line in lines if line.late)
    return charts.progress_gantt(
        bars,
        quarter_labels=[f"Q{quarter.number}/{quarter.year}" for quarter in columns],
        today=position,
        today_label=_("Today"),
        title=_("Planned and actual, by quarter"),
        description=_(
            "For each initiative, the planned quarters (grey bar, outlined red when late) above the quarters "
            "it actually ran (green); the dashed line is today. %(late)d of %(count)d initiatives are late. "
            "The table below gives the same quarters in words.",
            late=late,
            count=len(lines),
        ),
        legend=[
            (charts.PLANNED_FILL, _("Planned")),
            (charts.ACTUAL_ONGOING, _("Actual, under way")),
            (charts.ACTUAL_DONE, _("Actual, done")),
            (charts.LATE, _("Late (planned quarter passed, not done)")),
        ],
    )


def progress_gantt_svg(lines: Sequence[TrackedLine], today: dt.date) -> Markup:
    return Markup(progress_gantt_chart(lines, today).svg())  # noqa: S704 (roadmap.charts escapes every label)
