"""Charts made on the server: one drawing, written as SVG (screens, the PDF) or as a PNG image (the Word
document), so that a chart looks the same wherever it is shown. No JavaScript library, no SVG rasteriser.

A chart function computes the chart's shapes once, from plain values, into a `Drawing` (lines, rectangles,
polygons, polylines, circles and text, in user units); `Drawing.svg()` writes them as SVG text with a
viewBox (the browser or WeasyPrint scales it), `Drawing.png()` paints the same shapes with Pillow in the
same packaged font as the PDF (Liberation Sans). Word does not show SVG everywhere, and converting SVG to
an image would need a rasteriser (a system library, cairo or librsvg, or a new dependency); painting the
few kinds of shape these charts use from the same geometry needs neither.

Pure functions. Every label is escaped when written as SVG, so callers may pass user text.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

# Level colours from 1 (weak) to 5 (strong), chosen to stay distinguishable in greyscale print.
LEVEL_COLOURS = ("#b3261e", "#e07b39", "#e6b800", "#6a9f3a", "#1e6b3a")
INK = "#1c1f24"
MUTED = "#5a6270"
GRID = "#d6dae0"
FONT = 'font-family="Liberation Sans, DejaVu Sans, Arial, sans-serif"'
DASH = (5.0, 4.0)  # a dashed stroke: 5 units drawn, 4 left out
FONT_FILE = Path(__file__).resolve().parents[1] / "static" / "fonts" / "LiberationSans-Regular.ttf"
PNG_SCALE = 2.0  # pixels per user unit in a PNG: a 520-unit chart is 1040 px, about 260 dpi at 10 cm
_SUPERSAMPLE = 2  # painted this many times larger and reduced: Pillow's shapes have no anti-aliasing


# --- the shapes ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = GRID
    width: float = 0.6
    dashed: bool = False


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    radius: float = 0.0
    stroke: str = ""  # an outline, in the default width of 1
    tooltip: str = ""  # shown on hover on screen (an SVG title); not painted


@dataclass(frozen=True)
class Polygon:
    points: tuple[tuple[float, float], ...]
    stroke: str
    width: float
    fill: str = ""  # "" for none
    fill_opacity: float = 1.0
    dashed: bool = False


@dataclass(frozen=True)
class Polyline:
    points: tuple[tuple[float, float], ...]
    stroke: str
    width: float
    dashed: bool = False


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str


@dataclass(frozen=True)
class Text:
    x: float  # the anchor point on the baseline
    y: float
    label: str
    size: float = 11
    anchor: str = "start"  # start, middle or end, as in SVG
    fill: str = INK


Shape = Line | Rect | Polygon | Polyline | Circle | Text


@dataclass(frozen=True)
class Drawing:
    """A chart's shapes in user units, in painting order, with its size and accessible title."""

    width: float
    height: float
    title: str
    shapes: tuple[Shape, ...]
    description: str = ""  # what the chart shows, in words (an SVG desc), for those who cannot see it

    def svg(self) -> str:
        return _svg(self)

    def print_svg(self) -> str:
        """The SVG for the report PDF: every label starts where its anchor puts it, measured in the packaged
        font, so no label needs `text-anchor`. WeasyPrint draws each anchored label in a transparency group
        of its own; the report's pages share one resource dictionary, so some seventy groups multiplied the
        object paths that a signature check walks (pyHanko's difference analysis: 77,000 paths and tens of
        seconds to verify one signed report). Screens keep `svg()`: a browser anchors text itself."""
        return _svg(self, measured=True)

    def png(self, scale: float = PNG_SCALE) -> bytes:
        return _png(self, scale)


# --- the SVG writer --------------------------------------------------------------------------------------


def _points(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _dash(dashed: bool) -> str:
    return f' stroke-dasharray="{DASH[0]:g},{DASH[1]:g}"' if dashed else ""


def _text_width(label: str, size: float) -> float:
    """The advance width of `label` at `size` user units in Liberation Sans (measured large, then scaled)."""
    return _font(1000).getlength(label) * size / 1000


def _svg_shape(shape: Shape, measured: bool = False) -> str:
    if isinstance(shape, Text):
        if measured:
            shift = {"middle": 0.5, "end": 1.0}.get(shape.anchor, 0.0) * _text_width(shape.label, shape.size)
            return (
                f'<text x="{shape.x - shift:.1f}" y="{shape.y:.1f}" font-size="{shape.size:g}" '
                f'fill="{shape.fill}" {FONT}>{escape(shape.label)}</text>'
            )
        return (
            f'<text x="{shape.x:.1f}" y="{shape.y:.1f}" font-size="{shape.size:g}" '
            f'text-anchor="{shape.anchor}" fill="{shape.fill}" {FONT}>{escape(shape.label)}</text>'
        )
    if isinstance(shape, Line):
        return (
            f'<line x1="{shape.x1:.1f}" y1="{shape.y1:.1f}" x2="{shape.x2:.1f}" y2="{shape.y2:.1f}" '
            f'stroke="{shape.stroke}" stroke-width="{shape.width:g}"{_dash(shape.dashed)}/>'
        )
    if isinstance(shape, Rect):
        extra = f' rx="{shape.radius:g}"' if shape.radius else ""
        extra += f' stroke="{shape.stroke}"' if shape.stroke else ""
        rect = (
            f'<rect x="{shape.x:.1f}" y="{shape.y:.1f}" width="{shape.width:.1f}" '
            f'height="{shape.height:.1f}" fill="{shape.fill}"{extra}/>'
        )
        return f"<g><title>{escape(shape.tooltip)}</title>{rect}</g>" if shape.tooltip else rect
    if isinstance(shape, Polygon):
        fill = f'fill="{shape.fill or "none"}"'
        if shape.fill and shape.fill_opacity != 1:
            fill += f' fill-opacity="{shape.fill_opacity:g}"'
        return (
            f'<polygon points="{_points(shape.points)}" {fill} stroke="{shape.stroke}" '
            f'stroke-width="{shape.width:g}"{_dash(shape.dashed)}/>'
        )
    if isinstance(shape, Polyline):
        return (
            f'<polyline points="{_points(shape.points)}" fill="none" stroke="{shape.stroke}" '
            f'stroke-width="{shape.width:g}"{_dash(shape.dashed)}/>'
        )
    return f'<circle cx="{shape.cx:.1f}" cy="{shape.cy:.1f}" r="{shape.r:g}" fill="{shape.fill}"/>'


def _svg(drawing: Drawing, measured: bool = False) -> str:
    title = escape(drawing.title)
    body = "".join(_svg_shape(shape, measured) for shape in drawing.shapes)
    desc = f"<desc>{escape(drawing.description)}</desc>" if drawing.description else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {drawing.width:.0f} {drawing.height:.0f}" '
        f'width="{drawing.width:.0f}" height="{drawing.height:.0f}" role="img" aria-label="{title}">'
        f"<title>{title}</title>{desc}{body}</svg>"
    )


# --- the raster writer -----------------------------------------------------------------------------------

_ANCHORS = {"start": "ls", "middle": "ms", "end": "rs"}  # on the baseline, as SVG places text


@functools.lru_cache(maxsize=16)
def _font(pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILE), pixels)


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _dashes(points: Sequence[tuple[float, float]], scale: float) -> list[list[tuple[float, float]]]:
    """The drawn pieces of a dashed path: DASH[0] on, DASH[1] off, continued across its corners."""
    on, off = DASH[0] * scale, DASH[1] * scale
    pieces: list[list[tuple[float, float]]] = []
    drawing, left = True, on
    current: list[tuple[float, float]] = [points[0]]
    for (x1, y1), (x2, y2) in pairwise(points):
        length = math.hypot(x2 - x1, y2 - y1)
        done = 0.0
        while length - done > left:
            done += left
            point = (x1 + (x2 - x1) * done / length, y1 + (y2 - y1) * done / length)
            if drawing:
                current.append(point)
                pieces.append(current)
            else:
                current = [point]
            drawing = not drawing
            left = on if drawing else off
        left -= length - done
        if drawing:
            current.append((x2, y2))
    if drawing and len(current) > 1:
        pieces.append(current)
    return pieces


def _stroke(
    draw: ImageDraw.ImageDraw,
    points: Sequence[tuple[float, float]],
    colour: str,
    width: float,
    dashed: bool,
    scale: float,
) -> None:
    pixels = max(1, round(width * scale))
    for piece in _dashes(points, scale) if dashed else [list(points)]:
        draw.line(piece, fill=_rgb(colour), width=pixels, joint="curve")


def _paint(draw: ImageDraw.ImageDraw, shape: Shape, s: float) -> None:
    if isinstance(shape, Text):
        font = _font(max(1, round(shape.size * s)))
        anchor = _ANCHORS.get(shape.anchor, "ls")
        draw.text((shape.x * s, shape.y * s), shape.label, fill=_rgb(shape.fill), font=font, anchor=anchor)
    elif isinstance(shape, Line):
        points = [(shape.x1 * s, shape.y1 * s), (shape.x2 * s, shape.y2 * s)]
        _stroke(draw, points, shape.stroke, shape.width, shape.dashed, s)
    elif isinstance(shape, Rect):
        box = (shape.x * s, shape.y * s, (shape.x + shape.width) * s, (shape.y + shape.height) * s)
        outline = _rgb(shape.stroke) if shape.stroke else None
        width = max(1, round(s)) if shape.stroke else 0
        if shape.radius:
            draw.rounded_rectangle(box, shape.radius * s, fill=_rgb(shape.fill), outline=outline, width=width)
        else:
            draw.rectangle(box, fill=_rgb(shape.fill), outline=outline, width=width)
    elif isinstance(shape, Polygon):
        points = [(x * s, y * s) for x, y in shape.points]
        if shape.fill and shape.fill_opacity > 0:
            draw.polygon(points, fill=(*_rgb(shape.fill), round(255 * shape.fill_opacity)))
        _stroke(draw, [*points, points[0]], shape.stroke, shape.width, shape.dashed, s)
    elif isinstance(shape, Polyline):
        points = [(x * s, y * s) for x, y in shape.points]
        _stroke(draw, points, shape.stroke, shape.width, shape.dashed, s)
    else:
        box = (
            (shape.cx - shape.r) * s,
            (shape.cy - shape.r) * s,
            (shape.cx + shape.r) * s,
            (shape.cy + shape.r) * s,
        )
        draw.ellipse(box, fill=_rgb(shape.fill))


def _png(drawing: Drawing, scale: float) -> bytes:
    s = scale * _SUPERSAMPLE
    image = Image.new("RGB", (math.ceil(drawing.width * s), math.ceil(drawing.height * s)), "white")
    draw = ImageDraw.Draw(image, "RGBA")  # RGBA: a translucent fill is blended with what lies below
    for shape in drawing.shapes:
        _paint(draw, shape, s)
    buffer = io.BytesIO()
    image.reduce(_SUPERSAMPLE).save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


# --- the charts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GanttBar:
    label: str
    start_month: int  # offset from the plan's start
    duration_months: int
    level_colour: int = 3  # 1–5: which colour; callers map status or priority to it
    note: str = ""  # short text after the bar (e.g. "deadline missed"): says in words what the colour says


GANTT_LABEL_SIZE = 11.0
GANTT_LINE_HEIGHT = 13.0


def wrap(label: str, size: float, width: float) -> list[str]:
    """`label` in lines no wider than `width` in the packaged font, broken between words; a word wider than
    the width stands on its own line. Nothing is cut off."""
    font = _font(round(size))
    lines: list[str] = []
    for word in label.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def gantt(
    bars: Sequence[GanttBar],
    *,
    quarter_labels: Sequence[str],
    phase_bounds: Sequence[int],
    phase_labels: Sequence[str],
    title: str,
    label_width: float = 260,
    legend: Sequence[tuple[int, str]] = (),
) -> Drawing:
    """Bars by month, with a column per quarter and shaded phases. Labels wrap onto as many lines as they
    need (never cut); `legend` names each colour used (colour 1–5, words) under the bars."""
    quarters = max(len(quarter_labels), 1)
    months = quarters * 3
    month_width = 12.0
    row_height = 20.0
    top = 44.0
    width = label_width + months * month_width + 130
    rows = [wrap(bar.label, GANTT_LABEL_SIZE, label_width - 12) for bar in bars]
    heights = [max(row_height, len(lines) * GANTT_LINE_HEIGHT + 7) for lines in rows]
    chart_bottom = top + sum(heights) + 12
    legend_shapes, legend_height = _gantt_legend(legend, width, chart_bottom)
    height = chart_bottom + legend_height
    shapes: list[Shape] = []
    for index, (start, end) in enumerate(pairwise(phase_bounds)):
        x = label_width + start * month_width
        shapes.append(
            Rect(x, 0, (end - start) * month_width, chart_bottom, "#f4f5f7" if index % 2 == 0 else "#ffffff")
        )
        if index < len(phase_labels):
            shapes.append(Text(x + 3, 13, phase_labels[index], size=10, fill=MUTED))
    for quarter, label in enumerate(quarter_labels):
        x = label_width + quarter * 3 * month_width
        shapes.append(Line(x, 18, x, chart_bottom))
        shapes.append(Text(x + 1.5 * month_width, 34, label, size=9, anchor="middle", fill=MUTED))
    y = top
    for bar, lines, row_h in zip(bars, rows, heights, strict=True):
        first_baseline = y + (row_h - len(lines) * GANTT_LINE_HEIGHT) / 2 + GANTT_LINE_HEIGHT - 3
        for number, line in enumerate(lines):
            shapes.append(
                Text(
                    label_width - 6,
                    first_baseline + number * GANTT_LINE_HEIGHT,
                    line,
                    size=GANTT_LABEL_SIZE,
                    anchor="end",
                )
            )
        x = label_width + bar.start_month * month_width
        bar_width = max(bar.duration_months, 1) * month_width
        colour = LEVEL_COLOURS[min(max(bar.level_colour, 1), 5) - 1]
        middle = y + row_h / 2
        shapes.append(Rect(x, middle - (row_height - 7) / 2, bar_width, row_height - 7, colour, radius=2))
        if bar.note:
            shapes.append(Text(x + bar_width + 4, middle + 3.5, bar.note, size=9, fill=MUTED))
        y += row_h
    shapes.extend(legend_shapes)
    return Drawing(width, height, title, tuple(shapes))


def _gantt_legend(legend: Sequence[tuple[int, str]], width: float, top: float) -> tuple[list[Shape], float]:
    """A swatch and its words per colour, left to right, on as many lines as the chart's width needs."""
    if not legend:
        return [], 0.0
    font = _font(10)
    shapes: list[Shape] = []
    x, y = 6.0, top + 4
    for colour, words in legend:
        needed = 18 + font.getlength(words) + 16
        if x > 6 and x + needed > width:
            x, y = 6.0, y + 18
        shapes.append(Rect(x, y, 12, 10, LEVEL_COLOURS[min(max(colour, 1), 5) - 1]))  # square: bars are round
        shapes.append(Text(x + 17, y + 9, words, size=10))
        x += needed
    return shapes, y + 18 - top


@dataclass(frozen=True)
class ProgressBar:
    """One initiative of a plan followed through the year: its planned quarters and what actually happened,
    as column indexes (quarters from the chart's first), both ends included."""

    label: str
    planned: tuple[int, int] | None
    actual: tuple[int, int] | None  # None: not started
    ongoing: bool = False  # started, not finished: the actual bar runs to today's quarter, open at its end
    late: bool = False  # the planned finish has passed and it is not done: the planned bar is outlined red
    done: bool = False
    note: str = ""  # words after the bars ("late", "blocked", …): says what the colours say


PLANNED_FILL = "#c9ced6"
ACTUAL_DONE = LEVEL_COLOURS[4]
ACTUAL_ONGOING = LEVEL_COLOURS[3]
LATE = LEVEL_COLOURS[0]


def progress_gantt(
    bars: Sequence[ProgressBar],
    *,
    quarter_labels: Sequence[str],
    today: float | None,
    title: str,
    description: str = "",
    today_label: str = "",
    label_width: float = 300,
    legend: Sequence[tuple[str, str]] = (),
) -> Drawing:
    """Planned against actual by quarter: per initiative a grey planned bar (outlined red when late) above
    its actual bar (dark green done, green under way), a dashed line at `today` (in quarters from the first
    column) and a legend of (colour, words). Labels wrap, never cut."""
    quarter_width = 36.0
    row_height = 30.0
    top = 30.0
    width = label_width + max(len(quarter_labels), 1) * quarter_width + 90
    rows = [wrap(bar.label, GANTT_LABEL_SIZE, label_width - 12) for bar in bars]
    heights = [max(row_height, len(lines) * GANTT_LINE_HEIGHT + 7) for lines in rows]
    chart_bottom = top + sum(heights) + 8
    shapes: list[Shape] = []
    for column, label in enumerate(quarter_labels):
        x = label_width + column * quarter_width
        shapes.append(Line(x, 18, x, chart_bottom))
        shapes.append(Text(x + quarter_width / 2, 14, label, size=8.5, anchor="middle", fill=MUTED))
    y = top
    for bar, lines, row_h in zip(bars, rows, heights, strict=True):
        first_baseline = y + (row_h - len(lines) * GANTT_LINE_HEIGHT) / 2 + GANTT_LINE_HEIGHT - 3
        for number, line in enumerate(lines):
            shapes.append(
                Text(
                    label_width - 6,
                    first_baseline + number * GANTT_LINE_HEIGHT,
                    line,
                    size=GANTT_LABEL_SIZE,
                    anchor="end",
                )
            )
        middle = y + row_h / 2
        right = label_width
        if bar.planned is not None:
            x = label_width + bar.planned[0] * quarter_width + 1
            w = (bar.planned[1] - bar.planned[0] + 1) * quarter_width - 2
            shapes.append(Rect(x, middle - 11, w, 9, PLANNED_FILL, radius=2, stroke=LATE if bar.late else ""))
            right = max(right, x + w)
        if bar.actual is not None:
            x = label_width + bar.actual[0] * quarter_width + 1
            w = (bar.actual[1] - bar.actual[0] + 1) * quarter_width - 2
            colour = ACTUAL_DONE if bar.done else (LATE if bar.late else ACTUAL_ONGOING)
            shapes.append(Rect(x, middle + 1, w, 9, colour, radius=2))
            if bar.ongoing:  # open at its end: a lighter tip says it is still under way
                shapes.append(Rect(x + w - 4, middle + 1, 4, 9, "#ffffff"))
            right = max(right, x + w)
        if bar.note:
            shapes.append(Text(right + 4, middle + 3.5, bar.note, size=9, fill=LATE if bar.late else MUTED))
        shapes.append(Line(0, y + row_h, width, y + row_h))
        y += row_h
    if today is not None:
        x = label_width + today * quarter_width
        shapes.append(Line(x, 18, x, chart_bottom, stroke=INK, width=1.2, dashed=True))
        if today_label:
            shapes.append(Text(x + 3, chart_bottom + 11, today_label, size=9, fill=INK))
    legend_top = chart_bottom + 16
    x = 6.0
    font = _font(10)
    for colour, words in legend:
        needed = 18 + font.getlength(words) + 16
        if x > 6 and x + needed > width:
            x, legend_top = 6.0, legend_top + 18
        shapes.append(Rect(x, legend_top, 12, 10, colour))
        shapes.append(Text(x + 17, legend_top + 9, words, size=10))
        x += needed
    height = legend_top + (18 if legend else 0) + 4
    return Drawing(width, height, title, tuple(shapes), description)


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
) -> Drawing:
    """A trajectory: one line per series over the x labels (e.g. now, after phase 1, 2, 3)."""
    left, right, top, bottom = 44.0, 16.0, 16.0, 52.0
    plot_w, plot_h = width - left - right, height - top - bottom
    steps = max(len(x_labels) - 1, 1)
    shapes: list[Shape] = []
    for tick in y_ticks or (0, y_max / 2, y_max):
        y = top + plot_h * (1 - tick / y_max)
        shapes.append(Line(left, y, left + plot_w, y))
        shapes.append(Text(left - 6, y + 4, f"{tick:g}", size=10, anchor="end", fill=MUTED))
    for index, label in enumerate(x_labels):
        x = left + plot_w * index / steps
        shapes.append(Text(x, top + plot_h + 16, label, size=10, anchor="middle", fill=MUTED))
    for number, line in enumerate(series):
        points = tuple(
            (left + plot_w * index / steps, top + plot_h * (1 - min(max(value, 0), y_max) / y_max))
            for index, value in enumerate(line.values)
        )
        shapes.append(Polyline(points, line.colour, 2, line.dashed))
        shapes.extend(Circle(x, y, 3, line.colour) for x, y in points)
        legend_x = left + number * 150
        shapes.append(Line(legend_x, height - 12, legend_x + 18, height - 12, line.colour, 2, line.dashed))
        shapes.append(Text(legend_x + 22, height - 8, line.label, size=10))
    return Drawing(width, height, title, tuple(shapes))


def radar(
    axes: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    maximum: float = 5,
    size: float = 360,
) -> Drawing:
    """Levels per dimension on spokes (1–5), e.g. current, target and peer median."""
    centre = size / 2
    radius = size / 2 - 70
    count = max(len(axes), 3)
    shapes: list[Shape] = []

    def point(index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        distance = radius * min(max(value, 0), maximum) / maximum
        return centre + distance * math.cos(angle), centre + distance * math.sin(angle)

    for ring in range(1, int(maximum) + 1):
        shapes.append(Polygon(tuple(point(i, ring) for i in range(count)), GRID, 0.6))
    for index, label in enumerate(axes):
        x, y = point(index, maximum)
        shapes.append(Line(centre, centre, x, y))
        lx, ly = point(index, maximum * 1.16)
        anchor = "middle" if abs(lx - centre) < 8 else ("start" if lx > centre else "end")
        shapes.append(Text(lx, ly + 4, label, size=10, anchor=anchor))
    for number, line in enumerate(series):
        shape = tuple(point(i, v) for i, v in enumerate(line.values))
        opacity = 0.15 if number == 0 else 0.0  # the first series (the current levels) is shaded
        shapes.append(Polygon(shape, line.colour, 2, line.colour, opacity, line.dashed))
        legend_y = size - 14 - 16 * (len(series) - 1 - number)
        shapes.append(Line(12, legend_y - 4, 30, legend_y - 4, line.colour, 2, line.dashed))
        shapes.append(Text(34, legend_y, line.label, size=10))
    return Drawing(size, size, title, tuple(shapes))


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
) -> Drawing:
    """Offices × dimensions, one coloured square per level, the level written inside."""
    cell = 34.0
    top = 40.0
    width = label_width + len(columns) * cell + 8
    height = top + len(rows) * cell + 8
    shapes: list[Shape] = []
    for column, label in enumerate(columns):
        shapes.append(Text(label_width + column * cell + cell / 2, top - 10, label, size=10, anchor="middle"))
    for row, label in enumerate(rows):
        y = top + row * cell
        shapes.append(Text(label_width - 8, y + cell / 2 + 4, label, size=10, anchor="end"))
        for column, value in enumerate(cells[row]):
            x = label_width + column * cell
            if value.level is None:
                shapes.append(Rect(x + 1, y + 1, cell - 2, cell - 2, "#ffffff", stroke=GRID))
                continue
            colour = LEVEL_COLOURS[min(max(value.level, 1), 5) - 1]
            shapes.append(Rect(x + 1, y + 1, cell - 2, cell - 2, colour, tooltip=value.tooltip))
            text_fill = "#ffffff" if value.level in (1, 5, 4) else INK
            shapes.append(
                Text(
                    x + cell / 2, y + cell / 2 + 4, str(value.level), size=12, anchor="middle", fill=text_fill
                )
            )
    return Drawing(width, height, title, tuple(shapes))
