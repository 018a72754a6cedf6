"""Server-side charts: one drawing, written as well-formed, escaped SVG and painted as a PNG of the same
shapes (the Word report's charts)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from PIL import Image

from roadmap.charts import (
    LEVEL_COLOURS,
    Drawing,
    GanttBar,
    HeatCell,
    Line,
    Rect,
    Series,
    Text,
    gantt,
    heatmap,
    line_chart,
    radar,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script> & "x"'


def parse(drawing: Drawing) -> ET.Element:
    return ET.fromstring(drawing.svg())  # noqa: S314 (our own output, not untrusted input)


def test_gantt_draws_one_bar_per_initiative_and_escapes_labels():
    svg = gantt(
        [GanttBar(HOSTILE, 0, 3), GanttBar("I02 Kế hoạch", 6, 12, level_colour=5, note="trễ hạn")],
        quarter_labels=["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4", "2028-Q1", "2028-Q2"],
        phase_bounds=[0, 6, 18],
        phase_labels=["Giai đoạn 1", "Giai đoạn 2"],
        title="Lộ trình",
    )
    root = parse(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert HOSTILE in " ".join(texts)  # as text (wrapped over lines, never cut), never as markup
    assert "<script>" not in svg.svg()
    assert "I02 Kế hoạch" in texts
    assert "trễ hạn" in texts
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("rx") == "2"]
    assert len(bars) == 2
    assert float(bars[1].get("width")) == 4 * float(bars[0].get("width"))


def test_line_chart_plots_each_value():
    svg = line_chart(
        [Series("Chỉ số", [300, 420, 610]), Series("Mục tiêu", [600, 600, 600], dashed=True)],
        x_labels=["Hiện tại", "GĐ 1", "GĐ 2"],
        y_max=1000,
        title="Quỹ đạo",
    )
    root = parse(svg)
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    assert len(list(root.iter(f"{SVG}circle"))) == 6


def test_radar_has_a_spoke_per_dimension_and_a_shape_per_series():
    axes = ["LDR", "GOV", "NET", "IP6", "PLT"]
    svg = radar(
        axes, [Series("Hiện tại", [1, 2, 3, 4, 5]), Series("Mục tiêu", [3] * 5, dashed=True)], title="Mức"
    )
    root = parse(svg)
    labels = {t.text for t in root.iter(f"{SVG}text")}
    assert set(axes) <= labels
    shapes = [p for p in root.iter(f"{SVG}polygon") if p.get("stroke-width") == "2"]
    assert len(shapes) == 2


def test_heatmap_writes_levels_and_leaves_missing_cells_blank():
    svg = heatmap(
        ["Văn phòng A", "Văn phòng B"],
        ["LDR", "SEC"],
        [[HeatCell(1, "A LDR 1"), HeatCell(5)], [HeatCell(None), HeatCell(3)]],
        title="Bản đồ nhiệt",
    )
    root = parse(svg)
    numbers = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text.isdigit()]
    assert numbers == ["1", "5", "3"]


# --- the same shapes as an image --------------------------------------------------------------------------


def image(drawing: Drawing, scale: float = 2) -> Image.Image:
    return Image.open(io.BytesIO(drawing.png(scale))).convert("RGB")


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def near(pixel: tuple[int, int, int], colour: str, tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, rgb(colour), strict=True))


def test_the_png_paints_the_gantt_bars_where_the_svg_draws_them():
    drawing = gantt(
        [GanttBar("I01 Khảo sát", 0, 3, level_colour=1), GanttBar("I02 Kế hoạch", 6, 12, level_colour=5)],
        quarter_labels=["Q1/2027", "Q2/2027", "Q3/2027", "Q4/2027", "Q1/2028", "Q2/2028"],
        phase_bounds=[0, 6, 18],
        phase_labels=["Giai đoạn 1", "Giai đoạn 2"],
        title="Lộ trình",
    )
    picture = image(drawing, scale=2)
    assert picture.size == (round(drawing.width * 2), round(drawing.height * 2))
    bars = [r for r in parse(drawing).iter(f"{SVG}rect") if r.get("rx") == "2"]
    for bar, colour in zip(bars, (LEVEL_COLOURS[0], LEVEL_COLOURS[4]), strict=True):
        x = float(bar.get("x")) + float(bar.get("width")) / 2
        y = float(bar.get("y")) + float(bar.get("height")) / 2
        assert near(picture.getpixel((round(x * 2), round(y * 2))), colour), colour
    # The labels are painted in the packaged font, right-aligned before the bars (text-anchor="end").
    label_area = picture.crop((0, 88, 508, 128))  # the first row, left of x = 254 (at scale 2)
    assert label_area.convert("L").getextrema()[0] < 100
    assert label_area.crop((0, 0, 200, label_area.height)).getextrema() == ((255, 255),) * 3


def test_the_png_shades_the_first_radar_series_and_dashes_dashed_lines():
    drawing = radar(["A", "B", "C", "D"], [Series("Now", [4, 4, 4, 4], "#8b1a1a")], title="Mức")
    picture = image(drawing)
    centre = round(drawing.width)  # the centre of the chart, at scale 2
    shaded = picture.getpixel((centre + 20, centre + 20))
    assert shaded != (255, 255, 255)  # blended with the white below: fill-opacity 0.15
    assert not near(shaded, "#8b1a1a")

    solid = Drawing(100, 20, "t", (Line(0, 10, 100, 10, "#000000", 2),))
    dashed = Drawing(100, 20, "t", (Line(0, 10, 100, 10, "#000000", 2, dashed=True),))
    row = 20  # y = 10 at scale 2
    solid_ink = [image(solid).getpixel((x, row))[0] < 128 for x in range(4, 196)]
    dashed_ink = [image(dashed).getpixel((x, row))[0] < 128 for x in range(4, 196)]
    assert all(solid_ink)
    assert 0.45 < sum(dashed_ink) / len(dashed_ink) < 0.65  # 5 units drawn, 4 left out


def test_the_png_places_text_by_its_anchor_as_svg_does():
    for anchor, inked in (("start", "right"), ("end", "left"), ("middle", "both")):
        picture = image(Drawing(200, 30, "t", (Text(100, 20, "Mức độ", size=12, anchor=anchor),)))
        left = picture.crop((0, 0, 200, 60)).getextrema()[0][0] < 128
        right = picture.crop((200, 0, 400, 60)).getextrema()[0][0] < 128
        assert (left, right) == {"right": (False, True), "left": (True, False), "both": (True, True)}[inked]


LONG_NAME = (
    "I26 Triển khai đầy đủ phương án bảo đảm an toàn thông tin theo cấp độ (khắc phục khoảng trống so với "
    "TCVN 11930:2017)"
)


def test_gantt_labels_wrap_onto_lines_and_are_never_cut():
    drawing = gantt(
        [GanttBar(LONG_NAME, 0, 6), GanttBar("I01 Khảo sát", 3, 3)],
        quarter_labels=["Q1/2027", "Q2/2027", "Q3/2027"],
        phase_bounds=[0, 9],
        phase_labels=["Giai đoạn 1"],
        title="Lộ trình",
    )
    labels = [s for s in drawing.shapes if isinstance(s, Text) and s.anchor == "end"]
    first = [s.label for s in labels if s.label != "I01 Khảo sát"]
    assert len(first) >= 2  # wrapped
    assert " ".join(first) == LONG_NAME  # every word, in order
    assert all("…" not in s.label for s in drawing.shapes if isinstance(s, Text))
    assert all(label.size >= 11 for label in labels)
    bars = [s for s in drawing.shapes if isinstance(s, Rect) and s.radius == 2]
    assert bars[1].y - bars[0].y > 20  # the wrapped row is taller


def test_gantt_legend_names_each_colour_beside_its_swatch():
    legend = [(4, "Proposed by the planner"), (5, "Mandatory (“mandatory”)")]
    drawing = gantt(
        [GanttBar("I01", 0, 3, level_colour=4), GanttBar("I02", 3, 3, level_colour=5, note="mandatory")],
        quarter_labels=["Q1/2027", "Q2/2027"],
        phase_bounds=[0, 6],
        phase_labels=["Phase 1"],
        title="Schedule",
        legend=legend,
    )
    texts = {s.label: s for s in drawing.shapes if isinstance(s, Text)}
    assert "mandatory" in texts  # the colour is said in words after the bar too
    for colour, words in legend:
        swatch = next(
            s
            for s in drawing.shapes
            if isinstance(s, Rect) and s.width == 12 and s.fill == LEVEL_COLOURS[colour - 1]
        )
        assert texts[words].x == swatch.x + 17
        assert texts[words].y < drawing.height


def test_the_report_svg_places_anchored_labels_itself_so_the_pdf_has_no_group_per_label():
    """WeasyPrint wraps every SVG label with a text-anchor in a transparency group; the report's SVG places
    the label from the font's measured width instead, and the PDF then holds no form XObject at all (each one
    multiplied the object paths a signature check walks)."""
    from pypdf import PdfReader
    from weasyprint import HTML

    from roadmap.charts import _text_width

    width = _text_width("Mức độ", 12)
    assert 30 < width < 45  # Liberation Sans at 12 units: about 37
    for anchor, start in (("start", 100.0), ("middle", 100 - width / 2), ("end", 100 - width)):
        drawing = Drawing(200, 30, "t", (Text(100, 20, "Mức độ", size=12, anchor=anchor),))
        text = ET.fromstring(drawing.print_svg()).find(f"{SVG}text")  # noqa: S314 (our own output)
        assert text is not None
        assert "text-anchor" not in text.attrib
        assert float(text.attrib["x"]) == round(start, 1)

    chart = radar(["LDR", "DAT", "SEC", "IP6"], [Series("Hiện tại", [1, 2, 3, 2])], title="Mức độ")
    assert "text-anchor" in chart.svg()  # screens: the browser anchors
    for svg, groups in ((chart.svg(), True), (chart.print_svg(), False)):
        page = PdfReader(io.BytesIO(HTML(string=f"<html><body>{svg}</body></html>").write_pdf())).pages[0]
        resources = page["/Resources"].get_object()
        assert bool(resources.get("/XObject")) is groups
        if not groups:
            assert "LDR" in page.extract_text()
