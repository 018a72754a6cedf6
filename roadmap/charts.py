"""Charts as SVG made on the server: the same drawing on screen and in the PDF, no JavaScript library.

Pure functions from plain values to SVG text. Every label is escaped here, so callers may pass user text.
Sizes are in user units with a viewBox, so the browser or WeasyPrint scales them to the space they get.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

# Level colours from 1 (weak) to 5 (strong), chosen to stay distinguishable in greyscale print.
LEVEL_COLOURS = ("#b3261e", "#e07b39", "#e6b800", "#6a9f3a", "#1e6b3a")
INK = "#1c1f24"
MUTED = "#5a6270"
GRID = "#d6dae0"
FONT = 'font-family="Liberation Sans, DejaVu Sans, Arial, sans-serif"'


def _text(
    x: float,
    y: float,
    label: str,
    *,
    size: float = 11,
    anchor: str = "start",
    fill: str = INK,
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" {FONT}>'
        f"{escape(label)}</text>"
    )


def _line(
    x1: float, y1: float, x2: float, y2: float, stroke: str = GRID, width: float = 0.6, extra: str = ""
) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
        f'stroke="{stroke}" stroke-width="{width}"{extra}/>'
    )


def _rect(x: float, y: float, width: float, height: float, fill: str, extra: str = "") -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{fill}"{extra}/>'


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


@dataclass(frozen=True)
class GanttBar:
    label: str
    start_month: int  # offset from the plan's start
    duration_months: int
    level_colour: int = 3  # 1–5: which colour; callers map status or priority to it
    note: str = ""  # short text after the bar (e.g. "deadline missed")


def gantt(
    bars: Sequence[GanttBar],
    *,
    quarter_labels: Sequence[str],
    phase_bounds: Sequence[int],
    phase_labels: Sequence[str],
    title: str,
    label_width: float = 260,
) -> str:
    """Bars by month, with a column per quarter and shaded phases."""
    quarters = max(len(quarter_labels), 1)
    months = quarters * 3
    month_width = 12.0
    row_height = 20.0
    top = 44.0
    width = label_width + months * month_width + 130
    height = top + len(bars) * row_height + 12
    body: list[str] = []
    for index, (start, end) in enumerate(pairwise(phase_bounds)):
        x = label_width + start * month_width
        body.append(
            _rect(x, 0, (end - start) * month_width, height, "#f4f5f7" if index % 2 == 0 else "#ffffff")
        )
        if index < len(phase_labels):
            body.append(_text(x + 3, 13, phase_labels[index], size=10, fill=MUTED))
    for quarter, label in enumerate(quarter_labels):
        x = label_width + quarter * 3 * month_width
        body.append(_line(x, 18, x, height))
        body.append(_text(x + 1.5 * month_width, 34, label, size=8, anchor="middle", fill=MUTED))
    for row, bar in enumerate(bars):
        y = top + row * row_height
        body.append(_text(label_width - 6, y + 13, bar.label, size=10, anchor="end"))
        x = label_width + bar.start_month * month_width
        bar_width = max(bar.duration_months, 1) * month_width
        colour = LEVEL_COLOURS[min(max(bar.level_colour, 1), 5) - 1]
        body.append(_rect(x, y + 3, bar_width, row_height - 7, colour, ' rx="2"'))
        if bar.note:
            body.append(_text(x + bar_width + 4, y + 13, bar.note, size=9, fill=MUTED))
    return _svg(width, height, body, title)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]
    colour: str = "#8b1a1a"
    dashed: bool = False


def line_chart(
    series: Sequence[Series],
    *,
    x_labels: Sequence[str],
    y_max: float,
    title: str,
    y_ticks: Sequence[float] = (),
    width: float = 520,
    height: float = 260,
) -> str:
    """A trajectory: one line per series over the x labels (e.g. now, after phase 1, 2, 3)."""
    left, right, top, bottom = 44.0, 16.0, 16.0, 52.0
    plot_w, plot_h = width - left - right, height - top - bottom
    steps = max(len(x_labels) - 1, 1)
    body: list[str] = []
    for tick in y_ticks or (0, y_max / 2, y_max):
        y = top + plot_h * (1 - tick / y_max)
        body.append(_line(left, y, left + plot_w, y))
        body.append(_text(left - 6, y + 4, f"{tick:g}", size=10, anchor="end", fill=MUTED))
    for index, label in enumerate(x_labels):
        x = left + plot_w * index / steps
        body.append(_text(x, top + plot_h + 16, label, size=10, anchor="middle", fill=MUTED))
    for number, line in enumerate(series):
        points = [
            (left + plot_w * index / steps, top + plot_h * (1 - min(max(value, 0), y_max) / y_max))
            for index, value in enumerate(line.values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        dash = ' stroke-dasharray="5,4"' if line.dashed else ""
        body.append(f'<polyline points="{path}" fill="none" stroke="{line.colour}" stroke-width="2"{dash}/>')
        for x, y in points:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{line.colour}"/>')
        legend_x = left + number * 150
        body.append(_line(legend_x, height - 12, legend_x + 18, height - 12, line.colour, 2, dash))
        body.append(_text(legend_x + 22, height - 8, line.label, size=10))
    return _svg(width, height, body, title)


def radar(
    axes: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    maximum: float = 5,
    size: float = 360,
) -> str:
    """Levels per dimension on spokes (1–5), e.g. current, target and peer median."""
    centre = size / 2
    radius = size / 2 - 70
    count = max(len(axes), 3)
    body: list[str] = []

    def point(index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        distance = radius * min(max(value, 0), maximum) / maximum
        return centre + distance * math.cos(angle), centre + distance * math.sin(angle)

    for ring in range(1, int(maximum) + 1):
        ring_points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, ring) for i in range(count)))
        body.append(f'<polygon points="{ring_points}" fill="none" stroke="{GRID}" stroke-width="0.6"/>')
    for index, label in enumerate(axes):
        x, y = point(index, maximum)
        body.append(_line(centre, centre, x, y))
        lx, ly = point(index, maximum * 1.16)
        anchor = "middle" if abs(lx - centre) < 8 else ("start" if lx > centre else "end")
        body.append(_text(lx, ly + 4, label, size=10, anchor=anchor))
    for number, line in enumerate(series):
        shape = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i, v in enumerate(line.values)))
        dash = ' stroke-dasharray="5,4"' if line.dashed else ""
        fill_opacity = "0.15" if number == 0 else "0"
        body.append(
            f'<polygon points="{shape}" fill="{line.colour}" fill-opacity="{fill_opacity}" '
            f'stroke="{line.colour}" stroke-width="2"{dash}/>'
        )
        legend_y = size - 14 - 16 * (len(series) - 1 - number)
        body.append(_line(12, legend_y - 4, 30, legend_y - 4, line.colour, 2, dash))
        body.append(_text(34, legend_y, line.label, size=10))
    return _svg(size, size, body, title)


@dataclass(frozen=True)
class HeatCell:
    level: int | None  # None: no result
    tooltip: str = ""


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[HeatCell]],
    *,
    title: str,
    label_width: float = 240,
) -> str:
    """Offices × dimensions, one coloured square per level, the level written inside."""
    cell = 34.0
    top = 40.0
    width = label_width + len(columns) * cell + 8
    height = top + len(rows) * cell + 8
    body: list[str] = []
    for column, label in enumerate(columns):
        body.append(_text(label_width + column * cell + cell / 2, top - 10, label, size=10, anchor="middle"))
    for row, label in enumerate(rows):
        y = top + row * cell
        body.append(_text(label_width - 8, y + cell / 2 + 4, label, size=10, anchor="end"))
        for column, value in enumerate(cells[row]):
            x = label_width + column * cell
            if value.level is None:
                body.append(_rect(x + 1, y + 1, cell - 2, cell - 2, "#ffffff", f' stroke="{GRID}"'))
                continue
            colour = LEVEL_COLOURS[min(max(value.level, 1), 5) - 1]
            tip = f"<title>{escape(value.tooltip)}</title>" if value.tooltip else ""
            body.append(f"<g>{tip}{_rect(x + 1, y + 1, cell - 2, cell - 2, colour)}</g>")
            text_fill = "#ffffff" if value.level in (1, 5, 4) else INK
            body.append(
                _text(
                    x + cell / 2, y + cell / 2 + 4, str(value.level), size=12, anchor="middle", fill=text_fill
                )
            )
    return _svg(width, height, body, title)
