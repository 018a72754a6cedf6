"""The roadmap's charts, the same on screen, in the PDF and in the Word document: its schedule by quarter (a
Gantt chart) and its projected index after each phase. Drawings from roadmap.charts (SVG on screen and in the
PDF, which escapes every label; PNG in the Word document); every word comes from
roadmap.services.plans.wording."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from roadmap import charts
from roadmap.engine.overlay import EffectiveStatus
from roadmap.services.plans import wording as text
from roadmap.services.plans.roadmaps import Roadmap


def _colour(item: Any) -> int:
    """Red for what needs attention, amber for the consultants' changes, green for the planner's."""
    if item.findings or item.status is EffectiveStatus.DEADLINE_MISSED:
        return 1
    if item.moved_by is not None or item.added_by is not None:
        return 3
    return 5 if item.item.mandatory else 4


def _note(item: Any) -> str:
    if item.status is EffectiveStatus.DEADLINE_MISSED:
        return _("deadline missed")
    if item.findings:
        return _("see warnings")
    if item.moved_by is not None:
        return _("moved")
    if item.added_by is not None:
        return _("added")
    return ""


def _column_labels(roadmap: Roadmap) -> list[str]:
    """One label per three months from the start, short enough for the chart's columns: 'Q1/2027' when the
    plan starts with a quarter (as the service ensures), else the column's first month ('03/2027')."""
    start = roadmap.plan.parameters.start
    columns = -(-roadmap.plan.parameters.horizon_months // 3)
    if start.month % 3 == 1:
        return [f"Q{start.plus(3 * i).quarter}/{start.plus(3 * i).year}" for i in range(columns)]
    return [text.month_label(start.plus(3 * i)) for i in range(columns)]


def gantt_chart(roadmap: Roadmap) -> charts.Drawing:
    locale = text.locale()
    bars = []
    for item in roadmap.effective.counted():
        name = f"{item.code} {item.initiative.name.get(locale)}"
        bars.append(
            charts.GanttBar(
                label=name if len(name) <= 42 else name[:41] + "…",
                start_month=item.start or 0,
                duration_months=item.initiative.duration_months,
                level_colour=_colour(item),
                note=_note(item),
            )
        )
    return charts.gantt(
        bars,
        quarter_labels=_column_labels(roadmap),
        phase_bounds=roadmap.plan.parameters.phase_bounds,
        phase_labels=[text.phase_label(i) for i in range(roadmap.plan.parameters.phase_count)],
        title=_("Schedule by quarter"),
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
