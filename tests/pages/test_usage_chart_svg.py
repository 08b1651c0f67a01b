"""The usage chart's SVG, written in Python (pages/usage_chart.py): well-formed, one bar per month
in each panel, every text escaped, numbers as Python writes them."""

import xml.etree.ElementTree as ET
from datetime import date

from apps_admin.pages import usage_chart
from apps_admin.usage.report import Usage

SVG = "{http://www.w3.org/2000/svg}"


def test_the_chart_is_well_formed_svg_with_a_bar_per_month_and_every_text_escaped():
    months = [(date(2025, 12, 1), Usage(7, 1.5, 0.25)), (date(2026, 1, 1), Usage(0, 0, 2**40))]
    chart = usage_chart.chart(months)
    title = 'Usage of <script>"x"</script> & co'
    root = ET.fromstring(str(usage_chart.svg(chart, title)))  # noqa: S314  (our own markup)
    assert root.find(f"{SVG}title").text == title  # escaped in the markup, read back whole
    assert root.get("viewBox") == f"0 0 {chart.width} {chart.height}"
    panels = root.findall(f"{SVG}g")
    assert [panel.get("class") for panel in panels] == [
        "panel panel-gigabytes",
        "panel panel-signaling",
    ]
    for panel in panels:
        bars = panel.findall(f"{SVG}g")
        assert [bar.get("class") for bar in bars] == ["bar", "bar"]
        labels = [t.text for t in panel.findall(f"{SVG}text") if t.get("class") == "bar-label"]
        years = [t.text for t in panel.findall(f"{SVG}text") if t.get("class") == "bar-year"]
        assert labels == ["12", "01"] and years == ["2025", "2026"]
    gigabytes = panels[0].findall(f"{SVG}g")[1]
    assert gigabytes.find(f"{SVG}title").text == "2026-01: TURN 0 + SFU 1,099,511,627,776"
    assert [r.get("class") for r in gigabytes.findall(f"{SVG}rect")] == [
        "segment-turn",
        "segment-sfu",
    ]
    assert all("style" not in element.attrib for element in root.iter())
