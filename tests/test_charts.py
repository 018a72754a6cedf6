"""Server-side SVG charts: well-formed, escaped, and drawing what they are given."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from roadmap.charts import GanttBar, HeatCell, Series, gantt, heatmap, line_chart, radar

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script> & "x"'


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted input)


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
    assert HOSTILE in texts  # as text, never as markup
    assert "<script>" not in svg
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
